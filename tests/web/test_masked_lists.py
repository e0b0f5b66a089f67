"""The working lists show a case's text masked to a role that sees contact data masked
(supervisor, leader, cadre, co-department) and as written to those who call the reporter."""

import pytest
from django.test import Client

from minqing.cases import actions

from .helpers import days_ago, new_case

TEXT = "三组停水，联系人：王晓明，电话 0731-22334455，手机138 0013 8000，已经停了三天"


def login(world, name):
    c = Client()
    c.force_login(world.users[name])
    return c


@pytest.fixture
def late(world):
    case = new_case(world, text=TEXT, at=days_ago(40))
    actions.assign(world.actor("disp_zt"), case, department="lk-water", co_departments=["lk-roads"], at=days_ago(40))
    return case


@pytest.mark.parametrize("user,url", [
    ("sup_lk", "/work/supervise/"), ("leader_city", "/dashboard/?region=430212"), ("cadre_zt", "/work/cases/"),
    ("roads", "/work/dept/?tab=co"),
])
def test_masked_roles_lists(world, late, user, url):
    html = login(world, user).get(url).content.decode()
    assert late.tracking_code in html, (user, url)
    assert "0731-****4455" in html and "138****8000" in html and "王**" in html
    for secret in ("22334455", "0013 8000", "王晓明"):
        assert secret not in html, (user, secret)
    assert "已经停了三天" in html


@pytest.mark.parametrize("user,url", [("disp_zt", "/work/inbox/?tab=open"), ("water", "/work/dept/")])
def test_roles_that_call_the_reporter_read_it_as_written(world, late, user, url):
    html = login(world, user).get(url).content.decode()
    assert late.tracking_code in html and "0731-22334455" in html and "王晓明" in html
