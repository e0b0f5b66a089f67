"""安全先锋行 actions: a patrol's failed items become cases in the same transaction, idempotent on the
client key, photos cleaned, figures of hazards found and fixed."""

import datetime as dt
import io

import pytest
from PIL import Image

from minqing.cases import actions as case_actions
from minqing.cases.errors import Forbidden, InvalidInput
from minqing.cases.models import Case, Channel, State
from minqing.patrols import actions, figures
from minqing.patrols.models import Checklist, Patrol

from .conftest import answers


def record(w, who="wang", code="self_built", failed=("structure", "ebike"), **kw):
    data = dict(cadre="wang", region="430212101201", date=dt.date.today(), checklist=code,
                items=answers(code, failed, {"ebike": "楼道内3辆电动车充电"}))
    data.update(kw)
    return actions.do_record_patrol(w.actor(who), **data)


def test_default_checklists_ship_with_categories(pworld):
    codes = set(Checklist.objects.values_list("code", flat=True))
    assert {"enterprise", "self_built", "school", "market"} <= codes
    for c in Checklist.objects.all():
        assert c.items.count() >= 3 and all(i.category_id for i in c.items.all())


def test_failed_items_become_cases_of_their_category(pworld):
    patrol, created = record(pworld)
    assert created and patrol.hazards == 2
    rows = {r.item.code: r for r in patrol.items.select_related("item__category", "case")}
    assert len(rows) == Checklist.objects.get(code="self_built").items.count()
    assert all(r.case is None for r in rows.values() if r.ok)
    ebike = rows["ebike"].case
    assert ebike.channel == Channel.PATROL == "patrol" and ebike.category.code == "fire_safety"
    assert rows["structure"].case.category.code == "housing_property"
    assert "楼道内3辆电动车充电" in ebike.text and ebike.region.code == "430212101201"
    assert ebike.state == State.REGISTERED and ebike.reporter_name == "王强" and ebike.reporter_phone == "13900001111"
    assert ebike.events.filter(action="register").exists()
    assert ebike.patrol_item.patrol == patrol  # linked back


def test_a_bad_item_leaves_nothing(pworld):
    items = answers("self_built", ("structure",))
    items.append({"item": "nope", "ok": False})
    with pytest.raises(InvalidInput) as e:
        actions.do_record_patrol(pworld.actor("wang"), cadre="wang", region="430212101201", date=dt.date.today(),
                                 checklist="self_built", items=items)
    assert e.value.field == "items.5.item"
    assert not Patrol.objects.exists() and not Case.objects.exists()


@pytest.mark.parametrize("change,field", [
    (lambda items: items[:-1], "items"),  # every item must be answered
    (lambda items: items + [items[0]], "items.5.item"),  # once
    (lambda items: [{**items[0], "ok": "no"}] + items[1:], "items.0.ok"),
])
def test_items_are_checked(pworld, change, field):
    with pytest.raises(InvalidInput) as e:
        actions.do_record_patrol(pworld.actor("wang"), cadre="wang", region="430212101201", date=dt.date.today(),
                                 checklist="self_built", items=change(answers("self_built")))
    assert e.value.field == field


def test_future_date_and_unknown_checklist_refused(pworld):
    with pytest.raises(InvalidInput) as e:
        record(pworld, date=dt.date.today() + dt.timedelta(days=1))
    assert e.value.field == "date"
    with pytest.raises(InvalidInput) as e:
        actions.do_record_patrol(pworld.actor("wang"), cadre="wang", region="430212101201", date=dt.date.today(),
                                 checklist="ship", items=[{"item": "x", "ok": True}])
    assert e.value.field == "checklist"


def test_only_own_patrols_or_the_regions_dispatcher(pworld):
    with pytest.raises(Forbidden):
        record(pworld, who="cadre_zt")  # another cadre may not record wang's patrol
    with pytest.raises(Forbidden):
        record(pworld, who="disp_yx")  # a dispatcher of another county neither
    patrol, _ = record(pworld, who="disp_zt")
    assert patrol.recorded_by == pworld.users["disp_zt"] and patrol.cadre == pworld.users["wang"]


def test_retry_with_client_key_is_idempotent(pworld):
    first, created = record(pworld, client_key="phone-1:abc")
    again, created_again = record(pworld, client_key="phone-1:abc")
    assert created and not created_again and again.pk == first.pk
    assert Patrol.objects.count() == 1 and Case.objects.count() == 2
    other, created = record(pworld, client_key="phone-1:abd")
    assert created and Case.objects.count() == 4
    with pytest.raises(InvalidInput) as e:
        record(pworld, client_key="bad key with spaces")
    assert e.value.field == "client_key"


def _png(size=(8, 8)):
    buf = io.BytesIO()
    Image.new("RGB", size, "red").save(buf, "PNG")
    buf.seek(0)
    return buf


def test_photo_of_a_failed_item_goes_to_its_case(pworld):
    patrol, _ = record(pworld)
    photo = actions.do_add_photo(pworld.actor("wang"), patrol, _png(), item="ebike")
    assert photo.content_type == "image/png" and photo.item.item.code == "ebike"
    case = patrol.items.get(item__code="ebike").case
    assert case.attachments.count() == 1 and not case.attachments.get().public
    actions.do_add_photo(pworld.actor("wang"), patrol, _png())  # of the whole patrol
    assert patrol.photos.count() == 2
    with pytest.raises(InvalidInput) as e:
        actions.do_add_photo(pworld.actor("wang"), patrol, io.BytesIO(b"<html>not a photo</html>"))
    assert e.value.field == "file"
    with pytest.raises(InvalidInput) as e:
        actions.do_add_photo(pworld.actor("wang"), patrol, _png(), item="nope")
    assert e.value.field == "item"
    with pytest.raises(Forbidden):
        actions.do_add_photo(pworld.actor("cadre_zt"), patrol, _png())


def test_figures_found_handled_fixed_by_checklist_and_region(pworld):
    patrol, _ = record(pworld)  # 朱亭村: 2 hazards
    record(pworld, code="market", failed=("gas",), region="430212102201", who="disp_lk")  # 龙船村: 1
    record(pworld, code="school", failed=())  # no hazard
    case = patrol.items.get(item__code="ebike").case
    disp, water = pworld.actor("disp_zt"), pworld.actor("housing")
    case_actions.assign(disp, case, department="lk-housing")
    case_actions.accept(water, case)
    case_actions.handle(water, case, result="已清理楼道电动车", disposition="solved")
    case_actions.visit_back(pworld.actor("rv_lk"), case, rating="satisfied")
    case.refresh_from_db()
    assert case.state == State.CLOSED
    out = figures.hazards(figures.make_scope("430212"))
    assert out["total"] == {"patrols": 3, "checked": 13, "found": 3, "handled": 1, "fixed": 1, "open": 2,
                            "fixed_rate": round(1 / 3, 4)}
    by = {r["checklist"]: r for r in out["by_checklist"]}
    assert by["self_built"]["found"] == 2 and by["self_built"]["fixed"] == 1 and by["market"]["found"] == 1
    assert by["school"]["found"] == 0 and by["school"]["patrols"] == 1
    regions = {r["region"]: r for r in out["by_region"]}
    assert regions["430212101"]["found"] == 2 and regions["430212102"]["found"] == 1
    assert figures.hazards(figures.make_scope("430223"))["total"]["found"] == 0
    past = figures.hazards(figures.make_scope("430212", date_to=dt.date.today() - dt.timedelta(days=1)))
    assert past["total"]["patrols"] == 0
