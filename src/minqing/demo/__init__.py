"""The demo region (``minqing demo``): a prefecture with two counties, townships,
villages and grids, a dozen departments per county, people in every role and a
few thousand cases in every state, all made through the actions layer."""

from .build import Demo, DemoError, build, exists, issue_token  # noqa: F401
