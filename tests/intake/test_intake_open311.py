"""Open311 GeoReport v2: every endpoint in JSON and XML, the spec's errors, the mapping to cases."""

import datetime as dt

import pytest
from django.utils import timezone
from lxml import etree

from minqing.cases import actions
from minqing.cases.models import Case

FORMATS = ["json", "xml"]
BASE = "/open311/v2"


def _post(client, fmt, **data):
    return client.post(f"{BASE}/requests.{fmt}", data)


def _valid(schema, resp):
    doc = etree.fromstring(resp.content)
    assert resp.content.startswith(b"<?xml version='1.0' encoding='utf-8'?>") or resp.content.startswith(
        b'<?xml version="1.0" encoding="utf-8"?>'
    )
    schema.assertValid(doc)
    return doc


def _content_type(resp, fmt):
    expected = {"json": "application/json; charset=utf-8", "xml": "text/xml; charset=utf-8"}[fmt]
    assert resp["Content-Type"] == expected


# ---- discovery, services, definitions ---------------------------------------------------


@pytest.mark.parametrize("fmt", FORMATS)
def test_discovery(client, world, fmt, open311_schema):
    resp = client.get(f"{BASE}/discovery.{fmt}")
    assert resp.status_code == 200
    _content_type(resp, fmt)
    if fmt == "json":
        d = resp.json()
        ep = d["endpoints"][0]
        assert ep["specification"] == "http://wiki.open311.org/GeoReport_v2"
        assert ep["url"].endswith("/open311/v2/")
        assert set(ep["formats"]) == {"text/xml", "application/json"}
        assert d["changeset"][-6:] == "+08:00"
    else:
        doc = _valid(open311_schema, resp)
        assert doc.findtext("endpoints/endpoint/type") == "production"
    assert client.get(f"/open311/discovery.{fmt}").status_code == 200


@pytest.mark.parametrize("fmt", FORMATS)
def test_services(client, water_service, fmt, open311_schema):
    resp = client.get(f"{BASE}/services.{fmt}")
    assert resp.status_code == 200
    _content_type(resp, fmt)
    if fmt == "json":
        services = {s["service_code"]: s for s in resp.json()}
        assert services["water_supply"]["service_name"] == "供水"
        assert services["water_supply"]["metadata"] is True
        assert services["education"]["metadata"] is False
        assert services["water_supply"]["type"] == "realtime"
    else:
        doc = _valid(open311_schema, resp)
        codes = [s.findtext("service_code") for s in doc.findall("service")]
        assert "water_supply" in codes
        ws = doc.xpath("service[service_code='water_supply']")[0]
        assert ws.findtext("metadata") == "true"


@pytest.mark.parametrize("fmt", FORMATS)
def test_service_definition(client, water_service, fmt, open311_schema):
    resp = client.get(f"{BASE}/services/water_supply.{fmt}")
    assert resp.status_code == 200
    _content_type(resp, fmt)
    if fmt == "json":
        d = resp.json()
        assert d["service_code"] == "water_supply"
        attrs = {a["code"]: a for a in d["attributes"]}
        assert attrs["problem"]["required"] is True and attrs["problem"]["datatype"] == "singlevaluelist"
        assert [v["key"] for v in attrs["problem"]["values"]] == ["no_water", "dirty"]
        assert attrs["note"]["variable"] is False
        assert [a["order"] for a in d["attributes"]] == [1, 2, 3, 4, 5]
    else:
        doc = _valid(open311_schema, resp)
        assert doc.findtext("attributes/attribute/values/value/name") == "停水"


@pytest.mark.parametrize("fmt", FORMATS)
def test_service_definition_unknown_is_404(client, world, fmt, open311_schema):
    resp = client.get(f"{BASE}/services/no_such_thing.{fmt}")
    assert resp.status_code == 404
    _content_type(resp, fmt)
    if fmt == "json":
        assert resp.json()[0]["code"] == 404 and "service_code" in resp.json()[0]["description"]
    else:
        doc = _valid(open311_schema, resp)
        assert doc.tag == "errors" and doc.findtext("error/code") == "404"


def test_unknown_format_is_404(client, world):
    resp = client.get(f"{BASE}/services.html")
    assert resp.status_code == 404 and b"<errors>" in resp.content


# ---- POST requests ---------------------------------------------------------------------


@pytest.mark.parametrize("fmt", FORMATS)
def test_post_request_registers_a_case(client, water_service, o311_key, fmt, open311_schema):
    resp = client.post(
        f"{BASE}/requests.{fmt}",
        {
            "api_key": o311_key,
            "service_code": "water_supply",
            "address_string": "渌口区朱亭镇朱亭村三组",
            "description": "三组停水两天",
            "attribute[problem]": "no_water",
            "attribute[affected][]": ["home", "school"],
            "attribute[households]": "40",
            "attribute[since]": "2024-03-05T08:00:00+08:00",
            "first_name": "小明",
            "last_name": "王",
            "phone": "13812345678",
            "email": "wang@example.org",
            "account_id": "acc-7",
        },
    )
    assert resp.status_code == 200, resp.content
    _content_type(resp, fmt)
    if fmt == "json":
        out = resp.json()[0]
        sid, token = out["service_request_id"], out["token"]
        assert out["account_id"] == "acc-7"
    else:
        doc = _valid(open311_schema, resp)
        sid, token = doc.findtext("request/service_request_id"), doc.findtext("request/token")
    case = Case.objects.get(pk=int(sid))
    assert case.channel == "open311" and case.state == "registered"
    assert case.category.code == "water_supply"
    assert case.region.code == "430212101201"  # 朱亭村 found in the address
    assert case.reporter_name == "王小明" and case.reporter_phone == "13812345678"
    assert "三组停水两天" in case.text
    ev = case.events.get()
    assert ev.action == "register" and ev.actor_label == "open311:fixmystreet-test"
    assert case.open311.attributes == {
        "problem": "no_water", "affected": ["home", "school"], "households": "40",
        "since": "2024-03-05T08:00:00+08:00",
    }
    # tokens/{token} gives the id back
    resp = client.get(f"{BASE}/tokens/{token}.{fmt}")
    assert resp.status_code == 200
    if fmt == "json":
        assert resp.json() == [{"service_request_id": sid, "token": token}]
    else:
        doc = _valid(open311_schema, resp)
        assert doc.findtext("request/service_request_id") == sid


@pytest.mark.parametrize("fmt", FORMATS)
def test_post_lat_long_and_address_id(client, water_service, o311_key, fmt):
    resp = _post(client, fmt, api_key=o311_key, service_code="water_supply", lat="27.65", long="113.14",
                 **{"attribute[problem]": "dirty"})
    assert resp.status_code == 200
    case = Case.objects.latest("id")
    assert (case.lat, case.lng) == (27.65, 113.14)
    assert case.region.code == "430000" and case.anonymous
    resp = _post(client, fmt, api_key=o311_key, service_code="water_supply", address_id="430212102201",
                 **{"attribute[problem]": "dirty"})
    assert resp.status_code == 200
    assert Case.objects.latest("id").region.code == "430212102201"


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize(
    "data,status,needle",
    [
        ({}, 403, "api_key"),
        ({"api_key": "wrong"}, 403, "api_key"),
        ({"service_code": ""}, 400, "service_code"),
        ({"service_code": "nope"}, 400, "service_code"),
        ({"address_string": ""}, 400, "location"),
        ({"lat": "27.6", "address_string": ""}, 400, "lat and long"),
        ({"lat": "abc", "long": "1"}, 400, "lat"),
        ({"lat": "95", "long": "1"}, 400, "lat"),
        ({"attribute[problem]": ""}, 400, "required attribute missing: problem"),
        ({"attribute[problem]": "fire"}, 400, "invalid value for attribute problem"),
        ({"attribute[affected][]": ["home", "zoo"]}, 400, "affected"),
        ({"attribute[households]": "many"}, 400, "households"),
        ({"attribute[since]": "yesterday"}, 400, "since"),
        ({"attribute[colour]": "red"}, 400, "unknown attribute"),
        ({"phone": "not a phone"}, 400, "phone"),
        ({"jurisdiction_id": "999999"}, 404, "jurisdiction_id"),
        ({"media_url": "javascript:alert(1)"}, 400, "media_url"),
    ],
)
def test_post_errors(client, water_service, o311_key, fmt, data, status, needle, open311_schema):
    body = {"api_key": o311_key, "service_code": "water_supply", "address_string": "朱亭村",
            "attribute[problem]": "no_water"}
    if "api_key" not in data or data.get("api_key"):
        body.update(data)
    if data == {}:
        body.pop("api_key")
    before = Case.objects.count()
    resp = _post(client, fmt, **body)
    assert resp.status_code == status, resp.content
    _content_type(resp, fmt)
    if fmt == "json":
        err = resp.json()
        assert isinstance(err, list) and err[0]["code"] == status
        assert needle in err[0]["description"]
    else:
        doc = _valid(open311_schema, resp)
        assert doc.findtext("error/code") == str(status)
        assert needle in doc.findtext("error/description")
    assert Case.objects.count() == before  # nothing half-done


def test_revoked_key_is_refused(client, water_service):
    from minqing.intake.models import Open311Client

    c, key = Open311Client.issue("old-app")
    c.revoke()
    resp = _post(client, "json", api_key=key, service_code="water_supply", address_string="朱亭村",
                 **{"attribute[problem]": "no_water"})
    assert resp.status_code == 403


def test_post_is_csrf_exempt(water_service, o311_key):
    from django.test import Client

    c = Client(enforce_csrf_checks=True)
    resp = _post(c, "json", api_key=o311_key, service_code="water_supply", address_string="朱亭村",
                 **{"attribute[problem]": "no_water"})
    assert resp.status_code == 200


def test_post_is_rate_limited(client, water_service, o311_key, settings):
    settings.MINQING_OPEN311_RATE_PER_MINUTE = 2
    body = {"api_key": o311_key, "service_code": "water_supply", "address_string": "朱亭村",
            "attribute[problem]": "no_water"}
    assert [_post(client, "json", **body).status_code for _ in range(3)] == [200, 200, 429]


def test_jurisdictions(client, world, o311_key):
    from minqing.intake.models import Jurisdiction
    from minqing.regions.models import Region

    Region.objects.create(code="440000", name="广东省", level="province")
    # two roots: jurisdiction_id is now required
    resp = client.get(f"{BASE}/services.json")
    assert resp.status_code == 400 and "jurisdiction_id" in resp.json()[0]["description"]
    assert client.get(f"{BASE}/services.json?jurisdiction_id=430000").status_code == 200
    assert client.get(f"{BASE}/services.json?jurisdiction_id=123").status_code == 404
    # configured jurisdictions replace the roots
    Jurisdiction.objects.create(region=world.regions["430223"])
    assert client.get(f"{BASE}/services.json").status_code == 200
    assert client.get(f"{BASE}/services.json?jurisdiction_id=430000").status_code == 404


def test_method_not_allowed(client, world):
    resp = client.post(f"{BASE}/services.json")
    assert resp.status_code == 405 and resp.json()[0]["code"] == 405


# ---- GET requests ------------------------------------------------------------------------


def _loop(world, at=None, **kw):
    disp, water, rv = world.actor("disp_zt"), world.actor("water"), world.actor("rv_lk")
    c = actions.register(disp, text=kw.get("text", "停水"), channel="hotline", kind="complaint",
                         category=kw.get("category", "water_supply"), region="430212101201",
                         reporter_name="张三丰", reporter_phone="13900001111", at=at)
    if kw.get("until") in ("assigned", "handled", "closed"):
        actions.assign(disp, c, department="lk-water", at=at)
    if kw.get("until") in ("handled", "closed"):
        actions.accept(water, c, at=at)
        actions.handle(water, c, result="管道已修复，恢复供水", disposition="solved", at=at)
    if kw.get("until") == "closed":
        actions.visit_back(rv, c, rating="satisfied", score=10, at=at)
    return c


@pytest.mark.parametrize("fmt", FORMATS)
def test_get_requests_mapping(client, world, fmt, open311_schema):
    c_open = _loop(world, until="assigned", text="停水一")
    c_closed = _loop(world, until="closed", text="停水二")
    resp = client.get(f"{BASE}/requests.{fmt}")
    assert resp.status_code == 200
    _content_type(resp, fmt)
    if fmt == "json":
        rows = {r["service_request_id"]: r for r in resp.json()}
    else:
        doc = _valid(open311_schema, resp)
        rows = {r.findtext("service_request_id"): {e.tag: e.text or "" for e in r} for r in doc.findall("request")}
    o, cl = rows[str(c_open.pk)], rows[str(c_closed.pk)]
    assert o["status"] == "open" and cl["status"] == "closed"
    assert o["agency_responsible"] == "渌口区水务局"
    c_open.refresh_from_db()
    assert o["expected_datetime"] == f"{c_open.deadline.isoformat()}T23:59:59+08:00"
    assert cl["status_notes"] == "管道已修复，恢复供水"
    assert o["address"] == "湖南省株洲市渌口区朱亭镇朱亭村"
    assert o["service_code"] == "water_supply" and o["service_name"] == "供水"
    assert o["requested_datetime"].endswith("+08:00")
    body = resp.content.decode()
    assert "张三丰" not in body and "13900001111" not in body and "张*" not in body


@pytest.mark.parametrize("fmt", FORMATS)
def test_get_one_request_and_404(client, world, fmt, open311_schema):
    c = _loop(world, until="handled")
    resp = client.get(f"{BASE}/requests/{c.pk}.{fmt}")
    assert resp.status_code == 200
    if fmt == "json":
        assert len(resp.json()) == 1 and resp.json()[0]["service_request_id"] == str(c.pk)
    else:
        doc = _valid(open311_schema, resp)
        assert len(doc.findall("request")) == 1
    for bad in ("999999", "abc"):
        resp = client.get(f"{BASE}/requests/{bad}.{fmt}")
        assert resp.status_code == 404
        if fmt == "xml":
            _valid(open311_schema, resp)
    assert client.get(f"{BASE}/tokens/nope.{fmt}").status_code == 404


def test_get_requests_filters(client, world):
    now = timezone.now()
    old = _loop(world, at=now - dt.timedelta(days=120), text="旧")
    recent_open = _loop(world, until="assigned", text="近")
    recent_closed = _loop(world, until="closed", text="结")
    road = _loop(world, category="roads_transport", text="路")

    def ids(**params):
        resp = client.get(f"{BASE}/requests.json", params)
        assert resp.status_code == 200, resp.content
        return {int(r["service_request_id"]) for r in resp.json()}

    # default: last 90 days
    assert ids() == {recent_open.pk, recent_closed.pk, road.pk}
    assert ids(status="open") == {recent_open.pk, road.pk}
    assert ids(status="closed") == {recent_closed.pk}
    assert ids(status="open,closed") == {recent_open.pk, recent_closed.pk, road.pk}
    assert ids(service_code="roads_transport") == {road.pk}
    assert ids(service_code="roads_transport,water_supply") == {recent_open.pk, recent_closed.pk, road.pk}
    # service_request_id overrides every other argument, the window included
    assert ids(service_request_id=f"{old.pk},{road.pk}", status="closed") == {old.pk, road.pk}
    start = (now - dt.timedelta(days=125)).strftime("%Y-%m-%dT%H:%M:%SZ")
    end = (now - dt.timedelta(days=100)).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert ids(start_date=start, end_date=end) == {old.pk}
    assert ids(start_date=start) == {old.pk}  # start + 90 days
    # page / page_size
    page1 = client.get(f"{BASE}/requests.json", {"page_size": 2}).json()
    page2 = client.get(f"{BASE}/requests.json", {"page_size": 2, "page": 2}).json()
    assert len(page1) == 2 and len(page2) == 1
    assert {r["service_request_id"] for r in page1}.isdisjoint({r["service_request_id"] for r in page2})


@pytest.mark.parametrize(
    "params,needle",
    [
        ({"status": "pending"}, "status"),
        ({"start_date": "last week"}, "start_date"),
        ({"start_date": "2024-01-01T00:00:00Z", "end_date": "2024-06-01T00:00:00Z"}, "90 days"),
        ({"start_date": "2024-02-01T00:00:00Z", "end_date": "2024-01-01T00:00:00Z"}, "before"),
        ({"service_code": "nope"}, "service_code"),
        ({"page_size": "5000"}, "page_size"),
        ({"page": "0"}, "page"),
        ({"service_request_id": "1,x"}, "service_request_id"),
    ],
)
@pytest.mark.parametrize("fmt", FORMATS)
def test_get_requests_errors(client, world, params, needle, fmt, open311_schema):
    resp = client.get(f"{BASE}/requests.{fmt}", params)
    assert resp.status_code == 400
    if fmt == "json":
        assert needle in resp.json()[0]["description"]
    else:
        assert needle in _valid(open311_schema, resp).findtext("error/description")


def test_default_result_limit(client, world, monkeypatch):
    from minqing.intake import open311

    assert open311.DEFAULT_PAGE_SIZE == 1000  # the spec's default
    for i in range(4):
        _loop(world, text=f"第{i}件")
    monkeypatch.setattr(open311, "DEFAULT_PAGE_SIZE", 3)
    assert len(client.get(f"{BASE}/requests.json").json()) == 3
    assert len(client.get(f"{BASE}/requests.json", {"page_size": 4}).json()) == 4


@pytest.mark.parametrize("fmt", FORMATS)
def test_servicerequestupdates(client, world, fmt, open311_schema):
    c = _loop(world, until="closed")
    resp = client.get(f"{BASE}/servicerequestupdates.{fmt}")
    assert resp.status_code == 200
    if fmt == "json":
        ups = resp.json()
    else:
        doc = _valid(open311_schema, resp)
        ups = [{e.tag: e.text or "" for e in u} for u in doc.findall("request_update")]
    mine = [u for u in ups if u["service_request_id"] == str(c.pk)]
    assert [u["status"] for u in mine] == ["open", "action_scheduled", "in_progress", "fixed", "closed"]
    assert mine[3]["description"] == "管道已修复，恢复供水"
    assert len({u["update_id"] for u in mine}) == 5
    body = resp.content.decode()
    assert "张三丰" not in body and "13900001111" not in body


def test_progress_notes_reach_updates_only_when_public(client, world):
    c = _loop(world, until="assigned")
    water = world.actor("water")
    actions.accept(water, c)
    actions.progress(water, c, note="已联系施工队，明天上门，联系人13900001111")
    actions.progress(water, c, note="内部：等材料", public=False)
    actions.progress(water, c, note="施工队已到现场抢修", public=True)
    ups = [u for u in client.get(f"{BASE}/servicerequestupdates.json").json() if u["service_request_id"] == str(c.pk)]
    texts = [u["description"] for u in ups]
    assert "施工队已到现场抢修" in texts
    assert not any("等材料" in t or "明天上门" in t for t in texts)
    assert [u["status"] for u in ups][-1] == "in_progress"


def test_control_characters_do_not_break_xml(client, water_service, o311_key, open311_schema):
    """Found by hypothesis: a description with a control character made every XML list a 500."""
    resp = _post(client, "json", api_key=o311_key, service_code="water_supply", address_string="朱亭村",
                 description="停水\x1b两天\x07", **{"attribute[problem]": "no_water"})
    assert resp.status_code == 200
    resp = client.get(f"{BASE}/requests.xml")
    doc = _valid(open311_schema, resp)
    assert doc.findtext("request/description").startswith("停水\ufffd两天\ufffd")
    resp = client.get(f"{BASE}/services/\x1b.xml")
    assert resp.status_code == 404
    _valid(open311_schema, resp)
    resp = _post(client, "xml", api_key=o311_key, service_code="water\x00supply", address_string="朱亭村")
    assert resp.status_code == 400


def test_key_command_add_prints_the_key_last_and_revoke_works(client, water_service, capsys):
    from django.core.management import CommandError, call_command

    from minqing.intake.models import Open311Client

    call_command("open311", "key", "add", "fms-city")
    key = capsys.readouterr().out.strip().splitlines()[-1]
    assert key.startswith("o311_") and " " not in key
    body = {"api_key": key, "service_code": "water_supply", "address_string": "朱亭村",
            "attribute[problem]": "no_water"}
    assert _post(client, "json", **body).status_code == 200
    with pytest.raises(CommandError):
        call_command("open311", "key", "add", "fms-city")
    call_command("open311", "key", "list")
    assert "fms-city" in capsys.readouterr().out
    call_command("open311", "key", "revoke", "fms-city")
    assert _post(client, "json", **body).status_code == 403
    call_command("open311", "key", "rotate", "fms-city")
    new = capsys.readouterr().out.strip().splitlines()[-1]
    assert new != key and Open311Client.authenticate(new) is not None
    assert _post(client, "json", **{**body, "api_key": new}).status_code == 200
    with pytest.raises(CommandError):
        call_command("open311", "key", "revoke", "nobody")


def test_jurisdiction_command(world, capsys):
    from django.core.management import CommandError, call_command

    from minqing.intake.open311 import jurisdictions

    call_command("open311", "jurisdiction", "add", "430223", "--contact", "攸县12345")
    assert [r.code for r in jurisdictions()] == ["430223"]
    call_command("open311", "jurisdiction", "remove", "430223")
    assert [r.code for r in jurisdictions()] == ["430000"]
    with pytest.raises(CommandError):
        call_command("open311", "jurisdiction", "add", "999")


def test_admin_issues_a_key_and_edits_a_service_definition(client, world, water_service):
    from minqing.intake.models import Open311Client

    admin = world.users["admin"]
    admin.is_staff = True
    admin.save(update_fields=["is_staff"])
    client.force_login(admin)
    resp = client.post("/admin/intake/open311client/add/", {"name": "admin-made", "note": ""}, follow=True)
    assert resp.status_code == 200
    msgs = [str(m) for m in resp.context["messages"]]
    key = next(m for m in msgs if "o311_" in m).split(": ", 1)[1]
    assert Open311Client.authenticate(key).name == "admin-made"
    resp = client.get(f"/admin/intake/service/{water_service.pk}/change/")
    assert resp.status_code == 200 and "problem" in resp.content.decode()


def test_phone_and_id_numbers_in_free_text_are_masked(client, water_service, o311_key):
    resp = _post(client, "json", api_key=o311_key, service_code="water_supply", address_string="朱亭村",
                 description="停水，请打13812345678，身份证430212199001011234", **{"attribute[problem]": "no_water"})
    sid = resp.json()[0]["service_request_id"]
    d = client.get(f"{BASE}/requests/{sid}.json").json()[0]["description"]
    assert "13812345678" not in d and "138****5678" in d
    assert "430212199001011234" not in d and "430212********1234" in d


def test_ids_are_ascii_digits_that_fit(client, world):
    """Found by hypothesis: '²'.isdigit() is True but int('²') fails; huge ids overflow the database."""
    for bad in ("²", "١٢", "9" * 30):
        assert client.get(f"{BASE}/requests.json", {"service_request_id": bad}).status_code == 400
        assert client.get(f"{BASE}/requests/{bad}.json").status_code == 404
        assert client.get(f"{BASE}/servicerequestupdates.json", {"service_request_id": bad}).status_code == 400
