"""Partner tests: two partners of 朱亭村 and 攸县, a contact login for the first."""

import pytest


def make_partner_world(w):
    from django.contrib.auth import get_user_model

    from minqing.partners import actions
    from minqing.people.models import ApiToken
    from minqing.people.scoping import Actor

    sysa = Actor.system()
    w.partners = {
        "wy": actions.do_save_partner(sysa, code="ZT-WY", name="朱亭物业公司", kind="property", region="430212101201",
                                      contact="刘经理", phone="13700001111"),
        "zyz": actions.do_save_partner(sysa, code="ZT-ZYZ", name="朱亭志愿服务队", kind="志愿服务队", region="430212101",
                                       contact="周队长", phone="13700002222"),
        "yx": actions.do_save_partner(sysa, code="YX-WY", name="城东物业", kind="property", region="430223100001"),
    }
    for name, key in (("liu", "wy"), ("zhou", "zyz"), ("yxwy", "yx")):
        u = get_user_model().objects.create_user(name, password=f"pw-{name}-123")
        actions.do_link_contact(sysa, user=u, partner=w.partners[key])
        w.users[name] = u
        w.tokens[name] = ApiToken.issue(u, "test")[1]
    return w


@pytest.fixture
def pw(world):
    return make_partner_world(world)
