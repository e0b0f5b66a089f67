"""The one masking rule (minqing.people.masking): each pattern, and the ordinary numbers
people write that must stay as written."""

import pytest

from minqing.people import masking, scoping
from minqing.people.masking import digits_only, mask_text


def test_one_place():
    # the scoping module re-exports the masking module's functions: one implementation
    assert scoping.mask_text is masking.mask_text
    assert scoping.mask_name is masking.mask_name and scoping.mask_phone is masking.mask_phone


@pytest.mark.parametrize("raw,masked", [
    ("电话13800138000", "电话138****8000"),
    ("138 0013 8000", "138****8000"),
    ("138-0013-8000", "138****8000"),
    ("+86 138 0013 8000", "+86 138****8000"),
    ("+8613800138000", "+86138****8000"),
    ("0086-13912345678", "0086-139****5678"),
    ("（+86）19912345678", "（+86）199****5678"),
    ("手机：1 3 8 0 0 1 3 8 0 0 0", "手机：138****8000"),
    ("请打13800138000。", "请打138****8000。"),
    ("手机１３８００１３８０００", "手机138****8000"),
])
def test_mobile(raw, masked):
    assert mask_text(raw) == masked


@pytest.mark.parametrize("raw,masked", [
    ("0731-22334455", "0731-****4455"),
    ("(0731)2233 4455", "(0731)****4455"),
    ("（0731）22334455", "（0731）****4455"),
    ("010 1234 5678".replace("1234", "2234"), "010 ****5678"),
    ("073122334455", "0731****4455"),
    ("电话22334455", "电话****4455"),
    ("座机：2233-4455", "座机：****4455"),
    ("固话 2233445", "固话 ****445"),
    ("联系电话是 87654321", "联系电话是 ****4321"),
])
def test_landline(raw, masked):
    assert mask_text(raw) == masked


@pytest.mark.parametrize("raw,masked", [
    ("身份证号430102199001011234", "身份证号430102********1234"),
    ("身份证43010219900101123X", "身份证430102********123X"),
    ("43010219900101123x。", "430102********123x。"),
    ("430102 19900101 1234", "430102********1234"),
])
def test_id_card(raw, masked):
    assert mask_text(raw) == masked


@pytest.mark.parametrize("raw,masked", [
    ("卡号6222021234567890", "卡号6222********7890"),
    ("卡号6222 0212 3456 7890 123", "卡号6222***********0123"),
    ("6222-0212-3456-7890", "6222********7890"),
    ("6217001234567890123", "6217***********0123"),
])
def test_bank_card(raw, masked):
    assert mask_text(raw) == masked


@pytest.mark.parametrize("raw,masked", [
    ("邮箱wang.xm@163.com，", "邮箱w***@163.com，"),
    ("mail: a_b-c+d@mail.example.org.cn", "mail: a***@mail.example.org.cn"),
    ("13800138000@qq.com", "1***@qq.com"),
])
def test_email(raw, masked):
    assert mask_text(raw) == masked


@pytest.mark.parametrize("raw,masked", [
    ("联系人：王小明", "联系人：王**"),
    ("联系人:王小明，", "联系人:王**，"),
    ("姓名：欧阳小明。", "姓名：欧***。"),
    ("户主 李四", "户主 李*"),
    ("报告人张三反映", "报告人张*反映"),
    ("反映人王小明电话13800138000说停水", "反映人王**电话138****8000说停水"),
    ("反映人是赵六，", "反映人是赵*，"),
    ("来电人刘德华称", "来电人刘**称"),
    ("联系人是王家明。", "联系人是王**。"),
])
def test_marked_name(raw, masked):
    assert mask_text(raw) == masked


@pytest.mark.parametrize("text", [
    "2026-11-03 起停水三天",
    "2026年11月3日下午3点",
    "20261103",
    "2026/11/03 08:30-12:00",
    "欠薪12000元，共计3.5万元",
    "12号楼3单元502室",
    "门牌号13-2号",
    "拨打12345热线、110、119、96333都没用",
    "查询码MQ23456789AB",
    "MQ2345678923",
    "区划代码430211100201",
    "工单号2026110300123",
    "停水三天，已经72小时",
    "老人孩子喝水都成问题",
    "反映人称小区停水",
    "业主委员会不作为",
    "联系人王女士",
    "联系人本人",
    "水表读数 0000123",
    "共有138户、2000人受影响",
    "GPS 28.123456,113.123456",
    "",
])
def test_false_positives_stay(text):
    assert mask_text(text) == text


def test_none_and_empty():
    assert mask_text(None) == "" and mask_text("") == ""


def test_digits_never_survive_separated():
    for raw in ["138 0013 8000", "0731-2233-4455", "4301 0219 9001 0112 34"]:
        out = mask_text("号码 " + raw)
        assert digits_only(raw) not in digits_only(out)


@pytest.mark.parametrize("raw,masked", [("13800000000", "138****0000"), ("+8613800138000", "+86*******8000"),
                                        ("22334455", "22****55"), ("2233445", "2****45"), ("0731-2288", "07****288")])
def test_mask_phone_hides_at_least_four(raw, masked):
    assert masking.mask_phone(raw) == masked
