"""Every change of a safety patrol (安全先锋行), in one place.

Like ``minqing.cases.actions``: each function takes the acting ``Actor`` first, validates
everything before writing and runs in one transaction. ``do_record_patrol`` writes the patrol
and its items and registers every failed item as a case (channel ``patrol``, the item's
category) through ``minqing.cases.actions.register`` in the same transaction: a bad item
leaves neither the patrol nor any case behind. A retried POST with the same client key
returns the first patrol and registers nothing.
"""

import datetime as dt
import re

from django.db import IntegrityError, transaction
from django.utils import timezone

from minqing import images
from minqing.cases import actions as case_actions
from minqing.cases.errors import Forbidden, InvalidInput, NotFound
from minqing.cases.models import Attachment, Channel, Kind
from minqing.people.models import Profile, Role
from minqing.people.scoping import mask_text, region_scope, text_masker
from minqing.visits import actions as visit_actions

from .models import Checklist, Patrol, PatrolItem, PatrolPhoto

MAX_NOTE = 2000
MAX_ITEMS = 200
MAX_PHOTOS = 30
MAX_PHOTO_BYTES = 10 * 1024 * 1024
EARLIEST = dt.date(2000, 1, 1)
CLIENT_KEY = re.compile(r"^[A-Za-z0-9._:-]{1,64}$")


def _checklist(value):
    if isinstance(value, Checklist):
        return value
    if value in (None, ""):
        raise InvalidInput("checklist 必填 / checklist is required", field="checklist")
    c = Checklist.objects.filter(code=str(value), active=True).first()
    if c is None:
        raise InvalidInput(f"检查表不存在 / unknown checklist: {value}", field="checklist")
    return c


def _items(checklist, items):
    """[(ChecklistItem, ok, note)] for every active item of the checklist, each answered once."""
    if not isinstance(items, (list, tuple)) or not items:
        raise InvalidInput("items 必填 / items are required", field="items")
    if len(items) > MAX_ITEMS:
        raise InvalidInput(f"检查项过多 / at most {MAX_ITEMS} items", field="items")
    known = {i.code: i for i in checklist.items.filter(active=True).select_related("category")}
    out, seen = [], set()
    for n, row in enumerate(items):
        field = f"items.{n}"
        if not isinstance(row, dict):
            raise InvalidInput(f"{field} 应为 {{item, ok, note}} / must be an object", field=field)
        code = str(row.get("item") or "")
        item = known.get(code)
        if item is None:
            raise InvalidInput(f"检查项不存在 / unknown item: {code}", field=f"{field}.item")
        if code in seen:
            raise InvalidInput(f"检查项重复 / item given twice: {code}", field=f"{field}.item")
        seen.add(code)
        ok = row.get("ok")
        if not isinstance(ok, bool):
            raise InvalidInput("ok 应为 true 或 false / ok must be true or false", field=f"{field}.ok")
        note = case_actions.no_nul((row.get("note") or "").strip(), f"{field}.note")
        if len(note) > MAX_NOTE:
            raise InvalidInput(f"备注过长 / note longer than {MAX_NOTE} characters", field=f"{field}.note")
        out.append((item, ok, note))
    missing = [c for c in known if c not in seen]
    if missing:
        raise InvalidInput(f"未填写的检查项 / items not answered: {', '.join(missing)}", field="items")
    return out


def hazard_text(checklist, item, note, subject=None):
    place = f"{subject.name}: " if subject is not None else ""
    text = f"【安全先锋行·{checklist.name}】{place}{item.text} —— 不符合"
    return f"{text}。{note}" if note else text


def may_manage(actor, region):
    return actor.is_admin or actor.covers_region(region, Role.DISPATCHER)


def do_record_patrol(actor, *, cadre, region, date, checklist, items, subject=None, notes="", client_key="",
                     at=None):
    """安全巡查: record one patrol; every failed item becomes a case. Returns ``(patrol, created)``."""
    client_key = (client_key or "").strip()
    if client_key and not CLIENT_KEY.match(client_key):
        raise InvalidInput("client_key 应为1-64位字母数字 / client_key: 1-64 letters, digits, . _ : -",
                           field="client_key")
    if client_key and actor.user is not None:
        done = Patrol.objects.filter(recorded_by=actor.user, client_key=client_key).first()
        if done is not None:
            return done, False
    try:
        with transaction.atomic():
            return _record(actor, cadre=cadre, region=region, date=date, checklist=checklist, items=items,
                           subject=subject, notes=notes, client_key=client_key if actor.user else "", at=at), True
    except IntegrityError:
        # two retries at once: the other one wrote the patrol (the client key is unique per recorder)
        done = Patrol.objects.filter(recorded_by=actor.user, client_key=client_key).first() if client_key else None
        if done is None:
            raise
        return done, False


def _record(actor, *, cadre, region, date, checklist, items, subject, notes, client_key, at):
    cadre = visit_actions._cadre(cadre)
    region = case_actions._region(region, "region")
    if region is None:
        raise InvalidInput("region 必填 / region is required", field="region")
    if subject not in (None, ""):
        subject = visit_actions._subjects([subject], "subject")[0]
        if not subject.region.path.startswith(region.path):
            raise InvalidInput("对象不在该区划内 / the subject is outside the region", field="subject")
        region = subject.region
    else:
        subject = None
    date = case_actions._date(date, "date")
    if date is None:
        raise InvalidInput("date 必填 / date is required", field="date")
    if date > timezone.localdate() or date < EARLIEST:
        raise InvalidInput("巡查日期不能晚于今天 / date cannot be in the future", field="date")
    checklist = _checklist(checklist)
    rows = _items(checklist, items)
    notes = case_actions.no_nul((notes or "").strip(), "notes")
    if len(notes) > MAX_NOTE:
        raise InvalidInput(f"备注过长 / notes longer than {MAX_NOTE} characters", field="notes")
    own = actor.user is not None and actor.user.pk == cadre.pk
    if not (own or may_manage(actor, region)):
        raise Forbidden("只能登记本人的巡查 / you may record only your own patrols")
    patrol = Patrol.objects.create(
        cadre=cadre, region=region, region_path=region.path, subject=subject, checklist=checklist, date=date,
        notes=notes, client_key=client_key, recorded_by=actor.user, created_at=case_actions._now(at),
        hazards=sum(1 for _, ok, _n in rows if not ok),
    )
    profile = Profile.objects.filter(user=cadre).first()
    name = ((profile.display_name if profile else "") or cadre.get_username())[:100]
    phone = profile.phone if profile and profile.phone and case_actions.PHONE_RE.match(profile.phone) else ""
    for item, ok, note in rows:
        case = None
        if not ok:
            # the patrolling cadre is the case's reporter: the return visit asks them whether it is fixed
            case = case_actions.register(
                actor, text=hazard_text(checklist, item, note, subject), channel=Channel.PATROL, kind=Kind.REPORT,
                category=item.category, region=region, address=subject.address if subject else "",
                reporter_name=name, reporter_phone=phone, at=at,
            )
        PatrolItem.objects.create(patrol=patrol, item=item, ok=ok, note=note, case=case)
    return patrol


@transaction.atomic
def do_add_photo(actor, patrol, upload, *, item=None, at=None):
    """A photo of the patrol (of one checked item when ``item`` is its code); a photo of a failed
    item is attached to its case too (not public), so the handler sees the hazard."""
    patrol = patrol if isinstance(patrol, Patrol) else load_patrol(actor, patrol)
    own = actor.user is not None and actor.user.pk in (patrol.cadre_id, patrol.recorded_by_id)
    if not (own or may_manage(actor, patrol.region)):
        raise Forbidden("只能为本人的巡查上传照片 / you may add photos only to your own patrols")
    row = None
    if item not in (None, ""):
        row = patrol.items.select_related("item", "case").filter(item__code=str(item)).first()
        if row is None:
            raise InvalidInput(f"检查项不存在 / unknown item: {item}", field="item")
    if patrol.photos.count() >= MAX_PHOTOS:
        raise InvalidInput(f"照片过多(最多{MAX_PHOTOS}) / at most {MAX_PHOTOS} photos", field="file")
    try:
        clean = images.clean_image(upload, max_bytes=MAX_PHOTO_BYTES)
    except images.ImageRefused as e:
        message = {"too_large": "照片过大(最大10MB) / photo larger than 10 MB",
                   "too_many_pixels": "照片像素过多 / photo has too many pixels"}.get(
            e.reason, "只接受 JPEG/PNG/GIF/WebP 照片 / only JPEG, PNG, GIF or WebP photos")
        raise InvalidInput(message, field="file") from None
    at = case_actions._now(at)
    photo = PatrolPhoto.objects.create(patrol=patrol, item=row, file=clean, content_type=clean.content_type,
                                       size=clean.size, uploaded_by=actor.user, uploaded_at=at)
    if row is not None and row.case_id:
        clean.seek(0)
        Attachment.objects.create(case=row.case, file=clean, content_type=clean.content_type, size=clean.size,
                                  uploaded_at=at)
    return photo


# ---- reading -----------------------------------------------------------------------


def visible_patrols(actor, qs=None):
    qs = Patrol.objects.all() if qs is None else qs
    if actor.is_admin:
        return qs
    cond = region_scope(actor)
    if cond is None:
        return qs
    if actor.user is not None:
        from django.db.models import Q

        cond |= Q(cadre=actor.user) | Q(recorded_by=actor.user)
    return qs.filter(cond)


def load_patrol(actor, pk):
    p = visible_patrols(actor, Patrol.objects.select_related("region", "checklist", "cadre__profile", "subject")) \
        .filter(pk=pk).first()
    if p is None:
        raise NotFound("巡查记录不存在 / patrol not found")
    return p


def patrol_dict(patrol, actor):
    name, unit = visit_actions.person(patrol.cadre)
    items = list(patrol.items.select_related("item__category", "case", "case__region", "case__owner_region"))
    subject = None
    if patrol.subject_id:
        s = patrol.subject
        full = visit_actions.can_see_subject_contact(actor, s)
        subject = {"external_id": s.external_id, "kind": s.kind, "name": visit_actions.display_name(s, full)}
    shown = (lambda t: t or "") if subject is None or visit_actions.can_see_subject_contact(actor, patrol.subject) \
        else mask_text
    return {
        "id": patrol.pk,
        "cadre": patrol.cadre.get_username(),
        "cadre_name": name,
        "cadre_unit": unit,
        "region": patrol.region.code,
        "region_name": patrol.region.name,
        "subject": subject,
        "date": patrol.date.isoformat(),
        "checklist": patrol.checklist.code,
        "checklist_name": patrol.checklist.name,
        "notes": shown(patrol.notes),
        "hazards": patrol.hazards,
        "items": [
            {"item": r.item.code, "text": r.item.text, "category": r.item.category.code, "ok": r.ok,
             "note": text_masker(actor, r.case)(r.note) if r.case_id else shown(r.note),
             "case": ({"id": r.case.pk, "tracking_code": r.case.tracking_code, "state": r.case.state}
                      if r.case_id else None)}
            for r in items
        ],
        "photos": [{"id": p.pk, "item": p.item.item.code if p.item_id else None, "content_type": p.content_type,
                    "size": p.size} for p in patrol.photos.select_related("item__item")],
    }
