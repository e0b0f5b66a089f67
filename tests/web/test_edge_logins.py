"""Failed logins are limited per account and per address (django-axes), on /login/ and
the admin's login; passwords are hashed with Argon2 and older hashes upgraded at login."""

import datetime as dt
import logging

import pytest
from axes.models import AccessAttempt, AccessFailureLog
from django.contrib.auth.hashers import PBKDF2PasswordHasher, check_password
from django.test import Client
from django.utils import timezone

LOCKED = "登录失败次数过多"


def pw(name):
    return f"pw-{name}-123"


def attempt(client, username, password, path="/login/", ip="203.0.113.7", **extra):
    return client.post(path, {"username": username, "password": password}, REMOTE_ADDR=ip, **extra)


def logged_in(client):
    return "_auth_user_id" in client.session


def test_sixth_wrong_password_is_429_with_the_message(world, settings):
    assert settings.AXES_FAILURE_LIMIT == 5 and settings.AXES_COOLOFF_TIME == dt.timedelta(minutes=15)
    c = Client()
    codes = [attempt(c, "disp_zt", "wrong-password").status_code for _ in range(4)]
    assert codes == [200] * 4  # the form again, with its error
    fifth = attempt(c, "disp_zt", "wrong-password")
    sixth = attempt(c, "disp_zt", "wrong-password")
    for resp in (fifth, sixth):
        assert resp.status_code == 429
        body = resp.content.decode()
        assert LOCKED in body and "15 分钟" in body and 'id="login-locked"' in body
        assert resp["Retry-After"] == "900"
    assert AccessFailureLog.objects.filter(username="disp_zt").count() >= 5  # failure records


def test_lock_message_in_english(world):
    c = Client()
    c.cookies["django_language"] = "en"
    for _ in range(5):
        resp = attempt(c, "disp_zt", "nope")
    assert resp.status_code == 429
    body = resp.content.decode()
    assert "Too many failed logins" in body and "15 minutes" in body and LOCKED not in body


def test_right_password_during_the_lock_is_refused(world):
    c = Client()
    for _ in range(5):
        attempt(c, "water", "nope")
    resp = attempt(c, "water", pw("water"))
    assert resp.status_code == 429 and LOCKED in resp.content.decode()
    assert not logged_in(c)
    # from another address too: the account itself is locked
    other = Client()
    resp = attempt(other, "water", pw("water"), ip="198.51.100.20")
    assert resp.status_code == 429 and not logged_in(other)


def test_lock_expires_and_the_unlock_is_logged(world, caplog):
    c = Client()
    with caplog.at_level(logging.WARNING, logger="minqing.security"):
        for _ in range(5):
            attempt(c, "water", "nope")
    assert any("login locked" in r.getMessage() and "'water'" in r.getMessage() for r in caplog.records)
    assert attempt(c, "water", pw("water")).status_code == 429
    # 14 minutes later: still locked
    AccessAttempt.objects.update(attempt_time=timezone.now() - dt.timedelta(minutes=14))
    assert attempt(c, "water", pw("water")).status_code == 429
    # 16 minutes later: the lock is over
    AccessAttempt.objects.update(attempt_time=timezone.now() - dt.timedelta(minutes=16))
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="minqing.security"):
        resp = attempt(c, "water", pw("water"))
    assert resp.status_code == 302 and logged_in(c)
    assert any("login unlocked" in r.getMessage() for r in caplog.records)
    assert not AccessAttempt.objects.exists()


def test_lock_minutes_follow_the_settings(world, settings):
    settings.AXES_FAILURE_LIMIT = 2
    settings.AXES_COOLOFF_TIME = dt.timedelta(minutes=1)
    c = Client()
    assert attempt(c, "water", "nope").status_code == 200
    resp = attempt(c, "water", "nope")
    assert resp.status_code == 429 and "1 分钟" in resp.content.decode()
    AccessAttempt.objects.update(attempt_time=timezone.now() - dt.timedelta(seconds=61))
    assert attempt(c, "water", pw("water")).status_code == 302


def test_address_lock_across_accounts(world):
    c = Client()
    names = ["disp_zt", "water", "housing", "leader_city", "sup_city"]
    assert [attempt(c, n, "nope").status_code for n in names] == [200, 200, 200, 200, 429]
    # a sixth account, with its right password, from the same address: refused
    resp = attempt(Client(), "rv_lk", pw("rv_lk"))
    assert resp.status_code == 429
    # the same account from another address logs in: only the address was locked
    other = Client()
    assert attempt(other, "rv_lk", pw("rv_lk"), ip="198.51.100.20").status_code == 302 and logged_in(other)


def test_address_behind_a_trusted_proxy_is_the_client(world, settings):
    """Behind the proxy, two citizens are two addresses; a forged header from outside is ignored."""
    settings.MINQING_TRUSTED_PROXIES = "10.0.0.0/8"
    c = Client()
    for n in ["disp_zt", "water", "housing", "leader_city", "sup_city"]:
        attempt(c, n, "nope", ip="10.0.0.2", HTTP_X_FORWARDED_FOR="203.0.113.50")
    assert attempt(Client(), "rv_lk", pw("rv_lk"), ip="10.0.0.2",
                   HTTP_X_FORWARDED_FOR="203.0.113.50").status_code == 429
    assert attempt(Client(), "rv_lk", pw("rv_lk"), ip="10.0.0.2",
                   HTTP_X_FORWARDED_FOR="203.0.113.51").status_code == 302
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {"203.0.113.50"}


def test_admin_login_is_locked_too_and_admins_reset_locks(world):
    from django.contrib.auth import get_user_model

    User = get_user_model()
    User.objects.create_superuser("chief", password="pw-chief-123456")
    c = Client()
    for _ in range(5):
        resp = attempt(c, "chief", "nope", path="/admin/login/?next=/admin/")
    assert resp.status_code == 429 and LOCKED in resp.content.decode()
    assert attempt(c, "chief", "pw-chief-123456", path="/admin/login/?next=/admin/").status_code == 429
    # another administrator sees the lock in the admin and deletes it
    boss = Client()
    boss.force_login(User.objects.create_superuser("boss", password="pw-boss-123456"))
    page = boss.get("/admin/axes/accessattempt/")
    assert page.status_code == 200 and "203.0.113.7" in page.content.decode() and "chief" in page.content.decode()
    ids = list(AccessAttempt.objects.values_list("pk", flat=True))
    resp = boss.post("/admin/axes/accessattempt/", {"action": "delete_selected", "_selected_action": ids, "post": "yes"})
    assert resp.status_code == 302 and not AccessAttempt.objects.exists()
    assert attempt(c, "chief", "pw-chief-123456", path="/admin/login/?next=/admin/").status_code == 302


def test_success_resets_the_count(world):
    c = Client()
    for _ in range(4):
        attempt(c, "water", "nope")
    assert attempt(c, "water", pw("water")).status_code == 302
    c = Client()
    assert [attempt(c, "water", "nope").status_code for _ in range(4)] == [200] * 4


def test_authenticate_without_a_request_still_works(world):
    from django.contrib.auth import authenticate

    assert authenticate(username="water", password=pw("water")) == world.users["water"]
    assert authenticate(username="water", password="nope") is None


@pytest.fixture
def real_hashers(settings):
    """The project's hashers (the test session otherwise uses MD5 for speed)."""
    from django.contrib.auth import hashers

    from minqing import settings as project

    settings.PASSWORD_HASHERS = project.PASSWORD_HASHERS
    hashers.get_hashers.cache_clear()
    hashers.get_hashers_by_algorithm.cache_clear()
    yield project.PASSWORD_HASHERS
    hashers.get_hashers.cache_clear()
    hashers.get_hashers_by_algorithm.cache_clear()


def test_argon2_is_first(real_hashers):
    from django.contrib.auth.hashers import make_password

    assert real_hashers[0] == "minqing.web.hashers.Argon2PasswordHasher"
    encoded = make_password("demo12345")
    assert encoded.startswith("argon2$argon2id$v=19$m=19456,t=2,p=1$")
    assert check_password("demo12345", encoded) and not check_password("demo12346", encoded)


def test_pbkdf2_hash_is_upgraded_to_argon2_at_login(world, real_hashers):
    user = world.users["water"]
    user.password = PBKDF2PasswordHasher().encode(pw("water"), "saltsaltsalt", iterations=1000)
    user.save(update_fields=["password"])
    c = Client()
    assert attempt(c, "water", pw("water")).status_code == 302 and logged_in(c)
    user.refresh_from_db()
    assert user.password.startswith("argon2$argon2id$")
    assert check_password(pw("water"), user.password)
    # a wrong password leaves the hash alone
    before = user.password
    attempt(Client(), "water", "nope")
    user.refresh_from_db()
    assert user.password == before


def test_argon2_hash_with_other_parameters_is_rehashed(world, real_hashers):
    from django.contrib.auth.hashers import Argon2PasswordHasher

    user = world.users["water"]
    user.password = Argon2PasswordHasher().encode(pw("water"), "saltsaltsalt")  # Django's 100 MiB, 8 lanes
    user.save(update_fields=["password"])
    assert "m=102400" in user.password
    assert attempt(Client(), "water", pw("water")).status_code == 302
    user.refresh_from_db()
    assert "m=19456,t=2,p=1" in user.password


def test_oversized_inputs_are_4xx_not_500(world):
    c = Client(raise_request_exception=False)
    codes = {
        attempt(c, "u" * 5000, "nope").status_code,
        attempt(c, "water", "p" * 100_000).status_code,
        attempt(c, "water", "nope", HTTP_USER_AGENT="A" * 5000, HTTP_ACCEPT="text/html," * 500).status_code,
        attempt(c, "water", "nope", HTTP_X_FORWARDED_FOR="1.1.1.1, " * 2000).status_code,
    }
    assert codes <= {200, 429}
    # what axes keeps fits its columns on every database (SQLite would not complain)
    assert max(len(u) for u in AccessAttempt.objects.values_list("username", flat=True)) <= 150
    assert max(len(u) for u in AccessFailureLog.objects.values_list("username", flat=True)) <= 150
