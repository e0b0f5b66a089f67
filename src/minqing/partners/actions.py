"""Every change on the partner side (社区合伙人), in one place.

Like ``minqing.cases.actions``: each ``do_*`` takes the acting ``Actor`` first, validates before
writing, runs in one transaction and writes the case ``Event`` of what it did. A wish (微心愿) is
a case of kind ``wish`` registered through ``cases.actions.register``; its claim is a conditional
UPDATE (``status='open'``), so of two claims at once exactly one wins and the other is a 409.
"""

from django.db import transaction
from django.utils import timezone

from minqing.cases import actions as case_actions
from minqing.cases.errors import Conflict, Forbidden, IllegalTransition, InvalidInput, NotFound
from minqing.cases.models import OPEN_STATES, Event, JointMeeting, Kind
from minqing.cases.signals import event_recorded
from minqing.notices import core as notices
from minqing.people.masking import mask_name, mask_phone
from minqing.people.models import Membership, Role
from minqing.people.scoping import FULL_CONTACT_ROLES, region_scope
from minqing.supervision import deadlines
from minqing.supervision.alerts import as_date

from .models import Partner, PartnerContact, PartnerKind, PartnerSummons, Wish

KIND_NAMES = {str(label): value for value, label in PartnerKind.choices}
KIND_NAMES.update({"物业": "property", "业委会": "owners", "居委会": "residents", "志愿者": "volunteers",
                   "志愿服务队": "volunteers", "社会组织": "social"})
MAX_TEXT = case_actions.MAX_TEXT


def parse_kind(value):
    value = (value or "").strip()
    if value in PartnerKind.values:
        return value
    return KIND_NAMES.get(value)


def load_partner(value, field="partner"):
    if isinstance(value, Partner):
        return value
    if value in (None, ""):
        raise InvalidInput(f"{field} 必填 / {field} is required", field=field)
    p = Partner.objects.select_related("region").filter(code=str(value), active=True).first()
    if p is None:
        raise InvalidInput(f"合伙人不存在 / unknown partner: {value}", field=field)
    return p


def _partners(values, field="partners"):
    if values is None:
        return []
    if isinstance(values, (str, Partner)):
        values = [values]
    out = {}
    for v in values:
        p = load_partner(v, field)
        out[p.pk] = p
    return list(out.values())


def _event(case, actor, action, *, note="", data=None, at=None):
    event = Event.objects.create(case=case, action=action, from_state=case.state, to_state=case.state,
                                 actor=actor.user, actor_label=actor.label, at=at or timezone.now(), note=note,
                                 data=data or {}, public=False)
    event_recorded.send(sender=Event, event=event, case=case)
    return event


# ---- partners and their logins --------------------------------------------------------


@transaction.atomic
def do_save_partner(actor, *, code, name, kind, region, contact="", phone=""):
    """Register or update a partner (by code). Admins, or a dispatcher of the region."""
    code = case_actions.no_nul((code or "").strip(), "code")
    if not code or len(code) > 64:
        raise InvalidInput("code 必填(最长64) / code is required (max 64)", field="code")
    name = case_actions._required_text(name, "name", 200)
    k = parse_kind(kind)
    if k is None:
        raise InvalidInput(f"类型应为 {', '.join(PartnerKind.values)} / kind must be one of "
                           f"{', '.join(PartnerKind.values)}", field="kind")
    region = case_actions._region(region, "region_code")
    if region is None:
        raise InvalidInput("region_code 必填 / region_code is required", field="region_code")
    contact = case_actions.no_nul((contact or "").strip(), "contact")
    if len(contact) > 100:
        raise InvalidInput("联系人过长 / contact is too long", field="contact")
    phone = (phone or "").strip()
    if phone and not case_actions.PHONE_RE.match(phone):
        raise InvalidInput("电话号码格式不正确 / phone is not a phone number", field="phone")
    if not (actor.is_admin or actor.covers_region(region, Role.DISPATCHER)):
        raise Forbidden("只有该区划的调度员可以登记合伙人 / only a dispatcher of the region may register partners")
    partner, _ = Partner.objects.update_or_create(
        code=code, defaults={"name": name, "kind": k, "region": region, "contact": contact, "phone": phone,
                             "active": True})
    return partner


@transaction.atomic
def do_link_contact(actor, *, user, partner):
    """A login answers for a partner: the ``partner`` role on its region and the link row."""
    partner = load_partner(partner)
    if not (actor.is_admin or actor.covers_region(partner.region, Role.DISPATCHER)):
        raise Forbidden("只有该区划的调度员可以设置合伙人账号 / only a dispatcher of the region may link logins")
    PartnerContact.objects.update_or_create(user=user, defaults={"partner": partner})
    Membership.objects.filter(user=user, role=Role.PARTNER).exclude(region=partner.region).delete()
    Membership.objects.get_or_create(user=user, role=Role.PARTNER, region=partner.region, department=None)
    return partner


def visible_partners(actor, qs=None):
    qs = Partner.objects.select_related("region") if qs is None else qs
    if actor.is_admin:
        return qs
    cond = region_scope(actor)
    if cond is None:
        return qs
    from django.db.models import Q

    return qs.filter(cond | Q(pk__in=actor.partner_ids()))


def can_see_partner_contact(actor, partner):
    return (actor.kind == "system" or actor.is_admin or partner.pk in actor.partner_ids()
            or actor.covers_region(partner.region, *FULL_CONTACT_ROLES))


def partner_dict(p, actor):
    full = can_see_partner_contact(actor, p)
    return {"code": p.code, "name": p.name, "kind": p.kind, "kind_label": str(p.get_kind_display()),
            "region": p.region.code, "region_name": p.region.name,
            "contact": p.contact if full else mask_name(p.contact), "phone": p.phone if full else mask_phone(p.phone)}


# ---- summons and joint meetings ------------------------------------------------------


def _may_call(actor, case):
    return actor.is_admin or case_actions._owns_dispatch(actor, case) or actor.is_lead_handler(case)


@transaction.atomic
def do_summon_partner(actor, case, *, partner, deadline=None, note="", at=None):
    """吹哨 to a partner: it must report (报到) on the case by the deadline."""
    case = case_actions.load_case(case)
    if case.state not in OPEN_STATES:
        raise IllegalTransition("案件不在办理中 / the case is not open", code="illegal_transition")
    if not _may_call(actor, case):
        raise Forbidden("只有调度员或主办部门可以召集合伙人 / only the dispatcher or the lead department may summon")
    partner = load_partner(partner)
    note = case_actions.no_nul((note or "").strip(), "note")[:MAX_TEXT]
    at = case_actions._now(at)
    due = case_actions._date(deadline, "deadline") or deadlines.response_deadline(as_date(at))
    if due < as_date(at):
        raise InvalidInput("报到时限不能早于今天 / deadline is in the past", field="deadline")
    s, _ = PartnerSummons.objects.update_or_create(
        case=case, partner=partner, defaults={"deadline": due, "summoned_at": at, "reported_at": None, "report": ""})
    _event(case, actor, "partner_summoned", note=note, at=at, data={"partner": partner.code, "deadline": due.isoformat()})
    notices.notify("summoned", case, list(partner.contacts.values_list("user_id", flat=True)), at=at, due=due)
    return s


@transaction.atomic
def do_partner_report(actor, case, *, text, at=None):
    """报到: the summoned partner's contact reports on the case."""
    case = case_actions.load_case(case)
    text = case_actions._required_text(text, "text")
    s = PartnerSummons.objects.filter(case=case, partner_id__in=actor.partner_ids()).select_related("partner").first()
    if s is None:
        raise Forbidden("贵单位未被召集到该案件 / your partner was not summoned to this case")
    at = case_actions._now(at)
    updated = PartnerSummons.objects.filter(pk=s.pk, reported_at__isnull=True).update(reported_at=at, report=text)
    if updated != 1:
        raise Conflict("已报到 / already reported")
    _event(case, actor, "partner_reported", note=text, at=at, data={"partner": s.partner.code})
    s.reported_at, s.report = at, text
    return s


@transaction.atomic
def do_meet_with_partners(actor, case, *, minutes, partners, departments=None, at=None):
    """会办 with partners attending: the joint meeting of ``cases.actions.meet``, with the partners."""
    partners = _partners(partners)
    if not partners:
        raise InvalidInput("至少一个合伙人 / name at least one partner", field="partners")
    case = case_actions.meet(actor, case, minutes=minutes, departments=departments, at=at)
    meeting = JointMeeting.objects.filter(case=case).order_by("-held_at", "-id").first()
    for p in partners:
        p.meetings.add(meeting)
    _event(case, actor, "partners_met", note="", at=meeting.held_at, data={"partners": [p.code for p in partners],
                                                                        "meeting": meeting.pk})
    return meeting


# ---- 微心愿 ------------------------------------------------------------------------


@transaction.atomic
def do_register_wish(actor, *, text, region, reporter_name="", reporter_phone="", channel="visit", at=None):
    """A resident's small wish: a case of kind ``wish`` and its open ``Wish``."""
    region = case_actions._region(region, "region")
    if region is None:
        raise InvalidInput("region 必填 / region is required", field="region")
    case = case_actions.register(actor, text=text, channel=channel, kind=Kind.WISH, region=region,
                                 reporter_name=reporter_name, reporter_phone=reporter_phone, at=at,
                                 auto_category=False)
    return Wish.objects.create(case=case, region_path=case.region_path, created_at=case.registered_at)


def load_wish(actor, pk):
    from minqing.people.scoping import visible_cases

    w = Wish.objects.select_related("case", "case__region", "partner").filter(pk=pk).first()
    if w is None:
        raise NotFound("微心愿不存在 / wish not found")
    mine = w.partner_id is not None and w.partner_id in actor.partner_ids()
    # a partner of the wish's region (or above) may look it up: a claim that lost is a 409, not a 404
    regional = Partner.objects.filter(pk__in=actor.partner_ids(), region__path__in=_ancestors(w.region_path)).exists()
    if not (mine or regional or visible_cases(actor, type(w.case).objects.filter(pk=w.case_id)).exists()):
        raise NotFound("微心愿不存在 / wish not found")
    return w


def _ancestors(path):
    parts = [p for p in path.strip("/").split("/") if p]
    return ["/" + "/".join(parts[:i]) + "/" for i in range(1, len(parts) + 1)]


def visible_wishes(actor, qs=None):
    """Wishes in the caller's region scope; a partner's contact sees the open wishes of its region
    (and below) and the ones it claimed."""
    from django.db.models import Q

    qs = Wish.objects.select_related("case", "case__region", "partner") if qs is None else qs
    if actor.is_admin:
        return qs
    cond = region_scope(actor)
    if cond is None:
        return qs
    for p in Partner.objects.filter(pk__in=actor.partner_ids()).select_related("region"):
        cond |= Q(status=Wish.OPEN, region_path__startswith=p.region.path) | Q(partner=p)
    return qs.filter(cond)


@transaction.atomic
def do_claim_wish(actor, wish, *, partner=None, at=None):
    """认领: a partner's contact claims for its partner, a cadre or dispatcher of the region for themself.
    Conditional: only an open wish is claimed; the loser of two claims gets 409 ``already_claimed``."""
    wish = wish if isinstance(wish, Wish) else load_wish(actor, wish)
    mine = actor.partner_ids()
    if partner not in (None, ""):
        p = load_partner(partner)
        if not (p.pk in mine or actor.is_admin or actor.covers_region(wish.case.region, Role.DISPATCHER)):
            raise Forbidden("只能为本单位认领 / you may claim only for your own partner")
    elif mine:
        p = Partner.objects.get(pk=sorted(mine)[0])
    else:
        p = None
        if not actor.covers_region(wish.case.region, Role.CADRE, Role.DISPATCHER):
            raise Forbidden("只有本区划的干部或合伙人可以认领 / only a cadre or partner of the region may claim")
    if p is not None and not wish.region_path.startswith(p.region.path):
        raise Forbidden("心愿不在该合伙人的区划内 / the wish is outside the partner's region")
    at = case_actions._now(at)
    updated = Wish.objects.filter(pk=wish.pk, status=Wish.OPEN).update(
        status=Wish.CLAIMED, partner=p, claimed_by=actor.user, claimed_at=at)
    if updated != 1:
        raise Conflict("心愿已被认领 / the wish was already claimed", code="already_claimed")
    wish.refresh_from_db()
    _event(wish.case, actor, "wish_claimed", at=at, data={"partner": p.code if p else None,
                                                         "by": actor.label})
    return wish


@transaction.atomic
def do_fulfil_wish(actor, wish, *, outcome, at=None):
    """实现: the claimer (its partner's contact, or the cadre who claimed) records what was done."""
    wish = wish if isinstance(wish, Wish) else load_wish(actor, wish)
    outcome = case_actions._required_text(outcome, "outcome")
    if wish.status != Wish.CLAIMED:
        raise IllegalTransition("心愿未被认领或已实现 / the wish is not claimed or already fulfilled",
                                code="illegal_transition")
    claimer = (wish.partner_id is not None and wish.partner_id in actor.partner_ids()) or (
        wish.partner_id is None and actor.user is not None and wish.claimed_by_id == actor.user.pk)
    if not (claimer or actor.is_admin or actor.covers_region(wish.case.region, Role.DISPATCHER)):
        raise Forbidden("只有认领人可以登记实现 / only the claimer may record the wish fulfilled")
    at = case_actions._now(at)
    updated = Wish.objects.filter(pk=wish.pk, status=Wish.CLAIMED).update(
        status=Wish.FULFILLED, fulfilled_at=at, outcome=outcome)
    if updated != 1:
        raise Conflict("心愿已被他人更新 / the wish was changed by someone else")
    wish.refresh_from_db()
    _event(wish.case, actor, "wish_fulfilled", note=outcome, at=at,
           data={"partner": wish.partner.code if wish.partner_id else None})
    return wish


def wish_dict(w, actor):
    from minqing.people.scoping import text_masker

    shown = text_masker(actor, w.case)
    return {"id": w.pk, "case": w.case_id, "tracking_code": w.case.tracking_code, "text": shown(w.case.text),
            "region": w.case.region.code if w.case.region_id else None,
            "region_name": w.case.region.name if w.case.region_id else "",
            "status": w.status, "partner": w.partner.code if w.partner_id else None,
            "partner_name": w.partner.name if w.partner_id else None,
            "claimed_at": w.claimed_at.isoformat() if w.claimed_at else None,
            "fulfilled_at": w.fulfilled_at.isoformat() if w.fulfilled_at else None,
            "outcome": shown(w.outcome), "created_at": w.created_at.isoformat()}
