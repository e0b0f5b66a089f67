"""Property: personal data written into any free text of a case never reaches a public
output, nor an API answer, export or page of a role that sees contact data masked.

Phones (mobile with +86/spaces/dashes, landlines with or without an area code), ID-card
numbers (valid or any check character), bank cards, e-mails and names after a marker are
generated, written into the case's text, address, acceptance, progress and supervision
notes, meeting minutes, extension reason and decision, whistle note and report, task title
and outcome, answer and return-visit note through the actions layer, and every
output is searched for them as written and with their digits run together."""

import datetime as dt
import json
import re

from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree

from minqing.cases import actions
from minqing.cases.models import Case, Task
from minqing.people.masking import digits_only

VILLAGE = "430212101201"
SEPS = ["", " ", "-"]


# ---- the personal data -------------------------------------------------------------------------------

@st.composite
def mobiles(draw):
    digits = "1" + draw(st.sampled_from("3456789")) + "".join(draw(st.lists(st.sampled_from("0123456789"), min_size=9, max_size=9)))
    style = draw(st.sampled_from(["plain", "344", "any"]))
    if style == "plain":
        body = digits
    elif style == "344":
        sep = draw(st.sampled_from([" ", "-"]))
        body = digits[:3] + sep + digits[3:7] + sep + digits[7:]
    else:
        body = digits[0] + "".join(draw(st.sampled_from(SEPS)) + d for d in digits[1:])
    prefix = draw(st.sampled_from(["", "", "+86", "+86 ", "+86-", "0086 ", "86"]))
    return prefix + body


@st.composite
def landlines(draw):
    area = "0" + draw(st.sampled_from("123456789")) + "".join(
        draw(st.lists(st.sampled_from("0123456789"), min_size=1, max_size=2)))
    local = draw(st.sampled_from("23456789")) + "".join(
        draw(st.lists(st.sampled_from("0123456789"), min_size=6, max_size=7)))
    mid = draw(st.sampled_from(["", " ", "-"]))
    local_shown = local[:-4] + mid + local[-4:]
    style = draw(st.sampled_from(["dash", "paren", "fullparen", "space", "plain", "marker"]))
    if style == "dash":
        return area + "-" + local_shown
    if style == "paren":
        return f"({area}){local_shown}"
    if style == "fullparen":
        return f"（{area}）{local_shown}"
    if style == "space":
        return area + " " + local_shown
    if style == "plain":
        return area + local
    word = draw(st.sampled_from(["电话", "座机", "固话", "电话：", "座机:", "联系电话是", "tel "]))
    return word + local_shown


ID_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
ID_CHECK = "10X98765432"


@st.composite
def id_numbers(draw):
    region = draw(st.sampled_from("123456789")) + "".join(draw(st.lists(st.sampled_from("0123456789"), min_size=5, max_size=5)))
    born = draw(st.dates(min_value=dt.date(1920, 1, 1), max_value=dt.date(2025, 12, 31)))
    seq = "".join(draw(st.lists(st.sampled_from("0123456789"), min_size=3, max_size=3)))
    body = region + born.strftime("%Y%m%d") + seq
    if draw(st.booleans()):
        check = ID_CHECK[sum(int(c) * w for c, w in zip(body, ID_WEIGHTS)) % 11]
    else:
        check = draw(st.sampled_from("0123456789Xx"))
    return body + check


@st.composite
def bank_cards(draw):
    n = draw(st.integers(16, 19))
    digits = draw(st.sampled_from("3456")) + "".join(draw(st.lists(st.sampled_from("0123456789"), min_size=n - 1, max_size=n - 1)))
    if n % 4 == 0 and draw(st.booleans()):
        return " ".join(digits[i:i + 4] for i in range(0, n, 4))
    return digits


@st.composite
def emails(draw):
    first = draw(st.sampled_from("abcdefghijklmnopqrstuvwxyz"))
    rest = draw(st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789._-", min_size=2, max_size=15))
    domain = draw(st.sampled_from(["163.com", "qq.com", "gmail.com", "zz.gov.cn", "mail.example.org"]))
    return f"{first}{rest}@{domain}"


SURNAMES = "王李张刘陈杨黄赵周吴徐孙马朱胡郭何林罗"
GIVEN = "晓梓涵睿翊琪瑾瑶皓轩彧珂昕"


@st.composite
def marked_names(draw):
    surname = draw(st.sampled_from(list(SURNAMES) + ["欧阳", "司马", "诸葛"]))
    given = "".join(draw(st.lists(st.sampled_from(GIVEN), min_size=1, max_size=2)))
    marker = draw(st.sampled_from(["姓名", "联系人", "户主", "报告人", "反映人", "来电人", "投诉人", "举报人"]))
    sep = draw(st.sampled_from(["：", ":", "", " ", "是"]))
    return marker + sep, surname + given


@st.composite
def secrets(draw):
    """One item of each kind; ``numbers`` are searched as written and digits-only,
    ``words`` as written."""
    mobile, landline, idno, card, email = (draw(mobiles()), draw(landlines()), draw(id_numbers()),
                                           draw(bank_cards()), draw(emails()))
    marker, name = draw(marked_names())
    return {"mobile": mobile, "landline": landline, "id": idno, "card": card, "email": email,
            "marker": marker, "name": name}


def sentence(s, lead):
    return (f"{lead}，{s['marker']}{s['name']}，手机{s['mobile']}，另一个号码 {s['landline']}，"
            f"身份证{s['id']}，卡号{s['card']}，邮箱{s['email']}，2026-11-03 已停水三天。")


# ---- the case, driven through the actions layer --------------------------------------------------------

def build_case(world, s):
    disp, water, sup, rv = (world.actor(n) for n in ("disp_zt", "water", "sup_lk", "rv_lk"))
    case = actions.register(disp, text=sentence(s, "朱亭村三组停水"), channel="hotline", kind="complaint",
                            category="water_supply", region=VILLAGE, address=sentence(s, "朱亭村三组12号"),
                            reporter_name=s["name"], reporter_phone=digits_only(s["mobile"])[-11:])
    actions.assign(disp, case, department="lk-water", co_departments=["lk-roads"])
    actions.accept(water, case, note=sentence(s, "签收"))
    actions.progress(water, case, note=sentence(s, "进展"), public=True)
    actions.supervise(sup, case, note=sentence(s, "督办"))
    actions.meet(water, case, minutes=sentence(s, "会办"), departments=["lk-roads"])
    case = Case.objects.get(pk=case.pk)
    actions.extend(water, case, deadline=case.deadline + dt.timedelta(days=10), reason=sentence(s, "延期"))
    actions.approve_extension(disp, case, approved=True, note=sentence(s, "同意延期"))
    actions.whistle(disp, case, departments=["lk-housing"], note=sentence(s, "吹哨"))
    actions.report(world.actor("housing"), case, text=sentence(s, "报到"))
    task = actions.create_task(disp, title=sentence(s, "任务")[:190], department="lk-water", cases=[case])
    actions.complete_task(water, task, outcome=sentence(s, "完成"))
    actions.handle(water, case, result=sentence(s, "答复"), disposition="solved")
    actions.visit_back(rv, case, rating="unsatisfied", score=3, note=sentence(s, "回访"))
    case = Case.objects.get(pk=case.pk)
    actions.accept(water, case)
    actions.handle(water, case, result=sentence(s, "再次答复"), disposition="solved")
    return Case.objects.get(pk=case.pk)


# ---- the outputs ---------------------------------------------------------------------------------------

def _json(resp):
    assert resp.status_code == 200, resp.content[:300]
    return json.dumps(resp.json(), ensure_ascii=False)


def _xml(resp):
    assert resp.status_code == 200, resp.content[:300]
    return etree.tostring(etree.fromstring(resp.content), encoding="unicode")


def _html(resp):
    assert resp.status_code == 200, resp.content[:300]
    return resp.content.decode()


def _stream(resp):
    assert resp.status_code == 200
    return b"".join(resp.streaming_content).decode("utf-8-sig")


def public_outputs(case):
    c = Client()
    out = {
        "tracking": _html(c.get(f"/t/{case.tracking_code}/")),
        "board": _html(c.get("/board/")),
        "board_region": _html(c.get(f"/board/{VILLAGE}/")),
    }
    for fmt, read in (("json", _json), ("xml", _xml)):
        out[f"open311 requests.{fmt}"] = read(c.get(f"/open311/v2/requests.{fmt}?service_request_id={case.pk}"))
        out[f"open311 request.{fmt}"] = read(c.get(f"/open311/v2/requests/{case.pk}.{fmt}"))
        out[f"open311 updates.{fmt}"] = read(
            c.get(f"/open311/v2/servicerequestupdates.{fmt}?service_request_id={case.pk}"))
    return out


def masked_role_outputs(world, case):
    out = {}
    for user in ("sup_lk", "leader_city", "roads", "housing", "cadre_zt"):
        api = Client(HTTP_AUTHORIZATION=f"Bearer {world.tokens[user]}")
        out[f"{user} detail"] = _json(api.get(f"/api/v1/cases/{case.pk}"))
        out[f"{user} list"] = _json(api.get("/api/v1/cases?page_size=5"))
        out[f"{user} cases.csv"] = _stream(api.get("/api/v1/exports/cases.csv"))
        out[f"{user} tasks.csv"] = _stream(api.get("/api/v1/exports/tasks.csv"))
        out[f"{user} tasks"] = _json(api.get("/api/v1/tasks"))
        web = Client()
        web.force_login(world.users[user])
        out[f"{user} case page"] = _html(web.get(f"/case/{case.pk}/"))
    return out


def collapse(text):
    """Digits with the separators people put between them removed (138 0013 8000 → 13800138000)."""
    return re.sub(r"(?<=\d)[\s\-()（）+]+(?=\d)", "", text)


def leaks(s, outputs):
    numbers = [s["mobile"], s["landline"], s["id"], s["card"]]
    found = []
    for where, text in outputs.items():
        flat = collapse(text)
        for raw in numbers:
            if raw in text or _digits_of(raw) in flat:
                found.append((where, raw))
        if s["email"] in text or s["email"].split("@")[0] + "@" in text:
            found.append((where, s["email"]))
        if s["name"] in text:
            found.append((where, s["name"]))
    return found


def _digits_of(raw):
    """The personal digits of a written number (a landline without its phone word; a mobile
    without its country code)."""
    d = digits_only(raw)
    if raw.lstrip("+0 -").startswith("86") and len(d) > 11:
        d = d[-11:]
    return d


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                 HealthCheck.too_slow])
@given(s=secrets())
def test_no_output_leaks_personal_data(world, s):
    case = build_case(world, s)
    assert Task.objects.filter(cases=case).exists()
    found = leaks(s, public_outputs(case)) + leaks(s, masked_role_outputs(world, case))
    assert not found, found
    # those who must call the reporter read everything as written (so the data is really there)
    api = Client(HTTP_AUTHORIZATION=f"Bearer {world.tokens['disp_zt']}")
    detail = api.get(f"/api/v1/cases/{case.pk}").json()
    assert s["mobile"] in detail["text"] and s["name"] in detail["address"] and s["email"] in detail["result"]
    assert s["id"] in json.dumps(detail["return_visits"], ensure_ascii=False)
