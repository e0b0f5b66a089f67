"""Open311 GeoReport v2 (http://wiki.open311.org/GeoReport_v2), with the
page/page_size extension and FixMyStreet's ``servicerequestupdates``.

Mapping to minqing:

- a service is an active ``Category`` (service_code = its code); its definition's
  attributes are ``ServiceAttribute`` rows, edited per category in the admin;
- a jurisdiction is a region (``jurisdiction_id`` = the region code); when the
  deployment serves one, ``jurisdiction_id`` may be left out;
- a service request is a ``Case``: ``service_request_id`` is the case id,
  ``status`` is open until the case is closed (or merged/invalid), the lead
  department is ``agency_responsible``, the deadline ``expected_datetime``, the
  latest public answer (the handling result) ``status_notes``, and the address
  falls back to the region path's names;
- POST registers through ``minqing.cases.actions.register`` (channel
  ``open311``) as ``Actor.system("open311:<client>")``.

No reporter name, phone or e-mail is ever part of a response, and every free text
(description, status_notes, address, update descriptions) goes through ``mask_text``.
"""

import datetime as dt
import json
import re
import secrets

from django.conf import settings
from django.db import transaction
from django.http import HttpResponse
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from lxml import etree

from minqing.cases import actions
from minqing.cases.errors import ActionError
from minqing.cases.models import Case, Category, Event, State
from minqing.people.scoping import Actor, mask_text
from minqing.regions.models import Region

from .models import Datatype, Jurisdiction, Open311Client, Open311Submission, ServiceAttribute

SPEC_URL = "http://wiki.open311.org/GeoReport_v2"
CONTENT_TYPES = {"xml": "text/xml; charset=utf-8", "json": "application/json; charset=utf-8"}
DEFAULT_WINDOW_DAYS = 90
MAX_WINDOW_DAYS = 90
DEFAULT_PAGE_SIZE = 1000
MAX_PAGE_SIZE = 1000
OPEN311_KIND = "complaint"
CLOSED_STATES = (State.CLOSED, State.MERGED, State.INVALID)
HIDDEN_STATES = (State.INVALID,)

# list element name -> name of each item in XML
XML_ITEMS = {
    "attributes": "attribute",
    "values": "value",
    "endpoints": "endpoint",
    "formats": "format",
}


class Open311Error(Exception):
    def __init__(self, status, description):
        super().__init__(description)
        self.status = status
        self.description = description


# ---- rendering -----------------------------------------------------------------------


def iso(value):
    """W3C/ISO 8601 with the time zone, e.g. 2024-03-05T14:30:00+08:00."""
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return timezone.localtime(value).isoformat(timespec="seconds")
    if isinstance(value, dt.date):  # a deadline day: due by the end of that day
        end = dt.datetime.combine(value, dt.time(23, 59, 59), tzinfo=timezone.get_current_timezone())
        return end.isoformat(timespec="seconds")
    return str(value)


XML_UNSAFE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffe\uffff\ud800-\udfff]")


def _text(value):
    """Element text; characters XML 1.0 cannot carry (control characters a client may
    have sent in a description) become U+FFFD instead of breaking the document."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    return XML_UNSAFE.sub("\ufffd", str(value))


def _xml_fill(parent, key, value):
    el = etree.SubElement(parent, key)
    if isinstance(value, dict):
        for k, v in value.items():
            _xml_fill(el, k, v)
    elif isinstance(value, list):
        child = XML_ITEMS.get(key, "item")
        for item in value:
            _xml_fill(el, child, item) if not isinstance(item, dict) else _xml_dict(el, child, item)
    else:
        text = _text(value)
        if text is not None:
            el.text = text
    return el


def _xml_dict(parent, name, data):
    el = etree.SubElement(parent, name)
    for k, v in data.items():
        _xml_fill(el, k, v)
    return el


def to_xml(root, data, item=None):
    """``data`` is a dict (rendered as the root's children) or a list of dicts
    (each rendered as an ``item`` element under the root)."""
    el = etree.Element(root)
    if isinstance(data, list):
        for d in data:
            _xml_dict(el, item, d)
    else:
        for k, v in data.items():
            _xml_fill(el, k, v)
    return etree.tostring(el, xml_declaration=True, encoding="utf-8")


def respond(fmt, data, root=None, item=None, status=200):
    if fmt == "json":
        body = json.dumps(data, ensure_ascii=False).encode()
    else:
        body = to_xml(root, data, item)
    return HttpResponse(body, status=status, content_type=CONTENT_TYPES[fmt])


def error_response(fmt, status, description):
    errors = [{"code": status, "description": description}]
    if fmt not in CONTENT_TYPES:
        fmt = "xml"
    return respond(fmt, errors, "errors", "error", status=status)


# ---- jurisdictions -----------------------------------------------------------------


def jurisdictions():
    rows = list(Jurisdiction.objects.select_related("region"))
    if rows:
        return [j.region for j in rows]
    return list(Region.objects.filter(parent__isnull=True).order_by("code"))


def resolve_jurisdiction(value):
    regions = jurisdictions()
    value = (value or "").strip()
    if not value:
        if len(regions) == 1:
            return regions[0]
        if not regions:
            raise Open311Error(404, "没有可用的辖区 / this server has no jurisdiction configured")
        raise Open311Error(400, "必须提供 jurisdiction_id / jurisdiction_id is required: this server serves several")
    for r in regions:
        if r.code == value:
            return r
    raise Open311Error(404, f"辖区不存在 / jurisdiction_id not found: {value}")


# ---- discovery and services ------------------------------------------------------------


def discovery(request):
    base = request.build_absolute_uri("/open311/v2/")
    first = Jurisdiction.objects.exclude(contact="").first()
    changeset = iso(timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0))
    return {
        "changeset": changeset,
        "contact": first.contact if first else "",
        "key_service": (first.key_service if first else "") or "minqing open311 key add NAME",
        "endpoints": [
            {
                "specification": SPEC_URL,
                "url": base,
                "changeset": changeset,
                "type": "production",
                "formats": ["text/xml", "application/json"],
            }
        ],
    }


def _services_qs():
    return Category.objects.filter(active=True).select_related("parent").order_by("position", "code")


def service_list():
    with_attrs = set(
        ServiceAttribute.objects.filter(variable=True).values_list("category_id", flat=True).distinct()
    )
    out = []
    for c in _services_qs():
        keywords = ",".join(k for k in c.keywords.replace("；", ";").replace(";", " ").split() if k)
        out.append(
            {
                "service_code": c.code,
                "service_name": c.name,
                "description": c.description or c.name_en or c.name,
                "metadata": c.pk in with_attrs,
                "type": "realtime",
                "keywords": keywords,
                "group": c.parent.name if c.parent_id else "",
            }
        )
    return out


def _service(code):
    cat = _services_qs().filter(code=code).first()
    return cat


def service_definition(code):
    cat = _service(code)
    if cat is None:
        raise Open311Error(404, f"服务不存在 / service_code not found: {code}")
    attrs = []
    for a in ServiceAttribute.objects.filter(category=cat).order_by("order", "id"):
        item = {
            "variable": a.variable,
            "code": a.code,
            "datatype": a.datatype,
            "required": a.required,
            "datatype_description": a.datatype_description,
            "order": a.order,
            "description": a.description,
        }
        if a.datatype in (Datatype.SINGLEVALUELIST, Datatype.MULTIVALUELIST):
            item["values"] = [{"key": str(v.get("key")), "name": str(v.get("name", v.get("key")))}
                              for v in a.values or [] if isinstance(v, dict)]
        attrs.append(item)
    return {"service_code": cat.code, "attributes": attrs}


# ---- requests: the public view of a case --------------------------------------------------


# the one masking rule (minqing.people.masking): phones, ID and card numbers, e-mails and
# marked names inside every free text a request or an update carries, the address included
public_text = mask_text


def open_closed(state):
    return "closed" if state in CLOSED_STATES else "open"


def _region_names(cases):
    codes = set()
    for c in cases:
        codes.update(x for x in (c.region_path or "").strip("/").split("/") if x)
    return dict(Region.objects.filter(code__in=codes).values_list("code", "name"))


def request_dict(case, names, submission=None):
    path_codes = [x for x in (case.region_path or "").strip("/").split("/") if x]
    region_address = "".join(names.get(c, "") for c in path_codes)
    address = case.address or region_address
    if case.address and region_address and not case.address.startswith(region_address[:2]):
        address = f"{region_address} {case.address}"
    sub = submission
    return {
        "service_request_id": str(case.pk),
        "status": open_closed(case.state),
        "status_notes": public_text(case.result),
        "service_name": case.category.name if case.category_id else "",
        "service_code": case.category.code if case.category_id else "",
        "description": public_text(case.text),
        "agency_responsible": case.lead_department.name if case.lead_department_id else "",
        "service_notice": "",
        "requested_datetime": iso(case.registered_at),
        "updated_datetime": iso(case.updated_at),
        "expected_datetime": iso(case.deadline),
        "address": public_text(address),
        "address_id": (sub.address_id if sub and sub.address_id else (case.region.code if case.region_id else "")),
        "zipcode": "",
        "lat": case.lat,
        "long": case.lng,
        "media_url": sub.media_url if sub else "",
    }


def _case_qs(jurisdiction):
    return (
        Case.objects.filter(region_path__startswith=jurisdiction.path)
        .exclude(state__in=HIDDEN_STATES)
        .select_related("category", "lead_department", "region")
    )


def _submissions(cases):
    return {s.case_id: s for s in Open311Submission.objects.filter(case__in=[c.pk for c in cases])}


def parse_when(value, field):
    value = (value or "").strip()
    if not value:
        return None
    try:
        when = parse_datetime(value.replace(" ", "+") if "T" in value and " " in value else value)
    except ValueError:
        when = None
    if when is None:
        day = None
        try:
            day = parse_date(value)
        except ValueError:
            pass
        if day is None:
            raise Open311Error(400, f"{field} 应为 W3C 日期时间，如 2010-01-01T00:00:00Z / {field} must be a W3C datetime")
        when = dt.datetime.combine(day, dt.time.min)
    if timezone.is_naive(when):
        when = timezone.make_aware(when)
    return when


def _int_param(params, name, default, lo, hi):
    raw = (params.get(name) or "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise Open311Error(400, f"{name} 应为整数 / {name} must be an integer") from None
    if not lo <= value <= hi:
        raise Open311Error(400, f"{name} 应在 {lo}–{hi} 之间 / {name} must be between {lo} and {hi}")
    return value


ID_RE = re.compile(r"^[0-9]{1,18}$")  # ASCII digits that fit a 64-bit key


def _is_id(value):
    return bool(ID_RE.match(str(value)))


def _split(value):
    return [v.strip() for v in (value or "").split(",") if v.strip()]


def list_requests(params):
    jurisdiction = resolve_jurisdiction(params.get("jurisdiction_id"))
    qs = _case_qs(jurisdiction)
    page = _int_param(params, "page", 1, 1, 10**6)
    page_size = _int_param(params, "page_size", DEFAULT_PAGE_SIZE, 1, MAX_PAGE_SIZE)
    ids = _split(params.get("service_request_id"))
    if ids:
        # "This overrides all other arguments."
        if not all(_is_id(i) for i in ids):
            raise Open311Error(400, "service_request_id 应为逗号分隔的编号 / service_request_id must be ids, comma separated")
        qs = qs.filter(pk__in=[int(i) for i in ids])
    else:
        codes = _split(params.get("service_code"))
        if codes:
            known = set(Category.objects.filter(code__in=codes).values_list("code", flat=True))
            unknown = [c for c in codes if c not in known]
            if unknown:
                raise Open311Error(400, f"service_code 不存在 / unknown service_code: {', '.join(unknown)}")
            qs = qs.filter(category__code__in=codes)
        start = parse_when(params.get("start_date"), "start_date")
        end = parse_when(params.get("end_date"), "end_date")
        window = dt.timedelta(days=DEFAULT_WINDOW_DAYS)
        if start is None and end is None:
            end = timezone.now()
            start = end - window
        elif start is None:
            start = end - window
        elif end is None:
            end = start + window
        if end < start:
            raise Open311Error(400, "end_date 早于 start_date / end_date is before start_date")
        if end - start > dt.timedelta(days=MAX_WINDOW_DAYS):
            raise Open311Error(400, f"日期范围不能超过{MAX_WINDOW_DAYS}天 / the date range may not span more than {MAX_WINDOW_DAYS} days")
        qs = qs.filter(registered_at__gte=start, registered_at__lte=end)
        statuses = _split(params.get("status"))
        for s in statuses:
            if s not in ("open", "closed"):
                raise Open311Error(400, "status 只能是 open 或 closed / status must be open or closed")
        if statuses and set(statuses) != {"open", "closed"}:
            if statuses[0] == "open":
                qs = qs.exclude(state__in=CLOSED_STATES)
            else:
                qs = qs.filter(state__in=CLOSED_STATES)
    qs = qs.order_by("-registered_at", "-id")
    rows = list(qs[(page - 1) * page_size : page * page_size])
    names = _region_names(rows)
    subs = _submissions(rows)
    return [request_dict(c, names, subs.get(c.pk)) for c in rows]


def get_request(request_id, params):
    jurisdiction = resolve_jurisdiction(params.get("jurisdiction_id"))
    if not _is_id(request_id):
        raise Open311Error(404, f"服务请求不存在 / service_request_id not found: {request_id}")
    case = _case_qs(jurisdiction).filter(pk=int(request_id)).first()
    if case is None:
        raise Open311Error(404, f"服务请求不存在 / service_request_id not found: {request_id}")
    return [request_dict(case, _region_names([case]), _submissions([case]).get(case.pk))]


def get_token(token, params):
    resolve_jurisdiction(params.get("jurisdiction_id"))
    sub = Open311Submission.objects.filter(token=token).first()
    if sub is None:
        raise Open311Error(404, f"token 不存在 / token not found: {token}")
    return [{"service_request_id": str(sub.case_id), "token": sub.token}]


# ---- FixMyStreet's servicerequestupdates ---------------------------------------------------

UPDATE_STATUS = {
    "register": "open",
    "assign": "action_scheduled",
    "accept": "in_progress",
    "return": "open",
    "escalate": None,
    "meet": "in_progress",
    "whistle": None,
    "report": None,
    "supervise": None,
    "extend": None,
    "approve_extension": None,
    "handle": "fixed",
    "progress": "in_progress",
    "visit_back": None,
    "close_by_rule": "closed",
    "reopen": "in_progress",
    "merge": "duplicate",
    "merge_in": None,
    "invalidate": "closed",
    "categorize": None,
    "locate": None,
    "unmerge": "open",
    "merge_undone": None,
}

UPDATE_TEXT = {
    "register": "已受理登记 / request registered",
    "assign": "已交办承办单位 / assigned to the responsible department",
    "accept": "承办单位已签收，正在办理 / accepted by the department, in progress",
    "return": "退回重新交办 / returned for reassignment",
    "escalate": "已上报上级统筹办理 / escalated to a higher level",
    "meet": "多部门会办 / joint meeting of departments held",
    "whistle": "吹哨召集相关部门 / departments summoned",
    "report": "相关部门已报到 / a summoned department reported",
    "supervise": "已督办 / supervision order issued",
    "extend": "申请延期 / deadline extension requested",
    "approve_extension": "延期审批 / deadline extension decided",
    "progress": "办理进展 / progress",
    "visit_back": "回访 / return visit",
    "close_by_rule": "已按规定销号 / closed by rule",
    "reopen": "重新办理 / reopened",
    "merge": "与已有诉求合并 / merged into an earlier request",
    "merge_in": "有相同诉求并入 / a duplicate was merged in",
    "invalidate": "不予受理 / not accepted",
    "categorize": "已确定问题分类 / category set",
    "locate": "已确定问题地点 / place set",
    "unmerge": "撤销合并，单独办理 / no longer merged: handled on its own",
    "merge_undone": "并入的诉求已分开办理 / a merged request was separated again",
}


def _status_after(event, disposition):
    if event.action == "handle":
        return "fixed" if (event.data or {}).get("disposition") == "solved" else "no_further_action"
    if event.action == "visit_back":
        if event.to_state == State.CLOSED:
            return "closed"
        if event.to_state == State.REOPENED:
            return "in_progress"
    status = UPDATE_STATUS.get(event.action)
    if status:
        return status
    return "closed" if event.to_state in CLOSED_STATES else ("open" if event.to_state == State.REGISTERED else "in_progress")


def update_dict(event):
    if event.action in ("handle", "progress"):  # a progress note reaches here only when marked public
        description = public_text(event.note)
    else:
        description = UPDATE_TEXT.get(event.action, event.action)
    return {
        "update_id": str(event.pk),
        "service_request_id": str(event.case_id),
        "status": _status_after(event, None),
        "updated_datetime": iso(event.at),
        "description": description,
        "media_url": "",
    }


def list_updates(params):
    jurisdiction = resolve_jurisdiction(params.get("jurisdiction_id"))
    start = parse_when(params.get("start_date"), "start_date")
    end = parse_when(params.get("end_date"), "end_date")
    if start is None and end is None:
        end = timezone.now()
        start = end - dt.timedelta(days=DEFAULT_WINDOW_DAYS)
    page = _int_param(params, "page", 1, 1, 10**6)
    page_size = _int_param(params, "page_size", DEFAULT_PAGE_SIZE, 1, MAX_PAGE_SIZE)
    qs = Event.objects.filter(
        public=True, case__region_path__startswith=jurisdiction.path
    ).exclude(case__state__in=HIDDEN_STATES)
    if start is not None:
        qs = qs.filter(at__gte=start)
    if end is not None:
        qs = qs.filter(at__lte=end)
    ids = _split(params.get("service_request_id"))
    if ids:
        if not all(_is_id(i) for i in ids):
            raise Open311Error(400, "service_request_id 应为编号 / service_request_id must be ids")
        qs = qs.filter(case_id__in=[int(i) for i in ids])
    rows = qs.order_by("at", "id")[(page - 1) * page_size : page * page_size]
    return [update_dict(e) for e in rows]


# ---- POST requests ---------------------------------------------------------------------------


def _post_attributes(post):
    """attribute[code]=v, attribute[code][]=v1&attribute[code][]=v2 (or the key repeated)."""
    out = {}
    for key in post.keys():
        if not key.startswith("attribute[") or not key.endswith("]"):
            continue
        inner = key[len("attribute[") :]
        multi = inner.endswith("][]")
        code = inner[:-3] if multi else inner[:-1]
        if not code or "[" in code or "]" in code:
            raise Open311Error(400, f"属性参数格式不正确 / malformed attribute parameter: {key}")
        values = [v for v in post.getlist(key)]
        if multi or len(values) > 1:
            out.setdefault(code, [])
            if not isinstance(out[code], list):
                out[code] = [out[code]]
            out[code].extend(values)
        else:
            out[code] = values[0]
    return out


def _validate_attributes(category, given):
    defs = {a.code: a for a in ServiceAttribute.objects.filter(category=category)}
    unknown = [c for c in given if c not in defs or not defs[c].variable]
    if unknown:
        raise Open311Error(400, f"该服务没有此属性 / unknown attribute for this service: {', '.join(sorted(unknown))}")
    clean = {}
    for code, a in sorted(defs.items(), key=lambda kv: (kv[1].order, kv[0])):
        if not a.variable:
            continue
        value = given.get(code)
        values = value if isinstance(value, list) else ([value] if value not in (None, "") else [])
        values = [str(v).strip() for v in values if str(v).strip()]
        if not values:
            if a.required:
                raise Open311Error(400, f"缺少必填属性 / required attribute missing: {code}")
            continue
        if a.datatype != Datatype.MULTIVALUELIST and len(values) > 1:
            raise Open311Error(400, f"属性只能有一个值 / attribute takes a single value: {code}")
        if a.datatype == Datatype.NUMBER:
            try:
                float(values[0])
            except ValueError:
                raise Open311Error(400, f"属性应为数字 / attribute must be a number: {code}") from None
            clean[code] = values[0]
        elif a.datatype == Datatype.DATETIME:
            clean[code] = iso(parse_when(values[0], f"attribute[{code}]"))
        elif a.datatype in (Datatype.SINGLEVALUELIST, Datatype.MULTIVALUELIST):
            keys = a.value_keys()
            bad = [v for v in values if v not in keys]
            if bad:
                raise Open311Error(400, f"属性取值无效 / invalid value for attribute {code}: {', '.join(bad)}")
            clean[code] = values if a.datatype == Datatype.MULTIVALUELIST else values[0]
        else:
            limit = 5000 if a.datatype == Datatype.TEXT else 500
            if len(values[0]) > limit:
                raise Open311Error(400, f"属性过长 / attribute too long: {code}")
            clean[code] = values[0]
    return clean, defs


def _region_for(jurisdiction, address_id, address_string):
    """The deepest region of the jurisdiction named by address_id (a region code) or
    whose name appears in the address string; else the jurisdiction itself."""
    subtree = Region.objects.filter(path__startswith=jurisdiction.path)
    if address_id:
        r = subtree.filter(code=address_id).first()
        if r is not None:
            return r
    if address_string:
        text = address_string[:120]
        names = sorted({text[i:j] for i in range(len(text)) for j in range(i + 2, min(len(text), i + 16) + 1)})
        best = None
        for k in range(0, len(names), 500):
            for r in subtree.filter(name__in=names[k : k + 500]):
                if best is None or (r.depth, len(r.name)) > (best.depth, len(best.name)):
                    best = r
        if best is not None:
            return best
    return jurisdiction


def _float(post, name, lo, hi):
    raw = (post.get(name) or "").strip()
    if not raw:
        return None
    try:
        value = float(raw)
    except ValueError:
        raise Open311Error(400, f"{name} 应为数字 / {name} must be a number") from None
    if not lo <= value <= hi or value != value:
        raise Open311Error(400, f"{name} 超出范围 / {name} out of range")
    return value


def rate_limited(client):
    limit = int(getattr(settings, "MINQING_OPEN311_RATE_PER_MINUTE", 120))
    since = timezone.now() - dt.timedelta(minutes=1)
    return Open311Submission.objects.filter(client=client, created_at__gte=since).count() >= limit


def post_request(post):
    client = Open311Client.authenticate((post.get("api_key") or "").strip())
    if client is None:
        raise Open311Error(403, "api_key 缺失或无效 / api_key was not provided or is invalid")
    jurisdiction = resolve_jurisdiction(post.get("jurisdiction_id"))
    code = (post.get("service_code") or "").strip()
    if not code:
        raise Open311Error(400, "缺少 service_code / service_code is required")
    category = _service(code)
    if category is None:
        raise Open311Error(400, f"服务不存在 / service_code not found: {code}")
    if rate_limited(client):
        raise Open311Error(429, "请求过于频繁，请稍后再试 / too many requests, slow down")
    lat = _float(post, "lat", -90, 90)
    lng = _float(post, "long", -180, 180)
    if (lat is None) != (lng is None):
        raise Open311Error(400, "lat 与 long 须同时提供 / lat and long go together")
    address_string = (post.get("address_string") or "").strip()
    address_id = (post.get("address_id") or "").strip()
    if lat is None and not address_string and not address_id:
        raise Open311Error(400, "须提供位置：lat/long、address_string 或 address_id / a location is required: lat & long, address_string or address_id")
    if len(address_string) > 300 or len(address_id) > 100:
        raise Open311Error(400, "地址过长 / address too long")
    attributes, defs = _validate_attributes(category, _post_attributes(post))
    description = (post.get("description") or "").strip()
    if len(description) > 4000:
        raise Open311Error(400, "description 过长 / description is longer than 4000 characters")
    text = description or category.name
    extra = []
    for c, v in attributes.items():
        label = defs[c].description.split("\n")[0][:40] or c
        extra.append(f"{label}: {', '.join(v) if isinstance(v, list) else v}")
    if extra:
        text = text + "\n" + "\n".join(extra)
    first, last = (post.get("first_name") or "").strip(), (post.get("last_name") or "").strip()
    cjk = any("\u4e00" <= ch <= "\u9fff" for ch in first + last)
    name = (last + first) if cjk else " ".join(p for p in (first, last) if p)
    phone = (post.get("phone") or "").strip()
    media_url = (post.get("media_url") or "").strip()
    if media_url and not media_url.startswith(("http://", "https://")):
        raise Open311Error(400, "media_url 应为 http(s) 地址 / media_url must be an http(s) URL")
    region = _region_for(jurisdiction, address_id, address_string)
    actor = Actor.system(f"open311:{client.name}")
    try:
        with transaction.atomic():
            case = actions.register(
                actor,
                text=text,
                channel="open311",
                kind=OPEN311_KIND,
                category=category,
                region=region,
                address=address_string,
                reporter_name=name[:100],
                reporter_phone=phone,
                anonymous=not (name or phone),
                lat=lat,
                lng=lng,
            )
            sub = Open311Submission.objects.create(
                case=case,
                client=client,
                token=secrets.token_urlsafe(18),
                jurisdiction=jurisdiction.code,
                attributes=attributes,
                address_id=address_id,
                email=(post.get("email") or "").strip()[:200],
                device_id=(post.get("device_id") or "").strip()[:100],
                account_id=(post.get("account_id") or "").strip()[:100],
                media_url=media_url[:500],
            )
    except ActionError as e:
        field = {"lng": "long", "reporter_phone": "phone", "text": "description"}.get(e.field, e.field)
        raise Open311Error(400, f"{field}: {e.message}" if field else e.message) from None
    notice = "已受理，请凭编号查询进度 / received; use service_request_id to follow it"
    out = {"service_request_id": str(case.pk), "token": sub.token, "service_notice": notice}
    if sub.account_id:
        out["account_id"] = sub.account_id
    return [out]


__all__ = [
    "Open311Error",
    "discovery",
    "service_list",
    "service_definition",
    "list_requests",
    "get_request",
    "get_token",
    "list_updates",
    "post_request",
    "respond",
    "error_response",
]
