"""Staff without a terminal: the rules of ``minqing user add`` in ``people.actions`` (roles
and scopes, a handler's department), one-time passwords, deactivation, admins only, an
event per change; the ``staff`` and ``pairs`` importers, also from the command line."""

import pytest
from django.contrib.auth import authenticate, get_user_model
from django.core.management import CommandError, call_command

from minqing.cases.errors import Forbidden, InvalidInput
from minqing.imports.models import AdminEvent
from minqing.people import actions
from minqing.people.models import ApiToken, Membership, Role
from minqing.regions.importers import ImportFailed
from minqing.visits.models import Pairing, Subject

pytestmark = pytest.mark.django_db


def test_an_admin_adds_a_cadre_with_a_one_time_password(world):
    user, created, shown = actions.do_add_staff(world.actor("admin"), username="zhang3", role="干部",
                                                region="430212101", name="张三", phone="13800000001", one_time=True)
    assert created and len(shown) == 12
    assert authenticate(username="zhang3", password=shown) == user
    m = Membership.objects.get(user=user)
    assert m.role == Role.CADRE and m.region.code == "430212101"
    assert user.profile.display_name == "张三" and user.profile.home_region.code == "430212101"
    assert AdminEvent.objects.get(action="staff_added").target == "zhang3"


def test_the_scope_rules_of_user_add(world):
    admin = world.actor("admin")
    with pytest.raises(InvalidInput) as e:
        actions.do_add_staff(admin, username="h1", role="handler")
    assert e.value.field == "department_code"
    with pytest.raises(InvalidInput) as e:
        actions.do_add_staff(admin, username="d1", role="dispatcher", department="lk-water")
    assert e.value.field == "department_code"
    with pytest.raises(InvalidInput) as e:
        actions.do_add_staff(admin, username="d1", role="dispatcher", region="000")
    assert e.value.field == "region_code"
    with pytest.raises(InvalidInput) as e:
        actions.do_add_staff(admin, username="bad name!", role="dispatcher")
    assert e.value.field == "username"
    with pytest.raises(InvalidInput) as e:
        actions.do_add_staff(admin, username="x1", role="chef")
    assert e.value.field == "role"
    assert not get_user_model().objects.filter(username__in=["h1", "d1", "x1"]).exists()
    u, _, _ = actions.do_add_staff(admin, username="h1", role="承办", department="lk-water")
    assert Membership.objects.get(user=u).department.code == "lk-water"


def test_only_admins_manage_staff(world):
    with pytest.raises(Forbidden):
        actions.do_add_staff(world.actor("disp_lk"), username="z", role="cadre", region="430212")
    with pytest.raises(Forbidden):
        actions.do_reset_password(world.actor("disp_lk"), world.users["cadre_zt"])


def test_give_and_take_roles(world):
    admin = world.actor("admin")
    cadre = world.users["cadre_zt"]
    m = actions.do_give_role(admin, cadre, role="dispatcher", region="430212101")
    assert set(Membership.objects.filter(user=cadre).values_list("role", flat=True)) == {"cadre", "dispatcher"}
    actions.do_take_role(admin, m)
    assert list(Membership.objects.filter(user=cadre).values_list("role", flat=True)) == ["cadre"]
    assert [e.action for e in AdminEvent.objects.order_by("id")] == ["role_given", "role_taken"]
    # an admin cannot take away their own admin role
    own = Membership.objects.get(user=world.users["admin"], role="admin")
    with pytest.raises(InvalidInput):
        actions.do_take_role(admin, own)


def test_a_reset_password_replaces_the_old_one(world):
    cadre = world.users["cadre_zt"]
    shown = actions.do_reset_password(world.actor("admin"), cadre)
    assert authenticate(username="cadre_zt", password="pw-cadre_zt-123") is None
    assert authenticate(username="cadre_zt", password=shown) is not None
    assert shown not in str(AdminEvent.objects.get(action="password_reset").data)


def test_deactivation_stops_login_and_api_tokens(world):
    actions.do_set_active(world.actor("admin"), world.users["disp_zt"], False)
    assert authenticate(username="disp_zt", password="pw-disp_zt-123") is None
    assert not ApiToken.objects.filter(user=world.users["disp_zt"], revoked_at__isnull=True).exists()
    with pytest.raises(InvalidInput):
        actions.do_set_active(world.actor("admin"), world.users["admin"], False)
    actions.do_set_active(world.actor("admin"), world.users["disp_zt"], True)
    assert authenticate(username="disp_zt", password="pw-disp_zt-123") is not None


def _csv(tmp_path, name, header, rows):
    import csv

    p = tmp_path / name
    with open(p, "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(header)
        w.writerows(rows)
    return str(p)


def test_staff_import_all_or_nothing_and_skip(world, tmp_path):
    from minqing.people.importers import import_staff

    path = _csv(tmp_path, "staff.csv", ["username", "name", "role", "region_code", "department_code", "phone"], [
        ["li4", "李四", "网格员", "430212101201", "", "13800000002"],
        ["wang5", "王五", "承办人", "", "", ""],  # a handler without a department
        ["zhao6", "赵六", "dispatcher", "430212", "", ""],
    ])
    with pytest.raises(ImportFailed) as e:
        import_staff(path)
    assert "第3行" in str(e.value)
    assert not get_user_model().objects.filter(username__in=["li4", "zhao6"]).exists()
    out = import_staff(path, on_error="skip")
    assert out["created"] == 2 and out["skipped"] == 1
    assert Membership.objects.get(user__username="li4").role == "cadre"


def test_minqing_import_staff_and_pairs(world, tmp_path, capsys):
    Subject.objects.create(external_id="S1", kind="household", name="张一", region=world.regions["430212101201"],
                           region_path=world.regions["430212101201"].path)
    staff = _csv(tmp_path, "s.csv", ["username", "name", "role", "region_code"],
                 [["li4", "李四", "cadre", "430212101"]])
    call_command("import", "staff", staff)
    assert "created=1" in capsys.readouterr().out
    pairs = _csv(tmp_path, "p.csv", ["cadre", "subject", "role"], [["li4", "S1", "结对"], ["li4", "NOPE", ""]])
    with pytest.raises(CommandError, match="row 3"):
        call_command("import", "pairs", pairs)
    assert not Pairing.objects.exists()
    call_command("import", "pairs", pairs, "--on-error", "skip")
    p = Pairing.objects.get()
    assert p.cadre.username == "li4" and p.subject.external_id == "S1" and p.until is None
