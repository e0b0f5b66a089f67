import json
from pathlib import Path

import pytest
from lxml import etree

XSD_PATH = Path(__file__).with_name("open311_v2.xsd")


@pytest.fixture(scope="session")
def open311_schema():
    return etree.XMLSchema(etree.parse(str(XSD_PATH)))


@pytest.fixture
def o311_key(db):
    from minqing.intake.models import Open311Client

    return Open311Client.issue("fixmystreet-test")[1]


@pytest.fixture
def water_service(world):
    """water_supply with a definition: a required list, a multi list, a number and a datetime."""
    from minqing.cases.models import Category
    from minqing.intake.models import ServiceAttribute

    cat = Category.objects.get(code="water_supply")
    ServiceAttribute.objects.create(
        category=cat, code="problem", datatype="singlevaluelist", required=True, order=1,
        description="问题类型 / what is wrong",
        values=[{"key": "no_water", "name": "停水"}, {"key": "dirty", "name": "水质差"}],
    )
    ServiceAttribute.objects.create(
        category=cat, code="affected", datatype="multivaluelist", required=False, order=2,
        description="受影响 / who is affected",
        values=[{"key": "home", "name": "住户"}, {"key": "shop", "name": "商户"}, {"key": "school", "name": "学校"}],
    )
    ServiceAttribute.objects.create(category=cat, code="households", datatype="number", order=3,
                                    description="户数 / households")
    ServiceAttribute.objects.create(category=cat, code="since", datatype="datetime", order=4,
                                    description="开始时间 / since when", datatype_description="ISO 8601")
    ServiceAttribute.objects.create(category=cat, code="note", datatype="text", order=5, variable=False,
                                    description="紧急情况请拨打 12345 / call 12345 in an emergency")
    return cat


def parse(resp, fmt):
    if fmt == "json":
        return json.loads(resp.content)
    return etree.fromstring(resp.content)


HEADERS_12345 = ["工单编号", "来电时间", "来电人", "联系电话", "诉求类型", "诉求内容", "所属区域", "承办单位",
                 "办理状态", "办结时间", "办理结果", "回访满意度"]


def write_export(path, rows, title="株洲市12345政务服务便民热线工单导出（2024年3月）", merges=()):
    """A 12345 work-order export as XLSX: a merged title row, Chinese headers, then the rows
    (lists in HEADERS_12345 order; a cell may be a datetime). ``merges`` are ranges like "H4:H6"."""
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "工单"
    ws.append([title])
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(HEADERS_12345))
    ws.append(HEADERS_12345)
    for r in rows:
        ws.append(list(r))
    for rng in merges:
        ws.merge_cells(rng)
    wb.save(path)
    return path


@pytest.fixture
def make_export():
    return write_export
