import pytest


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    # the world fixture creates a dozen users; the default hasher makes that the slow part
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
