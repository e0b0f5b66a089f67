import pytest


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    # the world fixture creates a dozen users; the default hasher makes that the slow part
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _fresh_figures(request, settings):
    # figures are cached per data version; the tests want them computed at once
    settings.MINQING_WEB = {**getattr(settings, "MINQING_WEB", {}), "FIGURES_MAX_STALE": 0}


@pytest.fixture(autouse=True)
def _playwright_may_eval(request, settings):
    """Playwright evaluates ``wait_for_function``'s string predicates with eval(), which the
    pages' Content-Security-Policy forbids: browser tests run with 'unsafe-eval' added, except
    test_edge_browser.py, which walks the pages under the real policy."""
    if request.node.get_closest_marker("browser"):
        settings.MINQING_CSP = settings.MINQING_CSP.replace("script-src 'self'", "script-src 'self' 'unsafe-eval'", 1)
