"""The demo's 金点子 side: the campaign's submissions reviewed (some adopted with what became of
them, some merged into an adopted one, some answered) and a few closed cases marked typical
(金果子), all through ``minqing.ideas.actions``."""

import datetime as dt

from minqing.cases.models import Case, State
from minqing.ideas import actions
from minqing.ideas.models import CampaignCase

TOPICS = [
    ("老年食堂", "养老服务"), ("垃圾分类", "人居环境"), ("减速带", "交通安全"), ("护学岗", "交通安全"),
    ("路灯", "基础设施"), ("停车", "基础设施"), ("公交", "公共交通"), ("农产品", "产业发展"),
    ("健身", "文体设施"), ("图书", "文体设施"),
]
OUTCOMES = [
    "已列入{y}年民生实事项目，资金已落实，正在建设。",
    "已由相关部门实施完成，群众反映良好。",
    "已纳入“十五五”规划建议稿，正在组织论证。",
]
TYPICAL_COUNT = 4


def _topic(text):
    for word, topic in TOPICS:
        if word in text:
            return topic
    return "其他建议"


def build_ideas(world, now):
    """Review the campaign's submissions and mark typical cases; returns (reviewed, typical)."""
    leader = world.actors["leader_city"]
    rng = world.rng
    links = list(CampaignCase.objects.filter(campaign=world.campaign).select_related("case", "campaign__region")
                 .order_by("id"))
    at = now - dt.timedelta(days=3)
    adopted_by_topic = {}
    reviewed = 0
    for _i, link in enumerate(links):
        if link.case.state == State.INVALID:
            continue
        topic = _topic(link.case.text)
        roll = rng.random()
        if topic in adopted_by_topic and roll < 0.5:
            actions.do_merge(leader, link, into=adopted_by_topic[topic], at=at)
        elif topic not in adopted_by_topic and (roll < 0.6 or not adopted_by_topic):
            actions.do_adopt(leader, link, topic=topic, note="建议很好，予以采纳，已交有关部门研究落实。", at=at)
            adopted_by_topic[topic] = link
            if rng.random() < 0.7:
                text = rng.choice(OUTCOMES).format(y=now.year)
                actions.do_record_outcome(leader, link, text=text, implemented="完成" in text or "建设" in text,
                                          at=at + dt.timedelta(hours=2))
        elif roll < 0.85:
            actions.do_answer(leader, link, topic=topic, text="感谢您的建议，已转有关部门参考。", at=at)
        else:
            continue  # left for the reviewers
        reviewed += 1
    typical = 0
    closed = (Case.objects.filter(state=State.CLOSED, last_rating="satisfied", lead_department__isnull=False)
              .exclude(result="").select_related("region", "owner_region", "category", "lead_department")
              .order_by("-closed_at")[:40])
    for case in rng.sample(list(closed), min(TYPICAL_COUNT, len(closed))):
        # the write-up tells this case's own story: who handled it, how fast, what was done
        days = max(1, (case.closed_at - case.registered_at).days) if case.closed_at else 1
        place = case.region.name if case.region_id else ""
        what = case.category.name if case.category_id else "群众诉求"
        title = f"{place}{what}问题{days}天办结"[:actions.MAX_TYPICAL_TITLE]
        writeup = (f"群众反映后，{case.lead_department.name}接单办理，{days}天内办结：{case.result[:120]}"
                   f" 回访群众表示满意。")
        actions.do_mark_typical(leader, case, title=title, writeup=writeup, at=now - dt.timedelta(days=1))
        typical += 1
    return reviewed, typical
