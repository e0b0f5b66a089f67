"""Hypothesis against the Open311 inputs: whatever a client sends, the answer is a
registered case (200) or one of the spec's errors with its body — never a server
error, never half a case — and every XML answer validates against the schema."""

import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree

from minqing.cases.models import Case

BASE = "/open311/v2"
SPEC_ERRORS = {400, 403, 404, 429}

text = st.text(st.characters(blacklist_categories=("Cs",)), max_size=60)  # NUL included: PostgreSQL refuses it
maybe = st.one_of(st.none(), text)
numberish = st.one_of(st.none(), text, st.floats(allow_nan=True, allow_infinity=True).map(str),
                      st.integers(-1000, 1000).map(str))

post_data = st.fixed_dictionaries(
    {},
    optional={
        "service_code": st.one_of(text, st.sampled_from(["water_supply", "roads_transport", "other"])),
        "jurisdiction_id": st.one_of(text, st.just("430000")),
        "lat": numberish,
        "long": numberish,
        "address_string": maybe,
        "address_id": st.one_of(maybe, st.sampled_from(["430212101201", "430223100001"])),
        "description": maybe,
        "first_name": maybe,
        "last_name": maybe,
        "phone": st.one_of(maybe, st.just("13812345678")),
        "email": maybe,
        "media_url": maybe,
        "attribute[problem]": st.one_of(text, st.sampled_from(["no_water", "dirty"])),
        "attribute[affected][]": st.lists(st.one_of(text, st.sampled_from(["home", "shop", "school"])), max_size=3),
        "attribute[households]": numberish,
        "attribute[since]": st.one_of(maybe, st.just("2024-03-05T08:00:00Z")),
        "attribute[" + "x" + "]": maybe,
    },
)


def _clean(d):
    return {k: v for k, v in d.items() if v is not None}


def _check_error(resp, fmt, schema):
    if fmt == "json":
        body = json.loads(resp.content)
        assert isinstance(body, list) and body[0]["code"] == resp.status_code and body[0]["description"]
    else:
        schema.assertValid(etree.fromstring(resp.content))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=post_data, fmt=st.sampled_from(["json", "xml"]), with_key=st.booleans())
def test_post_never_fails_badly(client, water_service, o311_key, open311_schema, data, fmt, with_key):
    body = _clean(data)
    if with_key:
        body["api_key"] = o311_key
    before = Case.objects.count()
    resp = client.post(f"{BASE}/requests.{fmt}", body)
    assert resp.status_code == 200 or resp.status_code in SPEC_ERRORS, resp.content
    if resp.status_code == 200:
        assert Case.objects.count() == before + 1
        if fmt == "xml":
            open311_schema.assertValid(etree.fromstring(resp.content))
        case = Case.objects.latest("id")
        assert case.channel == "open311" and case.state == "registered"
    else:
        assert Case.objects.count() == before
        _check_error(resp, fmt, open311_schema)


get_params = st.fixed_dictionaries(
    {},
    optional={
        "service_request_id": st.one_of(text, st.lists(st.integers(0, 50).map(str), max_size=4).map(",".join)),
        "service_code": st.one_of(text, st.sampled_from(["water_supply", "water_supply,roads_transport"])),
        "start_date": st.one_of(text, st.datetimes().map(lambda d: d.isoformat() + "Z")),
        "end_date": st.one_of(text, st.datetimes().map(lambda d: d.isoformat() + "+08:00")),
        "status": st.one_of(text, st.sampled_from(["open", "closed", "open,closed"])),
        "page": numberish,
        "page_size": numberish,
        "jurisdiction_id": st.one_of(text, st.just("430000")),
    },
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(params=get_params, fmt=st.sampled_from(["json", "xml"]),
       path=st.sampled_from(["requests", "servicerequestupdates"]))
def test_get_requests_never_fails_badly(client, world, open311_schema, params, fmt, path):
    resp = client.get(f"{BASE}/{path}.{fmt}", _clean(params))
    assert resp.status_code in {200, 400, 404}, resp.content
    if resp.status_code == 200:
        if fmt == "xml":
            open311_schema.assertValid(etree.fromstring(resp.content))
        else:
            assert isinstance(json.loads(resp.content), list)
    else:
        _check_error(resp, fmt, open311_schema)
