"""A round trip through a real Open311 client library from PyPI (``georeport``)
against minqing served over HTTP on a local port.

``georeport`` 0.3.1 reads services, definitions and requests in JSON and XML but
does not create requests ("does not currently support the creation of new 311
service requests"), so the POST goes through ``requests`` (the library's own HTTP
client) with the form encoding the spec prescribes. The other PyPI clients were
checked: ``open311`` 1.1 (2011) and ``three`` 0.8.0 are Python 2 only
(``itertools.ifilter``, ``relaxml``) and do not import on Python 3.11.
"""

import pytest
import requests
from georeport import GeoReport
from pytest_django.live_server_helper import LiveServer

PORT = 8141


@pytest.fixture
def server(transactional_db):
    s = LiveServer(f"127.0.0.1:{PORT}")
    yield s
    s.stop()


@pytest.fixture
def setup(tworld):
    from minqing.cases.models import Category
    from minqing.intake.models import Open311Client, ServiceAttribute

    cat = Category.objects.get(code="roads_transport")
    ServiceAttribute.objects.create(
        category=cat, code="kind", datatype="singlevaluelist", required=True, order=1,
        description="路面问题 / road problem",
        values=[{"key": "pothole", "name": "坑洼"}, {"key": "flood", "name": "积水"}],
    )
    return tworld, Open311Client.issue("civic-app")[1]


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_georeport_client_round_trip(server, setup, fmt):
    world, key = setup
    root = f"{server.url}/open311/v2"
    client = GeoReport(root, api_key=key, output_format=fmt)

    services = client.get_service_list()
    codes = [s["service_code"] for s in services]
    assert "roads_transport" in codes and "water_supply" in codes
    road = next(s for s in services if s["service_code"] == "roads_transport")
    assert road["metadata"] in (True, "true")

    definition = client.get_service_definition("roads_transport")
    attrs = definition["attributes"] if fmt == "json" else definition["attributes"]["attribute"]
    attrs = attrs if isinstance(attrs, list) else [attrs]
    assert attrs[0]["code"] == "kind"

    resp = requests.post(
        f"{root}/requests.{fmt}",
        data={
            "api_key": key,
            "service_code": "roads_transport",
            "address_string": "攸县联星街道城东社区",
            "attribute[kind]": "pothole",
            "description": "城东社区路口有大坑",
        },
        timeout=10,
    )
    assert resp.status_code == 200, resp.text
    if fmt == "json":
        sid = resp.json()[0]["service_request_id"]
    else:
        import xmltodict

        sid = xmltodict.parse(resp.content)["service_requests"]["request"]["service_request_id"]

    one = client.get_service_request(sid)
    assert one["service_request_id"] == sid
    assert one["status"] == "open"
    assert one["service_code"] == "roads_transport"
    assert "城东社区路口有大坑" in one["description"]

    # the case then moves through the closed loop; the client sees it closed with the answer
    from minqing.cases import actions

    disp, roads, rv = world.actor("disp_yx"), world.actor("roads"), world.actor("admin")
    actions.assign(disp, int(sid), department="lk-roads")
    actions.accept(roads, int(sid))
    actions.handle(roads, int(sid), result="已填平", disposition="solved")
    actions.visit_back(rv, int(sid), rating="satisfied", score=9)

    listed = client.get_service_requests(service_request_id=sid)
    listed = listed if isinstance(listed, list) else [listed]
    assert [r["service_request_id"] for r in listed] == [sid]
    assert listed[0]["status"] == "closed" and listed[0]["status_notes"] == "已填平"
    assert listed[0]["agency_responsible"] == "渌口区交通运输局"
    closed = client.get_service_requests(status="closed", service_code="roads_transport")
    closed = closed if isinstance(closed, list) else [closed]
    assert sid in [r["service_request_id"] for r in closed]
