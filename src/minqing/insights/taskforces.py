"""工作专班 (task forces): a topic adopted as one piece of work.

Why the models live in ``insights/models.py``: a task force is born of the topic
analysis (its key is ``topics.topic_id``, its class of problem is the topic's
category and place), and ``cases/models.py`` is the case lifecycle every other
part edits; the cases of a task force stay ordinary cases handled through the
normal loop (``cases.actions``) and are linked through the ``cases.Topic`` row
that ``topics.adopt`` writes.

Every change is one function here, in one transaction, writing its
``TaskForceEvent``: ``create`` (adopt a topic; the departments' handlers get a
``task_assigned`` notice) and ``add_note`` (a progress note). ``effect`` reads how
the class of problem's intake changed after the task force was set up.
"""

import datetime as dt

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from minqing.cases.errors import Conflict, Forbidden, InvalidInput, NotFound
from minqing.cases.models import EXCLUDED_STATES, Case, Category, State
from minqing.people.models import Role
from minqing.regions.models import Department, Region

from . import figures, topics
from .models import TaskForce, TaskForceEvent, TaskForceNote

ROLES = (Role.LEADER, Role.DISPATCHER)
MAX_MEMBERS = 30
MAX_GOAL = 2000
MAX_NOTE = 2000
MAX_DUE_DAYS = 3 * 366
BEFORE_WEEKS = 8  # the intake before a task force is counted over this many weeks


def _now(at=None):
    return at or timezone.now()


def may_adopt(actor):
    """Leaders and dispatchers (of a region, checked against the topic later) and admins."""
    return actor.is_admin or any(m.role in ROLES for m in actor.memberships)


def find_topic(actor, key, *, date_from=None, date_to=None):
    """The ranked topic with this id among those the actor's scope covers entirely, or None."""
    if not isinstance(key, str) or not key or len(key) > 20:
        return None
    paths = topics.covered_paths(actor)
    if paths is None:
        regions = [None]
    else:
        regions = list(Region.objects.filter(path__in=paths))
    for region in regions:
        scope = figures.make_scope(region=region, date_from=date_from, date_to=date_to)
        for t in topics.find_topics(scope, limit=100000, covered=paths):
            if t["id"] == key:
                return t
    return None


def _department(code, field):
    if not isinstance(code, str) or not code.strip() or len(code) > 64 or "\x00" in code:
        raise InvalidInput(_("请填写部门编码"), field=field)
    d = Department.objects.filter(code=code.strip()).first()
    if d is None:
        raise InvalidInput(_("部门不存在：%(code)s") % {"code": code[:64]}, field=field)
    return d


def _notify(departments, tf, at):
    from minqing.cases.actions import (
        _notify_department,  # the one notice helper there is
    )

    msg = _("工作专班“%(title)s”：%(due)s 前完成") % {"title": tf.title, "due": tf.due.isoformat()}
    for d in departments:
        _notify_department(d, None, "task_assigned", msg[:500], at)


@transaction.atomic
def create(actor, topic, *, lead, members=(), due, goal, at=None):
    """Adopt a topic (a dict from ``topics.find_topics``) as a task force: link its cases in a
    ``cases.Topic``, record lead/member departments, deadline and goal, notify the departments."""
    if not may_adopt(actor):
        raise Forbidden(_("只有领导或调度员可以成立工作专班"))
    place = Region.objects.filter(code=topic["place"]["code"]).first() if topic["place"]["code"] else None
    if place is not None and not actor.covers_region(place, *ROLES):
        raise Forbidden(_("无权在该区域成立工作专班"))
    lead_dept = _department(lead, "lead")
    if not isinstance(members, (list, tuple)) or len(members) > MAX_MEMBERS:
        raise InvalidInput(_("成员部门最多 %(n)d 个") % {"n": MAX_MEMBERS}, field="members")
    member_depts = []
    for code in members:
        d = _department(code, "members")
        if d.pk != lead_dept.pk and d not in member_depts:
            member_depts.append(d)
    today = timezone.localdate(_now(at))
    if not isinstance(due, dt.date) or due < today or due > today + dt.timedelta(days=MAX_DUE_DAYS):
        raise InvalidInput(_("完成时限须在今天到三年之内"), field="due")
    goal = (goal or "").strip() if isinstance(goal, str) else ""
    if not goal or len(goal) > MAX_GOAL or "\x00" in goal:
        raise InvalidInput(_("请填写目标（最多 %(n)d 字）") % {"n": MAX_GOAL}, field="goal")
    if TaskForce.objects.filter(topic_key=topic["id"]).exists():
        raise Conflict(_("该问题已成立工作专班"), field="id")
    try:
        row = topics.adopt(actor, title=topic["title"], case_ids=topic["case_ids"], keywords=topic["keywords"],
                           region=place, policy=goal)
    except topics.TopicError as e:
        raise NotFound(_("专题不存在")) from e
    cat = Category.objects.filter(code=topic["category"]).first()
    try:
        with transaction.atomic():
            tf = TaskForce.objects.create(
                topic=row, topic_key=topic["id"], title=topic["title"][:200], category=cat, place=place,
                phrase=topic.get("phrase", "")[:50], lead=lead_dept, due=due, goal=goal,
                created_by=actor.user, created_at=_now(at),
            )
    except IntegrityError:  # another request adopted the same topic a moment earlier
        raise Conflict(_("该问题已成立工作专班"), field="id") from None
    tf.members.set(member_depts)
    TaskForceEvent.objects.create(
        taskforce=tf, action="create", actor=actor.user, actor_label=actor.label, at=_now(at),
        data={"lead": lead_dept.code, "members": [d.code for d in member_depts], "due": due.isoformat(),
              "cases": len(topic["case_ids"])},
    )
    _notify([lead_dept, *member_depts], tf, _now(at))
    return tf


def _may_write(actor, tf):
    if actor.is_admin:
        return True
    if tf.place_id is None:
        return False
    if actor.covers_region(tf.place, *ROLES):
        return True
    depts = actor.department_ids()
    return tf.lead_id in depts or tf.members.filter(pk__in=depts).exists()


@transaction.atomic
def add_note(actor, tf, text, *, at=None):
    """A progress note, by the leaders/dispatchers covering it or a handler of its departments."""
    text = (text or "").strip() if isinstance(text, str) else ""
    if not _may_write(actor, tf):
        raise Forbidden(_("只有专班成员可以填写进展"))
    if not text or len(text) > MAX_NOTE or "\x00" in text:
        raise InvalidInput(_("请填写进展（最多 %(n)d 字）") % {"n": MAX_NOTE}, field="text")
    # compare-and-set on the version: two notes at once both land, each with its own event
    updated = TaskForce.objects.filter(pk=tf.pk, version=tf.version).update(version=tf.version + 1)
    if not updated:
        tf.refresh_from_db(fields=["version"])
        TaskForce.objects.filter(pk=tf.pk).update(version=tf.version + 1)
    tf.version += 1
    note = TaskForceNote.objects.create(taskforce=tf, text=text, author=actor.user, author_label=actor.label,
                                        at=_now(at))
    TaskForceEvent.objects.create(taskforce=tf, action="note", actor=actor.user, actor_label=actor.label,
                                  at=_now(at), data={"note": note.pk})
    return note


# ---- reading -------------------------------------------------------------------------------------

def visible(actor, qs=None):
    """Task forces the actor may see: those whose place a leader's/dispatcher's region covers
    (so all their cases), and those of a handler's department; admins all."""
    qs = TaskForce.objects.all() if qs is None else qs
    if actor.is_admin:
        return qs
    cond = Q(pk__in=[])
    for m in actor.memberships:
        if m.role in ROLES:
            if m.region_id is None:
                return qs
            cond |= Q(place__path__startswith=m.region.path)
        elif m.role == Role.HANDLER and m.department_id:
            cond |= Q(lead_id=m.department_id) | Q(members__id=m.department_id)
    return qs.filter(cond).distinct()


def get_visible(actor, pk):
    tf = visible(actor, TaskForce.objects.select_related("lead", "place", "category", "topic")).filter(pk=pk).first()
    if tf is None:
        raise NotFound(_("工作专班不存在"))
    return tf


def progress(tf):
    """How many of the linked cases are closed (and handled, open)."""
    states = list(tf.topic.cases.exclude(state__in=EXCLUDED_STATES).values_list("state", flat=True))
    return {
        "cases": len(states),
        "closed": sum(1 for s in states if s == State.CLOSED),
        "handled": sum(1 for s in states if s == State.HANDLED),
        "open": sum(1 for s in states if s not in (State.CLOSED, State.HANDLED)),
    }


def effect(tf, *, now=None):
    """The class's intake (cases of its category registered in its place) per week, in the
    ``BEFORE_WEEKS`` weeks before the task force and since it was set up; ``change`` is the
    relative change of the weekly rate, None before a full week has passed or without a before."""
    now = now or timezone.now()
    created = tf.created_at
    qs = Case.objects.exclude(state__in=EXCLUDED_STATES)
    if tf.category_id:
        qs = qs.filter(category_id=tf.category_id)
    if tf.place_id:
        qs = qs.filter(region_path__startswith=tf.place.path)
    start = created - dt.timedelta(weeks=BEFORE_WEEKS)
    before = qs.filter(registered_at__gte=start, registered_at__lt=created).count()
    after = qs.filter(registered_at__gte=created, registered_at__lte=now).count()
    weeks_after = max((now - created).total_seconds() / (7 * 86400), 1 / 7)
    per_before = before / BEFORE_WEEKS
    per_after = after / weeks_after
    return {
        "before": {"weeks": BEFORE_WEEKS, "cases": before, "per_week": round(per_before, 2)},
        "after": {"weeks": round(weeks_after, 2), "cases": after, "per_week": round(per_after, 2)},
        # compared only after a full week: a day without a case is not a fall of 100 %
        "change": round((per_after - per_before) / per_before, 3) if per_before and weeks_after >= 1 else None,
    }


def as_dict(tf, *, full=False):
    d = {
        "id": tf.pk,
        "topic_id": tf.topic_key,
        "title": tf.title,
        "category": tf.category.code if tf.category_id else None,
        "place": {"code": tf.place.code, "name": tf.place.name} if tf.place_id else None,
        "lead": {"code": tf.lead.code, "name": tf.lead.name},
        "members": [{"code": d.code, "name": d.name} for d in tf.members.order_by("code")],
        "due": tf.due.isoformat(),
        "goal": tf.goal,
        "created_at": tf.created_at.isoformat(),
        "created_by": tf.created_by.get_username() if tf.created_by_id else None,
        "progress": progress(tf),
    }
    if full:
        d["effect"] = effect(tf)
        d["case_ids"] = sorted(tf.topic.cases.values_list("pk", flat=True))
        d["notes"] = [{"id": n.pk, "text": n.text, "by": n.author_label, "at": n.at.isoformat()}
                      for n in tf.notes.all()]
    return d
