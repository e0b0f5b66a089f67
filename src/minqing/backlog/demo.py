"""The demo's 包案 and petition backlog: each county's leader owns its oldest open petitions
and hard cases, settlement agreements (息访协议) on some of them, and the reception days
(固定接待日) of the county leaders, past and coming, with cases registered at the past ones.
Everything through ``backlog.actions``."""

import datetime as dt

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from minqing.cases.models import Case, Channel, State

from . import actions, figures

PARTIES = "{county}人民政府；信访人{surname}某"
SUMMARY = "经{county}领导包案协调，一次性解决{what}，信访人承诺息诉罢访。"
WHAT = ["拖欠工程款", "征地补偿差额", "房屋漏水维修费用", "低保待遇", "道路占地补偿"]


def document(title):
    """A small real PDF for the demo's agreements."""
    body = (b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>"
            b"endobj\n3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\n"
            b"trailer<</Root 1 0 R>>\n%%EOF\n")
    return SimpleUploadedFile(f"{title}.pdf", body, content_type="application/pdf")


def build(world, now, say=lambda msg: None):
    from minqing.demo import data as D

    today = timezone.localtime(now).date()
    owned = agreements = receptions = attached = 0
    old = now - dt.timedelta(days=figures.backlog_days())
    for county in world.counties:
        slug = next(s for code, _n, s, _r in D.COUNTIES if code == county.code)
        leader = world.actors[f"leader_{slug}"]
        place = f"{county.name}人民来访接待中心一楼接待室"
        # the reception days: the days the county's open reception cases were heard, and three to come
        heard = list(Case.objects.filter(region_path__startswith=county.path, channel=Channel.RECEPTION,
                                         state__in=(State.REGISTERED, State.ASSIGNED, State.IN_PROGRESS,
                                                    State.HANDLED, State.REOPENED))
                     .order_by("registered_at")[:4])
        days = {}
        for c in heard:
            days.setdefault(timezone.localtime(c.registered_at).date(), []).append(c)
        for weeks in (1, 2, 3):
            days.setdefault(today + dt.timedelta(days=7 * weeks), [])
        for day, cases in sorted(days.items()):
            r = actions.do_schedule_reception(world.actors[f"disp_{slug}"], leader=leader.user, region=county,
                                              date=day, place=place, note="每月第一、三周周三上午")
            receptions += 1
            for c in cases:
                actions.do_attach_to_reception(world.actors[f"op_{slug}"], r, c)
                attached += 1
        hard = list(Case.objects.filter(region_path__startswith=county.path, registered_at__lte=old,
                                        leader__isnull=True,
                                        state__in=(State.ASSIGNED, State.IN_PROGRESS, State.REOPENED))
                    .order_by("registered_at")[:40])
        petitions = [c for c in hard if c.channel in figures.PETITION_CHANNELS][:4]
        for c in (petitions + [c for c in hard if c not in petitions])[:6]:
            actions.do_own_case(leader, c, note="领导包案，一包到底")  # now: the last event of the case
            owned += 1
        closed = list(Case.objects.filter(region_path__startswith=county.path, state=State.CLOSED,
                                          channel__in=figures.PETITION_CHANNELS).order_by("closed_at")[:3])
        for i, c in enumerate(closed):
            surname = (c.reporter_name or "王")[:1]
            day = timezone.localtime(c.closed_at).date() if c.closed_at else today
            actions.do_record_agreement(
                world.actors[f"disp_{slug}"], c, signed_on=min(day, today),
                parties=PARTIES.format(county=county.name, surname=surname),
                summary=SUMMARY.format(county=county.name, what=WHAT[i % len(WHAT)]),
                document=document(f"息访协议-{c.tracking_code}"))
            agreements += 1
    say(f"backlog: {owned} cases owned by leaders (包案), {agreements} 息访协议, {receptions} reception days, "
        f"{attached} reception cases owned by the receiving leader")
    return owned
