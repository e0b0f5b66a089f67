import pytest


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    # the world fixture creates a dozen users; the default hasher makes that the slow part
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _fresh_figures(request, settings):
    # figures are cached per data version; the tests want them computed at once
    settings.MINQING_WEB = {**getattr(settings, "MINQING_WEB", {}), "FIGURES_MAX_STALE": 0}
