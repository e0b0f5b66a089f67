"""Plain-dict views of cases for the API, with personal data masked by role: the
reporter's name and phone, and every free text (case text, address, answer, notes,
reports, minutes, task titles and outcomes) through ``people.masking.mask_text``
unless ``Actor.can_see_contact`` allows the case's contact data."""

import datetime as dt

from django.utils import timezone

from minqing.people.scoping import mask_name, mask_phone, mask_text, text_masker
from minqing.supervision.alerts import alert_level


def _iso(value):
    if not value:
        return None
    if isinstance(value, dt.datetime):
        return timezone.localtime(value).isoformat()
    return value.isoformat()


def case_summary(case, actor, co_departments=None):
    """``co_departments``: their codes when the caller knows them (a case just
    registered has none), else read from the case."""
    full = actor.can_see_contact(case)
    shown = text_masker(actor, case)
    live_alert = alert_level(case.deadline) if case.is_open else case.alert_level
    return {
        "id": case.pk,
        "tracking_code": case.tracking_code,
        "state": case.state,
        "channel": case.channel,
        "kind": case.kind,
        "text": shown(case.text),
        "category": case.category.code if case.category_id else None,
        "category_name": case.category.name if case.category_id else None,
        "region": case.region.code if case.region_id else None,
        "region_name": case.region.name if case.region_id else None,
        "owner_region": case.owner_region.code if case.owner_region_id else None,
        "address": shown(case.address),
        "reporter_name": case.reporter_name if full else mask_name(case.reporter_name),
        "reporter_phone": case.reporter_phone if full else mask_phone(case.reporter_phone),
        "anonymous": case.anonymous,
        "mode": case.mode or None,
        "lead_department": case.lead_department.code if case.lead_department_id else None,
        "lead_department_name": case.lead_department.name if case.lead_department_id else None,
        "co_departments": (
            list(co_departments) if co_departments is not None else [d.code for d in case.co_departments.all()]
        ),
        "deadline": _iso(case.deadline),
        "alert_level": live_alert,
        "disposition": case.disposition or None,
        "result": shown(case.result),
        "registered_at": _iso(case.registered_at),
        "assigned_at": _iso(case.assigned_at),
        "accepted_at": _iso(case.accepted_at),
        "handled_at": _iso(case.handled_at),
        "closed_at": _iso(case.closed_at),
        "close_rule": case.close_rule or None,
        "rating": case.last_rating or None,
        "score": case.last_score,
        "reopen_count": case.reopen_count,
        "merged_into": case.merged_into_id,
        "external_id": case.external_id or None,
        "version": case.version,
    }


def event_dict(e, shown=mask_text):
    return {
        "action": e.action,
        "from_state": e.from_state or None,
        "to_state": e.to_state,
        "actor": e.actor_label or None,
        "at": _iso(e.at),
        "note": shown(e.note),
        "data": e.data,
        "public": e.public,
    }


def case_detail(case, actor):
    from minqing.cases.actions import available_actions

    out = case_summary(case, actor)
    shown = text_masker(actor, case)
    out["events"] = [event_dict(e, shown) for e in case.events.all()]
    out["summons"] = [
        {
            "department": s.department.code,
            "department_name": s.department.name,
            "deadline": _iso(s.deadline),
            "reported": s.reported_at is not None,
            "reported_at": _iso(s.reported_at),
            "report": shown(s.report),
        }
        for s in case.summons.select_related("department").order_by("id")
    ]
    out["supervision_orders"] = [
        {"issued_by": o.issued_by.username if o.issued_by else None, "issued_at": _iso(o.issued_at),
         "due": _iso(o.due), "note": shown(o.note), "resolved_at": _iso(o.resolved_at)}
        for o in case.supervision_orders.select_related("issued_by").order_by("id")
    ]
    out["extension_requests"] = [
        {"new_deadline": _iso(r.new_deadline), "reason": shown(r.reason), "status": r.status,
         "requested_at": _iso(r.requested_at)}
        for r in case.extension_requests.order_by("id")
    ]
    out["meetings"] = [
        {"held_at": _iso(m.held_at), "minutes": shown(m.minutes), "departments": [d.code for d in m.departments.all()]}
        for m in case.meetings.prefetch_related("departments").order_by("id")
    ]
    out["tasks"] = [task_dict(t, actor) for t in case.tasks.select_related("department").order_by("id")]
    effect = getattr(case, "effect", None) if case.state == "closed" else None
    out["effect"] = effect_dict(effect, actor) if effect else None
    out["return_visits"] = [
        {"at": _iso(v.at), "via": v.via, "reached": v.reached, "rating": v.rating or None, "score": v.score,
         "note": shown(v.note)}
        for v in case.return_visits.all()
    ]
    out["available_actions"] = available_actions(actor, case)
    out["owner"] = case.leader.get_username() if case.leader_id else None  # 包案领导 (minqing.backlog)
    return out


def task_masker(t, actor):
    """A task's title and outcome in full only for one who may see the contact data of
    every case it serves (``actor=None``: the caller has already decided, e.g. the creator)."""
    if actor is None:
        return lambda text: text or ""
    cases = list(t.cases.select_related("region", "owner_region"))
    if all(actor.can_see_contact(c) for c in cases):
        return lambda text: text or ""
    return mask_text


def task_dict(t, actor=None):
    shown = task_masker(t, actor)
    return {
        "id": t.pk,
        "title": shown(t.title),
        "department": t.department.code if t.department_id else None,
        "partner": t.partner.code if t.partner_id else None,
        "status": t.status,
        "due": _iso(t.due),
        "created_at": _iso(t.created_at),
        "done_at": _iso(t.done_at),
        "outcome": shown(t.outcome),
        "cases": [c.pk for c in t.cases.all()],
    }


def effect_dict(e, actor=None):
    shown = text_masker(actor, e.case) if actor is not None else (lambda text: text or "")
    return {
        "case": e.case_id,
        "what_was_done": shown(e.what_was_done),
        "confirmed_by": e.confirmed_by,
        "confirmed_at": _iso(e.confirmed_at),
        "rule": e.rule,
        "rating": e.rating or None,
        "score": e.score,
    }
