import pytest


@pytest.fixture(autouse=True)
def _no_auto_category(settings):
    """Cases registered here without a category wait for a person: loading the classifier
    would only make these tests slow."""
    settings.MINQING = {**settings.MINQING, "CATEGORY_AUTO_THRESHOLD": 1.5}
