"""Every API operation fuzzed with schemathesis (issue 10, point 4): with an
administrator's token and a township dispatcher's, 25 examples per operation and
generation mode (valid and invalid data), derandomized: no response is a 500, and
every response conforms to the OpenAPI document (a declared status, its content type
and its schema)."""

import os

import apifuzz
import pytest
from django.core.wsgi import get_wsgi_application

EXAMPLES = int(os.environ.get("MINQING_FUZZ_EXAMPLES", 25))


@pytest.mark.slow  # 2 × 2,600 requests: minutes on the shared 2-core machine
@pytest.mark.parametrize("who", ["admin", "disp_zt"])
def test_no_500_and_no_schema_violation(tworld, who, capsys):
    from casebuild import to_state

    for state in ("registered", "in_progress", "closed"):  # ids 1.. exist, in several states
        to_state(tworld, state)
    figures = apifuzz.fuzz(apifuzz.load(get_wsgi_application()), [tworld.tokens[who]], examples=EXAMPLES)
    with capsys.disabled():
        print(f"\n[{who}] {figures.line()}")
    assert figures.operations >= 50
    assert not figures.server_errors, "\n".join(map(str, figures.server_errors[:20]))
    assert not figures.violations, "\n".join(map(str, figures.violations[:20]))
