"""The demo's 免申即享 policies, matched to its households and enterprises by their tags, with
some deliveries recorded by the paired cadres on their visits. Through ``policies.actions``."""

import datetime as dt

from django.utils import timezone

from minqing.people.scoping import Actor
from minqing.visits.models import Pairing, VisitSubject

from . import actions, eligibility

SYSTEM = Actor.system("demo")

POLICIES = [
    # code, name, department slug, benefit, eligibility (without region)
    ("heat-subsidy", "低保户冬季取暖补贴", "civil", "每户一次性发放取暖补贴300元",
     {"kind": "household", "tags_any": ["低保户"]}),
    ("elder-care", "独居老人居家养老服务", "civil", "每月上门助餐、助洁服务8小时",
     {"kind": "household", "tags_any": ["独居老人"]}),
    ("veteran-visit", "退役军人节日慰问", "civil", "春节、八一慰问金各500元",
     {"kind": "household", "tags_all": ["退役军人"]}),
    ("disabled-two", "残疾人两项补贴", "civil", "困难残疾人生活补贴和重度残疾人护理补贴",
     {"kind": "household", "tags_any": ["残疾人家庭"]}),
    ("sme-tax", "规上企业稳岗返还", "hr", "按上年度失业保险费的60%返还",
     {"kind": "enterprise", "tags_any": ["规上企业", "重点企业"]}),
]


def build(world, now, say=lambda msg: None):
    today = timezone.localtime(now).date()
    slugs = {code: slug for code, _n, slug, _r in __import__("minqing.demo.data", fromlist=["x"]).COUNTIES}
    n_policies = n_delivered = 0
    for county in world.counties:
        slug = slugs[county.code]
        for code, name, dept, benefit, elig in POLICIES:
            p, _new = actions.do_save_policy(
                SYSTEM, code=f"{slug}-{code}", name=f"{county.name}{name}", department=f"{slug}-{dept}",
                benefit=benefit, eligibility={**elig, "region": county.code},
                starts_on=today.replace(month=1, day=1), ends_on=today.replace(month=12, day=31), create_only=True)
            n_policies += 1
            # the paired cadres brought it on their latest visit to about half of those eligible
            subjects = list(eligibility.eligible(p).order_by("external_id")[:400])
            for i, s in enumerate(subjects):
                if i % 2:
                    continue
                pairing = Pairing.objects.filter(subject=s, until__isnull=True).select_related("cadre").first()
                link = VisitSubject.objects.filter(subject=s).order_by("-date").first()
                cadre = world.actors.get(pairing.cadre.username) if pairing else None
                actor = cadre or SYSTEM
                at = timezone.make_aware(dt.datetime.combine(link.date, dt.time(15))) if link else now
                if link and link.date < today.replace(month=1, day=1):
                    at = now
                actions.do_deliver(actor, p, subject=s, visit=link.visit_id if link else None,
                                   note="入户送达政策明白卡", at=at)
                n_delivered += 1
    say(f"policies: {n_policies} 免申即享 policies, {n_delivered} deliveries")
    return n_policies
