"""Shared fixtures: a small world (regions, departments, people in every role)."""

import os
from dataclasses import dataclass, field

import pytest

os.environ.setdefault("MINQING_DATA_DIR", os.path.join(os.path.dirname(__file__), "..", "data", "test"))


@dataclass
class World:
    regions: dict = field(default_factory=dict)
    departments: dict = field(default_factory=dict)
    users: dict = field(default_factory=dict)
    tokens: dict = field(default_factory=dict)

    def actor(self, name):
        from minqing.people.scoping import Actor

        return Actor.for_user(self.users[name])


REGIONS = [
    ("430000", "湖南省", "province", None),
    ("430200", "株洲市", "city", "430000"),
    ("430212", "渌口区", "county", "430200"),
    ("430223", "攸县", "county", "430200"),
    ("430212101", "朱亭镇", "township", "430212"),
    ("430212102", "龙船镇", "township", "430212"),
    ("430223100", "联星街道", "township", "430223"),
    ("430212101201", "朱亭村", "village", "430212101"),
    ("430212102201", "龙船村", "village", "430212102"),
    ("430223100001", "城东社区", "village", "430223100"),
    ("430212101201-G1", "朱亭村一网格", "grid", "430212101201"),
]

DEPARTMENTS = [
    ("lk-water", "渌口区水务局", "430212", ["water_supply"]),
    ("lk-roads", "渌口区交通运输局", "430212", ["roads_transport", "municipal_facilities"]),
    ("lk-housing", "渌口区住建局", "430212", ["housing_property", "fire_safety"]),
    ("yx-water", "攸县水利局", "430223", ["water_supply"]),
    ("zt-office", "朱亭镇综治办", "430212101", ["public_security", "other"]),
]

USERS = [
    # name, role, region, department
    ("disp_zt", "dispatcher", "430212101", None),
    ("disp_lk", "dispatcher", "430212", None),
    ("disp_yx", "dispatcher", "430223", None),
    ("water", "handler", None, "lk-water"),
    ("roads", "handler", None, "lk-roads"),
    ("housing", "handler", None, "lk-housing"),
    ("yxwater", "handler", None, "yx-water"),
    ("ztoffice", "handler", None, "zt-office"),
    ("sup_lk", "supervisor", "430212", None),
    ("leader_city", "leader", "430200", None),
    ("leader_yx", "leader", "430223", None),
    ("rv_lk", "return_visitor", "430212", None),
    ("cadre_zt", "cadre", "430212101", None),
    ("admin", "admin", None, None),
]


def build_world():
    from django.contrib.auth import get_user_model

    from minqing.cases.models import Category
    from minqing.people.models import ApiToken, Membership
    from minqing.regions.models import Department, Region

    w = World()
    for code, name, level, parent in REGIONS:
        w.regions[code] = Region.objects.create(
            code=code, name=name, level=level, parent=w.regions.get(parent) if parent else None
        )
    if not Category.objects.exists():  # a transactional test flushed the migration's seed rows
        from minqing.cases.default_categories import DEFAULT_CATEGORIES

        for pos, (code, name, name_en, description, keywords) in enumerate(DEFAULT_CATEGORIES):
            Category.objects.create(code=code, name=name, name_en=name_en, description=description,
                                    keywords=keywords, position=pos)
    cats = {c.code: c for c in Category.objects.all()}
    for code, name, region, categories in DEPARTMENTS:
        d = Department.objects.create(code=code, name=name, region=w.regions[region])
        d.categories.set([cats[c] for c in categories])
        w.departments[code] = d
    User = get_user_model()
    for name, role, region, dept in USERS:
        u = User.objects.create_user(name, password="pw-" + name + "-123", is_superuser=(role == "admin"))
        Membership.objects.create(
            user=u, role=role, region=w.regions.get(region) if region else None,
            department=w.departments.get(dept) if dept else None,
        )
        w.users[name] = u
        w.tokens[name] = ApiToken.issue(u, "test")[1]
    return w


@pytest.fixture(autouse=True, scope="session")
def _fast_password_hashing():
    """PBKDF2's real cost makes every `world` take seconds; tests need no strong hashes."""
    from django.conf import settings
    from django.contrib.auth import hashers

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    hashers.get_hashers.cache_clear()
    hashers.get_hashers_by_algorithm.cache_clear()


@pytest.fixture(autouse=True)
def _fresh_lookup_cache():
    """Each test starts with no cached region/category (rows of a rolled-back test are gone)."""
    from minqing.cases import lookups

    lookups.clear()
    yield
    lookups.clear()


@pytest.fixture(autouse=True)
def _fresh_message_templates():
    """The notices' message templates are cached per process: each test reads its own."""
    from minqing.notices import core

    core.forget_templates()
    yield
    core.forget_templates()


@pytest.fixture
def world(db):
    return build_world()


@pytest.fixture
def api(tworld, live_server):
    """``api(who)``: an HTTP client of the live server's /api/v1 with that person's bearer token
    (``api()``: no token)."""
    import httpx

    clients = {}

    def client(who=None):
        if who not in clients:
            headers = {"Authorization": f"Bearer {tworld.tokens[who]}"} if who else {}
            clients[who] = httpx.Client(base_url=live_server.url + "/api/v1", headers=headers, timeout=30)
        return clients[who]

    yield client
    for c in clients.values():
        c.close()


@pytest.fixture
def tworld(transactional_db):
    return build_world()


@pytest.fixture(autouse=True)
def _playwright_may_eval(request):
    """Playwright evaluates ``wait_for_function``'s string predicates with eval(), which the
    pages' Content-Security-Policy forbids: browser tests run with 'unsafe-eval' added, except
    tests/web/test_edge_browser.py, which walks the pages under the real policy."""
    if request.node.get_closest_marker("browser"):
        settings = request.getfixturevalue("settings")
        settings.MINQING_CSP = settings.MINQING_CSP.replace("script-src 'self'", "script-src 'self' 'unsafe-eval'", 1)
