import datetime as dt
import re

from django.utils import timezone

from minqing.cases import actions

VILLAGE = "430212101201"  # 朱亭村, under 朱亭镇 (430212101), 渌口区 (430212)


def new_case(world, text="朱亭村三组停水两天了，老人孩子喝水都成问题", category="water_supply", region=VILLAGE,
             phone="13812345678", name="张三", at=None, **kw):
    return actions.register(world.actor("disp_zt"), text=text, channel="hotline", kind="complaint",
                            category=category, region=region, reporter_name=name, reporter_phone=phone, at=at, **kw)


def through(world, case, upto="handled", at=None):
    """Move a case along the loop through the actions layer."""
    disp, water = world.actor("disp_zt"), world.actor("water")
    steps = ["assign", "accept", "handle", "close"]
    stop = steps.index(upto) + 1 if upto in steps else 3
    if stop >= 1:
        actions.assign(disp, case, department="lk-water", at=at)
    if stop >= 2:
        actions.accept(water, case, at=at)
    if stop >= 3:
        actions.handle(water, case, result="已抢修管道，恢复供水", disposition="solved", at=at)
    if stop >= 4:
        actions.visit_back(world.actor("rv_lk"), case, rating="satisfied", score=9, at=at)
    case.refresh_from_db()
    return case


def days_ago(n):
    return timezone.now() - dt.timedelta(days=n)


def token_of(html):
    m = re.search(r'name="token" value="([0-9a-f]{32})"', html)
    assert m, "the form carries an idempotency token"
    return m.group(1)


def report_data(token, **over):
    data = {
        "kind": "complaint", "category": "water_supply", "region": VILLAGE, "address": "三组12号",
        "text": "三组自来水停了两天，请尽快处理", "reporter_name": "李四", "reporter_phone": "13900001111",
        "token": token,
    }
    data.update(over)
    return data
