"""Plain-dict views of cases for the API, with personal data masked by role."""

import datetime as dt

from django.utils import timezone

from minqing.people.scoping import mask_name, mask_phone
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
    live_alert = alert_level(case.deadline) if case.is_open else case.alert_level
    return {
        "id": case.pk,
        "tracking_code": case.tracking_code,
        "state": case.state,
        "channel": case.channel,
        "kind": case.kind,
        "text": case.text,
        "category": case.category.code if case.category_id else None,
        "category_name": case.category.name if case.category_id else None,
        "region": case.region.code if case.region_id else None,
        "region_name": case.region.name if case.region_id else None,
        "owner_region": case.owner_region.code if case.owner_region_id else None,
        "address": case.address,
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
        "result": case.result,
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


def event_dict(e):
    return {
        "action": e.action,
        "from_state": e.from_state or None,
        "to_state": e.to_state,
        "actor": e.actor_label or None,
        "at": _iso(e.at),
        "note": e.note,
        "data": e.data,
        "public": e.public,
    }


def case_detail(case, actor):
    from minqing.cases.actions import available_actions

    out = case_summary(case, actor)
    out["events"] = [event_dict(e) for e in case.events.all()]
    out["summons"] = [
        {
            "department": s.department.code,
            "department_name": s.department.name,
            "deadline": _iso(s.deadline),
            "reported": s.reported_at is not None,
            "reported_at": _iso(s.reported_at),
            "report": s.report,
        }
        for s in case.summons.select_related("department").order_by("id")
    ]
    out["supervision_orders"] = [
        {"issued_by": o.issued_by.username if o.issued_by else None, "issued_at": _iso(o.issued_at),
         "due": _iso(o.due), "note": o.note, "resolved_at": _iso(o.resolved_at)}
        for o in case.supervision_orders.select_related("issued_by").order_by("id")
    ]
    out["extension_requests"] = [
        {"new_deadline": _iso(r.new_deadline), "reason": r.reason, "status": r.status,
         "requested_at": _iso(r.requested_at)}
        for r in case.extension_requests.order_by("id")
    ]
    out["meetings"] = [
        {"held_at": _iso(m.held_at), "minutes": m.minutes, "departments": [d.code for d in m.departments.all()]}
        for m in case.meetings.prefetch_related("departments").order_by("id")
    ]
    out["tasks"] = [task_dict(t) for t in case.tasks.select_related("department").order_by("id")]
    effect = getattr(case, "effect", None) if case.state == "closed" else None
    out["effect"] = effect_dict(effect) if effect else None
    out["return_visits"] = [
        {"at": _iso(v.at), "via": v.via, "reached": v.reached, "rating": v.rating or None, "score": v.score,
         "note": v.note}
        for v in case.return_visits.all()
    ]
    out["available_actions"] = available_actions(actor, case)
    return out


def task_dict(t):
    return {
        "id": t.pk,
        "title": t.title,
        "department": t.department.code,
        "status": t.status,
        "due": _iso(t.due),
        "created_at": _iso(t.created_at),
        "done_at": _iso(t.done_at),
        "outcome": t.outcome,
        "cases": [c.pk for c in t.cases.all()],
    }


def effect_dict(e):
    return {
        "case": e.case_id,
        "what_was_done": e.what_was_done,
        "confirmed_by": e.confirmed_by,
        "confirmed_at": _iso(e.confirmed_at),
        "rule": e.rule,
        "rating": e.rating or None,
        "score": e.score,
    }
