"""CPU of one login: PBKDF2 (Django's default, the baseline) against Argon2 (the project's hasher).

For each hasher, N full logins (``POST /login/`` through the whole middleware stack with
django-axes, the session, the redirect; Django's test client, in process) on a fresh
SQLite database, timed in CPU seconds of this process (``time.process_time``: every
thread, not wall time, so other load on the machine hardly changes it); and the bare
password check (``check_password``) alone.

Target: one login < 300 ms of CPU.

    .venv/bin/python bench/login.py [--n 10]
"""

import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import common  # noqa: E402

N = common.arg_int("n", 10)

common.setup_django("sqlite", "login", fresh=True)

from django.conf import settings  # noqa: E402
from django.contrib.auth import get_user_model  # noqa: E402
from django.contrib.auth.hashers import check_password, get_hashers, get_hashers_by_algorithm, make_password  # noqa: E402
from django.test import Client  # noqa: E402

PASSWORD = "demo12345"
PROJECT = list(settings.PASSWORD_HASHERS)
PBKDF2 = "django.contrib.auth.hashers.PBKDF2PasswordHasher"


def use(first):
    settings.PASSWORD_HASHERS = [first] + [h for h in PROJECT if h != first]
    get_hashers.cache_clear()
    get_hashers_by_algorithm.cache_clear()


WALL = {}


def cpu(fn, n, label=None):
    """Median CPU seconds of ``fn`` over n calls (and its median wall time in WALL[label])."""
    times, walls = [], []
    for _ in range(n):
        t, w = time.process_time(), time.perf_counter()
        fn()
        times.append(time.process_time() - t)
        walls.append(time.perf_counter() - w)
    times.sort()
    walls.sort()
    if label:
        WALL[label] = walls[len(walls) // 2]
    return times[len(times) // 2]


def logins(first, n):
    use(first)
    User = get_user_model()
    user, _ = User.objects.get_or_create(username=f"bench-{first.rsplit('.', 1)[1]}")
    user.password = make_password(PASSWORD)
    user.save()
    algorithm = user.password.split("$", 1)[0]
    client = Client()

    def one():
        resp = client.post("/login/", {"username": user.username, "password": PASSWORD})
        assert resp.status_code == 302, resp.status_code
        client.cookies.clear()  # the next login starts without a session

    one()  # warm
    login_cpu = cpu(one, n, label=algorithm)
    encoded = User.objects.get(pk=user.pk).password
    assert encoded.startswith(algorithm), "the login kept the hash (no upgrade in between)"
    check_cpu = cpu(lambda: check_password(PASSWORD, encoded), n)
    return algorithm, login_cpu, check_cpu


rows = []
base_alg, base_login, base_check = logins(PBKDF2, N)
alg, login, check = logins(PROJECT[0], N)
load = "load %.1f" % os.getloadavg()[0]
print(f"{base_alg}: login {base_login * 1000:.0f} ms CPU ({WALL[base_alg] * 1000:.0f} ms wall, {load}), "
      f"check_password {base_check * 1000:.0f} ms")
print(f"{alg}: login {login * 1000:.0f} ms CPU ({WALL[alg] * 1000:.0f} ms wall), check_password {check * 1000:.0f} ms")
rows.append(common.row("login", "sqlite", f"one login ({alg}), CPU median of {N}", login, "s",
                       baseline=base_login, baseline_label=f"{base_alg}", target=0.3, higher_is_better=False))
rows.append(common.row("login", "sqlite", f"check_password ({alg}), CPU", check, "s",
                       baseline=base_check, baseline_label=f"{base_alg}", higher_is_better=False))
common.save("login", rows)
