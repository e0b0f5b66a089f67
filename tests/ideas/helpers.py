import datetime as dt

from casebuild import VILLAGE, register, to_state  # noqa: F401
from django.utils import timezone

from minqing.ideas import actions


def today():
    return timezone.localdate()


def campaign(world, slug="jdz-2026", who="leader_city", region="430200", **kw):
    data = dict(slug=slug, title="“十五五”规划金点子征集", region=region, starts=today() - dt.timedelta(days=10),
                ends=today() + dt.timedelta(days=20), kind="suggestion", description="请为家乡发展建言献策")
    data.update(kw)
    return actions.do_create_campaign(world.actor(who), **data)


def submit(world, c, text="建议在朱亭村建一个老年活动中心，联系人：王小明，电话13812345678", region=VILLAGE,
           category="other", **kw):
    case = register(world, text=text, region=region, category=category, kind="suggestion", **kw)
    return actions.do_link_submission(c, case)
