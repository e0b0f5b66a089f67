"""Every change of a campaign, a submission's review and a typical case: one ``do_*``
function each, in one transaction, writing its event (``CampaignEvent`` /
``TypicalEvent``). Reviews are a compare-and-set on the submission's ``version``: two
reviewers at once get one success and one 409.

Who may do what:
- create and edit a campaign: leaders covering its region, admins;
- review a submission (adopt 采纳, merge into an adopted one, answer, record what became
  of an adopted idea): leaders and dispatchers covering the campaign's region, admins;
- mark a closed case typical (金果子): dispatchers and leaders covering the case, admins.
"""

import datetime as dt
import re

from django.db import IntegrityError, transaction
from django.utils import timezone

from minqing.cases.actions import _category, _choice, _region, no_nul
from minqing.cases.errors import Conflict, Forbidden, IllegalTransition, InvalidInput, NotFound
from minqing.cases.models import Case, Kind, State
from minqing.people.models import Role

from .models import Campaign, CampaignCase, CampaignEvent, Review, TypicalCase, TypicalEvent

EDIT_ROLES = (Role.LEADER,)
REVIEW_ROLES = (Role.LEADER, Role.DISPATCHER)
TYPICAL_ROLES = (Role.LEADER, Role.DISPATCHER)
SLUG_RE = re.compile(r"^[a-z0-9][a-z0-9-]{1,62}[a-z0-9]$")
MAX_TITLE = 200
MAX_DESCRIPTION = 5000
MAX_TARGET_GROUPS = 300
MAX_TOPIC = 100
MAX_ANSWER = 5000
MAX_CATEGORIES = 50
MAX_TYPICAL_TITLE = 100
MAX_WRITEUP = 2000
MAX_PERIOD_DAYS = 3 * 366


def _now(at=None):
    return at or timezone.now()


def _text(value, field, max_len, *, required=False):
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise InvalidInput(f"{field} 应为文本 / {field} must be a text", field=field)
    value = no_nul(value.strip(), field)
    if required and not value:
        raise InvalidInput(f"{field} 必填 / {field} is required", field=field)
    if len(value) > max_len:
        raise InvalidInput(f"{field} 过长（最多 {max_len} 字）/ {field} is longer than {max_len} characters",
                           field=field)
    return value


def _day(value, field):
    if value in (None, ""):
        raise InvalidInput(f"{field} 必填 / {field} is required", field=field)
    if isinstance(value, dt.datetime):
        value = value.date()
    if not isinstance(value, dt.date):
        try:
            value = dt.date.fromisoformat(str(value))
        except ValueError:
            raise InvalidInput(f"{field} 日期格式应为 YYYY-MM-DD / {field} must be a date", field=field) from None
    if not dt.date(1900, 1, 1) <= value <= dt.date(2999, 12, 31):
        raise InvalidInput(f"{field} 超出范围 / {field} out of range", field=field)
    return value


def _event(campaign, action, actor, at, link=None, **data):
    CampaignEvent.objects.create(campaign=campaign, link=link, action=action, actor=actor.user,
                                 actor_label=actor.label[:150], at=at, data=data)


def may_edit(actor, region=None):
    """Leaders (of the region, or of any region when none is given yet) and admins."""
    if actor.is_admin:
        return True
    if region is None:
        return any(m.role in EDIT_ROLES for m in actor.memberships)
    return actor.covers_region(region, *EDIT_ROLES)


def may_review(actor, campaign):
    if actor.is_admin:
        return True
    if campaign.region_id is None:
        return any(m.role in REVIEW_ROLES and m.region_id is None for m in actor.memberships)
    return actor.covers_region(campaign.region, *REVIEW_ROLES)


def _fields(*, title, region, starts, ends, kind, description, categories, target_groups):
    title = _text(title, "title", MAX_TITLE, required=True)
    region = _region(region)
    if region is None:
        raise InvalidInput("region 必填 / region is required", field="region")
    starts, ends = _day(starts, "starts"), _day(ends, "ends")
    if ends < starts:
        raise InvalidInput("结束日期不能早于开始日期 / ends must not be before starts", field="ends")
    if (ends - starts).days > MAX_PERIOD_DAYS:
        raise InvalidInput("征集期最长三年 / a campaign lasts at most three years", field="ends")
    kind = _choice(kind, Kind, "kind")
    description = _text(description, "description", MAX_DESCRIPTION)
    target_groups = _text(target_groups, "target_groups", MAX_TARGET_GROUPS)
    if categories is None:
        categories = []
    if isinstance(categories, str):
        categories = [c for c in re.split(r"[\s,，;；]+", categories) if c]
    if len(categories) > MAX_CATEGORIES:
        raise InvalidInput(f"类别最多 {MAX_CATEGORIES} 个 / at most {MAX_CATEGORIES} categories", field="categories")
    cats = []
    for c in categories:
        try:
            cat = _category(c)
        except InvalidInput as e:
            raise InvalidInput(e.message, field="categories") from None
        if cat is not None and cat not in cats:
            cats.append(cat)
    return dict(title=title, region=region, starts=starts, ends=ends, kind=kind, description=description,
                target_groups=target_groups), cats


@transaction.atomic
def do_create_campaign(actor, *, slug, title, region, starts, ends, kind="suggestion", description="",
                       categories=(), target_groups="", at=None):
    """A new campaign; 409 ``conflict`` when the slug is taken."""
    if not may_edit(actor):
        raise Forbidden("只有领导或管理员可以发起征集活动 / only leaders and admins create campaigns")
    slug = _text(slug, "slug", 64, required=True)
    if not SLUG_RE.match(slug):
        raise InvalidInput("标识只能由小写字母、数字和连字符组成（3–64 位）/ slug: 3-64 of a-z, 0-9 and -",
                           field="slug")
    values, cats = _fields(title=title, region=region, starts=starts, ends=ends, kind=kind,
                           description=description, categories=categories, target_groups=target_groups)
    if not may_edit(actor, values["region"]):
        raise Forbidden("无权在该区域发起征集活动 / the region is outside your scope")
    if Campaign.objects.filter(slug=slug).exists():
        raise Conflict("标识已被使用 / slug is taken", field="slug")
    at = _now(at)
    try:
        with transaction.atomic():
            campaign = Campaign.objects.create(slug=slug, created_at=at, created_by=actor.user, active=True,
                                               category=cats[0] if len(cats) == 1 else None, **values)
    except IntegrityError:  # the same slug a moment earlier
        raise Conflict("标识已被使用 / slug is taken", field="slug") from None
    campaign.categories.set(cats)
    _event(campaign, "create", actor, at, slug=slug, title=campaign.title)
    return campaign


@transaction.atomic
def do_edit_campaign(actor, campaign, *, title, region, starts, ends, kind, description="", categories=(),
                     target_groups="", active=True, at=None):
    if not may_edit(actor, campaign.region):
        raise Forbidden("无权修改该征集活动 / only leaders of its region and admins edit a campaign")
    values, cats = _fields(title=title, region=region, starts=starts, ends=ends, kind=kind,
                           description=description, categories=categories, target_groups=target_groups)
    if not may_edit(actor, values["region"]):
        raise Forbidden("无权在该区域发起征集活动 / the region is outside your scope")
    at = _now(at)
    changed = [k for k, v in values.items() if getattr(campaign, k) != v]
    for k, v in values.items():
        setattr(campaign, k, v)
    if campaign.active != bool(active):
        changed.append("active")
    campaign.active = bool(active)
    campaign.category = cats[0] if len(cats) == 1 else None
    campaign.updated_at = at
    campaign.save()
    campaign.categories.set(cats)
    _event(campaign, "edit", actor, at, changed=changed)
    return campaign


def find_open_campaign(slug, field="campaign"):
    """The campaign a submission names, open today; 422 otherwise."""
    if not isinstance(slug, str) or not slug or len(slug) > 64 or "\x00" in slug:
        raise InvalidInput("征集活动不存在 / unknown campaign", field=field)
    campaign = Campaign.objects.filter(slug=slug).first()
    if campaign is None:
        raise InvalidInput("征集活动不存在 / unknown campaign", field=field)
    if not campaign.is_open():
        raise InvalidInput("征集活动未在征集期内 / the campaign is not open", field=field)
    return campaign


@transaction.atomic
def do_link_submission(campaign, case, *, actor=None, at=None):
    """A case raised through the campaign (portal or API) becomes one of its submissions."""
    at = _now(at)
    link = CampaignCase.objects.create(campaign=campaign, case=case)
    CampaignEvent.objects.create(campaign=campaign, link=link, action="submit",
                                 actor=getattr(actor, "user", None), actor_label=getattr(actor, "label", "")[:150],
                                 at=at, data={"case": case.pk, "channel": case.channel})
    return link


def _review(actor, link, to_status, *, at, expect=(Review.PENDING,), **values):
    campaign = link.campaign
    if not may_review(actor, campaign):
        raise Forbidden("无权审阅该征集活动的建议 / the campaign is outside your scope")
    if link.status not in expect:
        raise IllegalTransition(f"该建议状态为“{Review(link.status).label}”，不能这样处理 / "
                                f"the submission is {link.status}")
    values.update(status=to_status, reviewed_at=at, reviewed_by=actor.user, version=link.version + 1)
    updated = CampaignCase.objects.filter(pk=link.pk, version=link.version, status=link.status).update(**values)
    if not updated:
        raise Conflict("该建议已被他人处理，请刷新 / someone reviewed it a moment ago", code="conflict")
    for k, v in values.items():
        setattr(link, k, v)
    return link


def _id(value):
    """A database id from a page's or the API's input, or None (not a number, or past bigint)."""
    text = str(value).strip() if isinstance(value, (int, str)) else ""
    return int(text) if text.isdigit() and len(text) <= 18 and int(text) > 0 else None


def load_link(campaign, link_id):
    pk = _id(link_id)
    link = (CampaignCase.objects.select_related("campaign__region", "case").filter(campaign=campaign, pk=pk)
            .first() if pk else None)
    if link is None:
        raise NotFound("建议不存在 / submission not found")
    return link


@transaction.atomic
def do_adopt(actor, link, *, note="", topic="", at=None):
    """采纳: the idea is taken up; ``note`` is the public answer (what will be done)."""
    at = _now(at)
    note = _text(note, "note", MAX_ANSWER)
    topic = _text(topic, "topic", MAX_TOPIC)
    values = {"answer": note}
    if topic:
        values["topic"] = topic
    _review(actor, link, Review.ADOPTED, at=at, **values)
    _event(link.campaign, "adopt", actor, at, link=link, topic=link.topic)
    return link


@transaction.atomic
def do_merge(actor, link, *, into, at=None):
    """Merge a submission into an adopted one of the same campaign (the same idea)."""
    at = _now(at)
    if not isinstance(into, CampaignCase):
        pk = _id(into)
        into = CampaignCase.objects.filter(campaign=link.campaign, pk=pk).first() if pk else None
    if into is None or into.campaign_id != link.campaign_id:
        raise InvalidInput("要合并到的建议不存在 / unknown submission to merge into", field="into")
    if into.pk == link.pk:
        raise InvalidInput("不能合并到自己 / a submission cannot be merged into itself", field="into")
    if into.status != Review.ADOPTED:
        raise InvalidInput("只能合并到已采纳的建议 / merge only into an adopted submission", field="into")
    _review(actor, link, Review.MERGED, at=at, merged_into=into, topic=into.topic)
    _event(link.campaign, "merge", actor, at, link=link, into=into.pk)
    return link


@transaction.atomic
def do_answer(actor, link, *, text, topic="", at=None):
    """答复: thanked and answered, not adopted."""
    at = _now(at)
    text = _text(text, "text", MAX_ANSWER, required=True)
    topic = _text(topic, "topic", MAX_TOPIC)
    values = {"answer": text}
    if topic:
        values["topic"] = topic
    _review(actor, link, Review.ANSWERED, at=at, **values)
    _event(link.campaign, "answer", actor, at, link=link)
    return link


@transaction.atomic
def do_record_outcome(actor, link, *, text, implemented, at=None):
    """What became of an adopted idea (落实情况), and whether it is implemented."""
    at = _now(at)
    text = _text(text, "text", MAX_ANSWER, required=True)
    _review(actor, link, Review.ADOPTED, at=at, expect=(Review.ADOPTED,), outcome=text,
            implemented=bool(implemented))
    _event(link.campaign, "outcome", actor, at, link=link, implemented=bool(implemented))
    return link


# ---- 金果子: typical cases ------------------------------------------------------------------

def may_mark_typical(actor, case):
    if actor.is_admin:
        return True
    return actor.covers_region(case.region or case.owner_region, *TYPICAL_ROLES)


@transaction.atomic
def do_mark_typical(actor, case, *, title, writeup, at=None):
    """A dispatcher or leader marks a closed case as typical, with a short public write-up."""
    at = _now(at)
    if not isinstance(case, Case):
        pk = _id(case)
        case = Case.objects.select_related("region", "owner_region").filter(pk=pk).first() if pk else None
        if case is None:
            raise NotFound("案件不存在 / case not found")
    if not may_mark_typical(actor, case):
        raise Forbidden("只有覆盖该案件的调度员或领导可以标记典型案例 / only dispatchers and leaders of its "
                        "region mark a typical case")
    if case.state != State.CLOSED:
        raise IllegalTransition("只有已销号的案件可以标记为典型案例 / only a closed case can be typical")
    title = _text(title, "title", MAX_TYPICAL_TITLE, required=True)
    writeup = _text(writeup, "writeup", MAX_WRITEUP, required=True)
    try:
        with transaction.atomic():
            row = TypicalCase.objects.create(case=case, title=title, writeup=writeup, marked_by=actor.user,
                                             marked_at=at)
    except IntegrityError:
        raise Conflict("该案件已是典型案例 / the case is already typical") from None
    TypicalEvent.objects.create(case=case, action="mark_typical", actor=actor.user, actor_label=actor.label[:150],
                                at=at, data={"title": title})
    return row


@transaction.atomic
def do_unmark_typical(actor, case, *, at=None):
    at = _now(at)
    row = TypicalCase.objects.select_related("case__region", "case__owner_region").filter(case=case).first()
    if row is None:
        raise NotFound("该案件不是典型案例 / the case is not typical")
    if not may_mark_typical(actor, row.case):
        raise Forbidden("无权取消该典型案例 / outside your scope")
    TypicalEvent.objects.create(case=row.case, action="unmark_typical", actor=actor.user,
                                actor_label=actor.label[:150], at=at, data={"title": row.title})
    row.delete()
