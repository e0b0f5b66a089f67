"""The demo's survey: surveyors, and one city-wide survey of the last 90 days' closed cases
(and twelve registered households/enterprises) with most of its calls answered (a little less satisfied than the departments' own return
visits: the gap the survey exists to show). Its own random stream, so the rest of the demo
draws the same data with or without it."""

import datetime as dt
import random

from django.contrib.auth import get_user_model
from django.utils import timezone

from minqing.people.models import Membership, Profile, Role
from minqing.people.scoping import Actor

from .actions import do_claim, do_create_survey, do_record_response

SEED = 20261202


def build_survey(world, now, leader="leader_city"):
    """Answers a line for the build's log."""
    from minqing.demo import data as D

    rng = random.Random(SEED)
    password = get_user_model().objects.get(username="admin").password  # the demo password, hashed once
    city = world.regions[D.CITY[0]]
    surveyors = []
    for username, name, region in [("surv_city", "测评中心 孙敏", city)]:
        u = get_user_model().objects.create(username=username, password=password)
        Membership.objects.create(user=u, role=Role.SURVEYOR, region=region)
        Profile.objects.create(user=u, display_name=name, unit="株洲市第三方测评中心", rank="staff",
                               home_region=region)
        actor = Actor.for_user(u)
        world.actors[username] = actor
        world.users.append((username, Role.SURVEYOR, region.name))
        surveyors.append(actor)
    today = timezone.localtime(now).date()
    try:
        survey = do_create_survey(world.actors[leader], region=city, date_from=today - dt.timedelta(days=90),
                                  date_to=today, per_department=4, seed=SEED, title="第四季度群众评议", subjects=12,
                                  at=now - dt.timedelta(days=2))
    except Exception as e:  # noqa: BLE001 - a tiny demo may close no case with a phone
        return f"survey: none ({e})"
    items = list(survey.items.order_by("position"))
    answered = 0
    for i, item in enumerate(items):
        if rng.random() < 0.25:  # not called yet
            continue
        who = surveyors[i % len(surveyors)]
        at = now - dt.timedelta(hours=rng.randint(1, 40))
        key = {"subject_id": item.subject_id} if item.subject_id else {"case_id": item.case_id}
        do_claim(who, survey, at=at - dt.timedelta(minutes=5), **key)
        if rng.random() < 0.12:
            do_record_response(who, survey, unreachable=True, at=at, **key)
        else:
            happy = rng.random() < 0.8
            base = rng.randint(7, 10) if happy else rng.randint(2, 6)
            q = {k: max(1, min(10, base + rng.randint(-1, 1))) for k in ("solved", "attitude", "timeliness")}
            do_record_response(who, survey, score=base, satisfied=happy, answers=q, at=at, **key)
        answered += 1
    n_subjects = sum(1 for i in items if i.subject_id)
    return (f"survey: #{survey.pk} sampled {len(items) - n_subjects} closed cases and {n_subjects} registered "
            f"subjects, {answered} called")
