"""包案, 息访协议 and 固定接待日 through minqing.backlog.actions: one test per rule."""

import datetime as dt
import io

import pytest
from casebuild import register, to_state
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from minqing.backlog import actions, figures
from minqing.backlog.models import Agreement
from minqing.cases import actions as case_actions
from minqing.cases.errors import Conflict, Forbidden, IllegalTransition, InvalidInput
from minqing.cases.models import Case, Event
from minqing.people.models import Membership, Notification

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def pdf(name="xf.pdf", data=PDF):
    return SimpleUploadedFile(name, data, content_type="application/pdf")


def png():
    buf = io.BytesIO()
    Image.new("RGB", (4, 4), "red").save(buf, "PNG")
    return SimpleUploadedFile("scan.png", buf.getvalue(), content_type="image/png")


@pytest.fixture
def leader_lk(world):
    from django.contrib.auth import get_user_model

    u = get_user_model().objects.create_user("leader_lk", password="pw-leader_lk-123")
    Membership.objects.create(user=u, role="leader", region=world.regions["430212"])
    world.users["leader_lk"] = u
    return u


def test_a_leader_of_the_region_owns_a_case_with_an_event(world, leader_lk):
    case = register(world)
    version = Case.objects.get(pk=case.pk).version
    event = actions.do_own_case(world.actor("leader_lk"), case, note="我来包")
    case.refresh_from_db()
    assert case.leader == leader_lk and case.version == version + 1
    assert event.action == "own" and event.note == "我来包" and event.public is False
    assert event.data["leader"] == "leader_lk"
    # taking it again changes nothing
    assert actions.do_own_case(world.actor("leader_lk"), case) is None
    assert Event.objects.filter(case=case, action="own").count() == 1


@pytest.mark.parametrize("who", ["leader_yx", "disp_zt", "water", "admin", "cadre_zt"])
def test_only_a_leader_of_the_region_owns(world, who):
    case = register(world)
    with pytest.raises(Forbidden):
        actions.do_own_case(world.actor(who), case)
    assert Case.objects.get(pk=case.pk).leader_id is None


def test_a_second_leader_gets_a_conflict(world, leader_lk):
    case = register(world)
    actions.do_own_case(world.actor("leader_lk"), case)
    other = Case.objects.get(pk=case.pk)
    other.leader = None  # a stale copy: the compare-and-set decides
    with pytest.raises(Conflict):
        actions.do_own_case(world.actor("leader_city"), other)
    assert Case.objects.get(pk=case.pk).leader == leader_lk


def test_a_finished_case_cannot_be_owned(world):
    case = to_state(world, "closed")
    with pytest.raises(IllegalTransition):
        actions.do_own_case(world.actor("leader_city"), case)


def test_release_by_the_owner_or_a_leader_above(world, leader_lk):
    case = register(world)
    actions.do_own_case(world.actor("leader_lk"), case)
    with pytest.raises(Forbidden):
        actions.do_release_case(world.actor("disp_zt"), case)
    event = actions.do_release_case(world.actor("leader_city"), case, note="交回")
    assert event.action == "release" and event.data["leader"] == "leader_lk"
    assert Case.objects.get(pk=case.pk).leader_id is None
    with pytest.raises(IllegalTransition):
        actions.do_release_case(world.actor("leader_city"), case)


def test_the_owner_gets_every_notice_of_the_case(world, leader_lk):
    case = register(world)
    actions.do_own_case(world.actor("leader_lk"), case)
    case = Case.objects.get(pk=case.pk)
    case_actions.assign(world.actor("disp_zt"), case, department="lk-water")
    case_actions.supervise(world.actor("sup_lk"), Case.objects.get(pk=case.pk), note="抓紧")
    kinds = sorted(Notification.objects.filter(user=leader_lk, case=case).values_list("kind", flat=True))
    assert kinds == ["assigned", "supervised"]
    # after release, no more
    actions.do_release_case(world.actor("leader_lk"), case)
    case_actions.whistle(world.actor("disp_zt"), Case.objects.get(pk=case.pk), departments=["lk-roads"])
    assert Notification.objects.filter(user=leader_lk, case=case).count() == 2
    assert Notification.objects.filter(case=case, kind="summoned").exclude(user=leader_lk).exists()


def test_an_agreement_with_a_pdf_or_an_image_is_recorded_with_an_event(world, leader_lk):
    case = register(world, channel="petition")
    actions.do_own_case(world.actor("leader_lk"), case)
    a = actions.do_record_agreement(world.actor("leader_lk"), case, signed_on=dt.date.today(),
                                    parties="渌口区人民政府；张三", summary="一次性补助，息诉罢访", document=pdf())
    assert a.content_type == "application/pdf" and a.size == len(PDF) and a.document.read() == PDF
    assert a.region_path == case.region_path
    assert Event.objects.filter(case=case, action="agreement", data__agreement=a.pk).exists()
    b = actions.do_record_agreement(world.actor("disp_zt"), case, signed_on=dt.date.today(), parties="甲；乙",
                                    document=png())
    assert b.content_type == "image/png"


@pytest.mark.parametrize("doc,why", [
    (None, "required"),
    (SimpleUploadedFile("x.pdf", b"", content_type="application/pdf"), "empty"),
    (SimpleUploadedFile("x.exe", b"MZ\x90\x00" * 10, content_type="application/pdf"), "type"),
    (SimpleUploadedFile("x.pdf", b"%PDF-1.4\nno trailer", content_type="application/pdf"), "truncated"),
    (SimpleUploadedFile("x.html", b"<html><script>alert(1)</script>", content_type="text/html"), "type"),
])
def test_an_agreement_document_is_checked(world, doc, why):
    case = register(world)
    with pytest.raises(InvalidInput) as e:
        actions.do_record_agreement(world.actor("disp_zt"), case, signed_on=dt.date.today(), parties="甲；乙",
                                    document=doc)
    assert e.value.field == "document", why
    assert not Agreement.objects.exists()


def test_an_agreement_document_over_the_limit_is_refused(world, settings):
    settings.MINQING_AGREEMENT_MAX_BYTES = 100
    case = register(world)
    with pytest.raises(InvalidInput) as e:
        actions.do_record_agreement(world.actor("disp_zt"), case, signed_on=dt.date.today(), parties="甲；乙",
                                    document=pdf(data=PDF + b" " * 200 + b"%%EOF"))
    assert e.value.field == "document"


def test_an_agreement_needs_a_past_date_parties_and_the_right_person(world):
    case = register(world)
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    with pytest.raises(InvalidInput) as e:
        actions.do_record_agreement(world.actor("disp_zt"), case, signed_on=tomorrow, parties="甲", document=pdf())
    assert e.value.field == "signed_on"
    with pytest.raises(InvalidInput) as e:
        actions.do_record_agreement(world.actor("disp_zt"), case, signed_on=dt.date.today(), parties=" ",
                                    document=pdf())
    assert e.value.field == "parties"
    for who in ("water", "disp_yx", "cadre_zt"):
        with pytest.raises(Forbidden):
            actions.do_record_agreement(world.actor(who), case, signed_on=dt.date.today(), parties="甲",
                                        document=pdf())


def test_a_reception_is_scheduled_for_a_leader_of_the_region(world, leader_lk):
    r = actions.do_schedule_reception(world.actor("disp_lk"), leader="leader_lk", region="430212",
                                      date=dt.date.today(), place="渌口区信访局接待室")
    assert r.region_path == world.regions["430212"].path
    with pytest.raises(Conflict):
        actions.do_schedule_reception(world.actor("disp_lk"), leader="leader_lk", region="430212",
                                      date=dt.date.today(), place="渌口区信访局接待室")
    with pytest.raises(InvalidInput) as e:  # 攸县's leader does not lead 渌口区
        actions.do_schedule_reception(world.actor("disp_lk"), leader="leader_yx", region="430212",
                                      date=dt.date.today(), place="接待室")
    assert e.value.field == "leader"
    with pytest.raises(Forbidden):
        actions.do_schedule_reception(world.actor("disp_yx"), leader="leader_city", region="430212",
                                      date=dt.date.today(), place="接待室")


def test_a_case_registered_at_a_reception_is_owned_by_the_receiving_leader(world, leader_lk):
    r = actions.do_schedule_reception(world.actor("disp_lk"), leader="leader_lk", region="430212",
                                      date=dt.date.today(), place="渌口区信访局接待室")
    case = actions.do_register_at_reception(world.actor("leader_lk"), r, text="征地补偿款三年未到位", kind="complaint",
                                            region="430212101201", reporter_name="李四", reporter_phone="13900001111")
    case = Case.objects.get(pk=case.pk)
    assert case.channel == "reception" and case.leader == leader_lk
    assert list(r.cases.all()) == [case]
    own = Event.objects.get(case=case, action="own")
    assert own.data == {"leader": "leader_lk", "via": "reception", "reception": r.pk}
    with pytest.raises(InvalidInput):  # a place outside the reception's region: nothing is written
        actions.do_register_at_reception(world.actor("leader_lk"), r, text="攸县的事", kind="complaint",
                                         region="430223100001")
    assert Case.objects.count() == 1
    with pytest.raises(Forbidden):
        actions.do_register_at_reception(world.actor("water"), r, text="停水", kind="complaint")


def test_backlog_lists_owned_and_long_open_cases_petitions_first(world, leader_lk, settings):
    settings.MINQING_BACKLOG_DAYS = 30
    old = timezone.now() - dt.timedelta(days=60)
    fresh = register(world)
    old_hotline = register(world, at=old)
    old_petition = register(world, channel="petition", at=old + dt.timedelta(days=5))
    owned = register(world)
    actions.do_own_case(world.actor("leader_lk"), owned)
    closed_old = to_state(world, "closed")
    Case.objects.filter(pk=closed_old.pk).update(registered_at=old)
    ids = [c.pk for c in figures.backlog_cases(Case.objects.all())]
    assert ids == [old_petition.pk, old_hotline.pk, owned.pk]
    assert fresh.pk not in ids
    assert [c.pk for c in figures.backlog_cases(Case.objects.all(), owned=True)] == [owned.pk]


def test_backlog_figures(world, leader_lk, settings):
    settings.MINQING_BACKLOG_DAYS = 30
    old = timezone.now() - dt.timedelta(days=60)
    register(world, channel="petition", at=old)
    owned = to_state(world, "handled")
    actions.do_own_case(world.actor("leader_lk"), owned)
    case_actions.visit_back(world.actor("rv_lk"), Case.objects.get(pk=owned.pk), rating="satisfied", score=9)
    actions.do_record_agreement(world.actor("leader_lk"), owned, signed_on=dt.date.today(), parties="甲；乙",
                                document=pdf())
    to_state(world, "closed")  # closed at once, never owned: not backlog
    f = figures.compute(world.regions["430212"])
    assert f["backlog_open"] == 1 and f["petitions_open"] == 1 and f["owned_open"] == 0
    assert f["backlog_resolved"] == 1 and f["agreements_signed"] == 1 and f["resolution_rate"] == 0.5
    assert figures.compute(world.regions["430223"])["agreements_signed"] == 0


def test_a_reception_case_registered_before_joins_its_reception(world, leader_lk):
    r = actions.do_schedule_reception(world.actor("disp_lk"), leader="leader_lk", region="430212",
                                      date=dt.date.today(), place="接待室")
    case = register(world, channel="reception", actor="disp_zt")
    hotline = register(world)
    with pytest.raises(InvalidInput):
        actions.do_attach_to_reception(world.actor("disp_lk"), r, hotline)
    with pytest.raises(Forbidden):
        actions.do_attach_to_reception(world.actor("water"), r, case)
    actions.do_attach_to_reception(world.actor("disp_lk"), r, case)
    assert Case.objects.get(pk=case.pk).leader == leader_lk and list(r.cases.all()) == [case]
