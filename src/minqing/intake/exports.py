"""Exports to CSV and XLSX: any filtered case list (问题清单), the task list (任务清单),
the effect list (效果清单), and the figures with the department ranking.

Rows come from querysets iterated in chunks, so memory stays flat however many
cases there are. CSV is streamed as it is produced (UTF-8 with a BOM, so Excel
reads the Chinese). XLSX is streamed too: its ZIP is written to an unseekable
sink (data descriptors instead of a rewritten header) and each batch of rows
leaves as soon as it is compressed, so the first bytes go out at once and
memory stays flat however long the list (``tests/intake`` reads the files back
with openpyxl).

What a row shows is decided by the exporter: cases are the ones
``visible_cases`` lets them see, and the reporter's name and phone are masked
unless ``Actor.can_see_contact`` allows them for that case. Every cell goes through
``minqing.tabular.safe_row`` on its way out, so no text becomes a formula.
"""

import csv
import datetime as dt
import re
import zipfile
from xml.sax.saxutils import escape

from django.db.models import Prefetch, Q
from django.http import StreamingHttpResponse
from django.utils import timezone

from minqing.cases.errors import InvalidInput
from minqing.cases.models import AlertLevel, Case, Channel, Effect, Kind, State, Task
from minqing.insights import figures
from minqing.people.scoping import mask_name, mask_phone, mask_text, text_masker, visible_cases
from minqing.regions.models import Department, Region
from minqing.tabular import safe_row

FORMATS = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
CHUNK = 2000


def _t(value):
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return str(value.astimezone(timezone.get_current_timezone()).replace(tzinfo=None))[:19]
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, bool):
        return "是" if value else "否"
    return value


_LABELS = {}


def _label(choices, value):
    """The display label of a choice (translated once per export, not once per cell)."""
    if not value:
        return ""
    table = _LABELS.get(choices)
    if table is None:
        table = _LABELS[choices] = {}
    if value not in table:
        try:
            table[value] = str(choices(value).label)
        except ValueError:
            table[value] = value
    return table[value]


# ---- the case list -------------------------------------------------------------------------------


def filter_cases(actor, state=None, channel=None, kind=None, category=None, region=None, department=None,
                 alert_level=None, q=None, tracking_code=None, date_from=None, date_to=None):
    """The case list an exporter asked for: their visible cases, narrowed by the
    same filters the case list of the API takes."""
    qs = visible_cases(actor, Case.objects.all())
    if state:
        states = [s.strip() for s in state.split(",") if s.strip()]
        bad = [s for s in states if s not in State.values]
        if bad:
            raise InvalidInput(f"状态无效 / unknown state: {', '.join(bad)}", field="state")
        qs = qs.filter(state__in=states)
    for name, value, choices in (("channel", channel, Channel), ("kind", kind, Kind),
                                 ("alert_level", alert_level, AlertLevel)):
        if value:
            if value not in choices.values:
                raise InvalidInput(f"{name} 取值无效 / {name} must be one of {', '.join(choices.values)}", field=name)
            if name == "alert_level":
                from minqing.supervision.alerts import shown_level_q

                qs = qs.filter(shown_level_q(value))  # the level the file shows: live while open
            else:
                qs = qs.filter(**{name: value})
    if tracking_code:
        qs = qs.filter(tracking_code=tracking_code.strip().upper())
    if category:
        qs = qs.filter(category__code=category)
    if department:
        if not Department.objects.filter(code=department).exists():
            raise InvalidInput(f"部门不存在 / unknown department: {department}", field="department")
        qs = qs.filter(Q(lead_department__code=department) | Q(co_departments__code=department)).distinct()
    if region:
        r = Region.objects.filter(code=region).first()
        if r is None:
            raise InvalidInput(f"区划不存在 / unknown region: {region}", field="region")
        qs = qs.filter(region_path__startswith=r.path)
    if q:
        qs = qs.filter(Q(text__icontains=q) | Q(address__icontains=q) | Q(tracking_code=q.strip().upper()))
    tz = timezone.get_current_timezone()
    if date_from:
        qs = qs.filter(registered_at__gte=dt.datetime.combine(date_from, dt.time.min, tzinfo=tz))
    if date_to:
        qs = qs.filter(registered_at__lt=dt.datetime.combine(date_to + dt.timedelta(days=1), dt.time.min, tzinfo=tz))
    return qs


CASE_HEADERS = [
    "查询码 / tracking_code", "外部编号 / external_id", "状态 / state", "渠道 / channel", "诉求类型 / kind",
    "问题分类 / category", "区划 / region", "地址 / address", "内容 / text", "反映人 / reporter_name",
    "联系电话 / reporter_phone", "匿名 / anonymous", "办理方式 / mode", "主办部门 / lead_department",
    "协办部门 / co_departments", "办理时限 / deadline", "预警 / alert_level", "登记时间 / registered_at",
    "交办时间 / assigned_at", "签收时间 / accepted_at", "按时签收 / accepted_on_time", "办结时间 / handled_at",
    "按期办结 / handled_on_time", "处置结论 / disposition", "办理结果 / result", "销号时间 / closed_at",
    "满意度 / rating", "评分 / score", "重办次数 / reopen_count",
]


def case_rows(actor, qs):
    from minqing.cases.models import Disposition, Mode, Rating
    from minqing.supervision.alerts import alert_level

    qs = qs.select_related("category", "region", "owner_region", "lead_department").prefetch_related("co_departments")
    qs = qs.order_by("-registered_at", "-id")
    _LABELS.clear()  # labels follow the exporter's language
    alerts = {}
    for c in qs.iterator(chunk_size=CHUNK):
        full = actor.can_see_contact(c)
        shown = text_masker(actor, c)
        if c.is_open:
            if c.deadline not in alerts:
                alerts[c.deadline] = alert_level(c.deadline)
            live = alerts[c.deadline]
        else:
            live = c.alert_level
        yield [
            c.tracking_code, c.external_id, _label(State, c.state), _label(Channel, c.channel), _label(Kind, c.kind),
            c.category.name if c.category_id else "", c.region.name if c.region_id else "", shown(c.address),
            shown(c.text),
            c.reporter_name if full else mask_name(c.reporter_name),
            c.reporter_phone if full else mask_phone(c.reporter_phone),
            _t(c.anonymous), _label(Mode, c.mode), c.lead_department.name if c.lead_department_id else "",
            "、".join(d.name for d in c.co_departments.all()), _t(c.deadline), _label(AlertLevel, live),
            _t(c.registered_at), _t(c.assigned_at), _t(c.accepted_at), _t(c.accepted_on_time), _t(c.handled_at),
            _t(c.handled_on_time), _label(Disposition, c.disposition), shown(c.result), _t(c.closed_at),
            _label(Rating, c.last_rating), _t(c.last_score), c.reopen_count,
        ]


# ---- the task and effect lists -------------------------------------------------------------------------

TASK_HEADERS = ["编号 / id", "任务 / title", "承办部门 / department", "状态 / status", "期限 / due",
                "创建时间 / created_at", "完成时间 / done_at", "完成情况 / outcome", "关联案件 / cases"]
EFFECT_HEADERS = ["查询码 / tracking_code", "问题分类 / category", "区划 / region", "主办部门 / lead_department",
                  "办理成效 / what_was_done", "确认人 / confirmed_by", "确认时间 / confirmed_at",
                  "销号依据 / rule", "满意度 / rating", "评分 / score"]


def visible_tasks(actor):
    qs = Task.objects.select_related("department", "partner")
    if actor.is_admin:
        return qs
    case_ids = visible_cases(actor, Case.objects.all()).values("pk")
    return qs.filter(Q(department_id__in=actor.department_ids()) | Q(cases__in=case_ids)).distinct()


def task_rows(actor, status=None, department=None):
    qs = visible_tasks(actor)
    if status:
        if status not in (Task.OPEN, Task.DONE):
            raise InvalidInput("status 只能是 open 或 done / status must be open or done", field="status")
        qs = qs.filter(status=status)
    if department:
        qs = qs.filter(department__code=department)
    qs = qs.prefetch_related(Prefetch("cases", Case.objects.select_related("region", "owner_region")))
    qs = qs.order_by("-created_at", "-id")
    for t in qs.iterator(chunk_size=CHUNK):
        cases = t.cases.all()
        # title and outcome as written only for one who may see every linked case's contact data
        shown = (lambda text: text or "") if all(actor.can_see_contact(c) for c in cases) else mask_text
        yield [t.pk, shown(t.title), t.department.name if t.department_id else t.partner.name, "已完成" if t.status == Task.DONE else "进行中", _t(t.due),
               _t(t.created_at), _t(t.done_at), shown(t.outcome), "、".join(c.tracking_code for c in cases)]


def effect_rows(actor):
    from minqing.cases.models import CloseRule, Rating

    case_ids = visible_cases(actor, Case.objects.filter(state=State.CLOSED)).values("pk")
    qs = (Effect.objects.filter(case__in=case_ids)
          .select_related("case__category", "case__region", "case__owner_region", "case__lead_department")
          .order_by("-confirmed_at", "-id"))
    for e in qs.iterator(chunk_size=CHUNK):
        c = e.case
        yield [c.tracking_code, c.category.name if c.category_id else "", c.region.name if c.region_id else "",
               c.lead_department.name if c.lead_department_id else "", text_masker(actor, c)(e.what_was_done),
               e.confirmed_by,
               _t(e.confirmed_at), _label(CloseRule, e.rule), _label(Rating, e.rating), _t(e.score)]


# ---- figures ------------------------------------------------------------------------------------------

FIGURE_LABELS = [
    ("intake", "受理量 / intake"),
    ("response_rate", "响应率 / response rate"),
    ("completion_rate", "办结率 / completion rate"),
    ("on_time_rate", "按期办结率 / on-time rate"),
    ("resolution_rate", "解决率 / resolution rate"),
    ("satisfaction_rate", "满意率 / satisfaction rate"),
    ("mean_score", "平均评分 / mean score"),
    ("reopen_rate", "重办率 / reopen rate"),
]
FIGURE_HEADERS = ["指标 / figure", "数值 / value"]
RANKING_HEADERS = ["名次 / rank", "部门 / department", "受理量 / intake", "响应率 / response rate",
                   "办结率 / completion rate", "按期办结率 / on-time rate", "解决率 / resolution rate",
                   "满意率 / satisfaction rate", "平均评分 / mean score", "重办率 / reopen rate"]


def figure_rows(scope):
    data = figures.compute(scope)
    rows = [[label, data[key] if data[key] is not None else ""] for key, label in FIGURE_LABELS]
    for key, value in data["counts"].items():
        rows.append([f"计数 / count: {key}", value])
    for key, value in scope.as_dict().items():
        rows.append([f"范围 / scope: {key}", value or ""])
    return rows


def ranking_rows(scope, order_by="completion_rate"):
    for item in figures.department_ranking(scope, order_by):
        yield [item["rank"], item["name"]] + [
            "" if item[k] is None else item[k]
            for k in ("intake", "response_rate", "completion_rate", "on_time_rate", "resolution_rate",
                      "satisfaction_rate", "mean_score", "reopen_rate")
        ]


# ---- writers ----------------------------------------------------------------------------------------------


class _Echo:
    def write(self, value):
        return value


def _csv_stream(sheets):
    """One CSV: the first sheet's table (CSV has one table; further sheets follow after a blank line)."""
    writer = csv.writer(_Echo())
    yield "\ufeff".encode()
    buf = []
    for i, (_, headers, rows) in enumerate(sheets):
        if i:
            buf.append("\r\n")
        buf.append(writer.writerow(safe_row(headers)))
        for r in rows:
            buf.append(writer.writerow(safe_row(r)))
            if len(buf) >= 500:
                yield "".join(buf).encode()
                buf = []
    if buf:
        yield "".join(buf).encode()


class _Sink:
    """A write-only, unseekable file for zipfile: what is written waits in memory
    until the generator hands it to the response."""

    def __init__(self):
        self.parts = []

    def write(self, b):
        self.parts.append(bytes(b))
        return len(b)

    def flush(self):
        pass

    def take(self):
        out, self.parts = b"".join(self.parts), []
        return out


XLSX_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG_REL_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
XML_HEAD = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
XML_UNSAFE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
STYLES = (
    f'{XML_HEAD}<styleSheet xmlns="{XLSX_NS}"><fonts count="2"><font><sz val="11"/><name val="Calibri"/></font>'
    '<font><b/><sz val="11"/><name val="Calibri"/></font></fonts>'
    '<fills count="2"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/>'
    '</fill></fills><borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
    '<cellXfs count="2"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
    '<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/></cellXfs></styleSheet>'
)


def _column_letters(n):
    from openpyxl.utils import get_column_letter

    return [get_column_letter(i) for i in range(1, n + 1)]


def _cell_xml(ref, value, style=""):
    if value is None:
        value = ""  # written, so every row has the header's width for readers that do not pad
    if isinstance(value, bool):
        value = "是" if value else "否"
    if isinstance(value, (int, float)) and value == value and value not in (float("inf"), float("-inf")):
        return f'<c r="{ref}"{style}><v>{value}</v></c>'
    text = escape(XML_UNSAFE.sub("\ufffd", str(value)), {"\r": "&#13;"})  # a bare CR would be read as LF
    return f'<c r="{ref}"{style} t="inlineStr"><is><t xml:space="preserve">{text}</t></is></c>'


def _xlsx_stream(sheets):
    """A real stream: the workbook's parts and its sheets' rows go into a ZIP written to
    an unseekable sink (zipfile then uses data descriptors), handed out as they come.
    The first bytes leave before the first row is read; memory stays flat."""
    sink = _Sink()
    zf = zipfile.ZipFile(sink, "w", compression=zipfile.ZIP_DEFLATED, allowZip64=True)
    n = len(sheets)
    types = "".join(
        f'<Override PartName="/xl/worksheets/sheet{i}.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
        for i in range(1, n + 1)
    )
    zf.writestr("[Content_Types].xml", (
        f'{XML_HEAD}<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        '<Override PartName="/xl/workbook.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
        '<Override PartName="/xl/styles.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
        f'{types}</Types>'
    ))
    zf.writestr("_rels/.rels", (
        f'{XML_HEAD}<Relationships xmlns="{PKG_REL_NS}"><Relationship Id="rId1" '
        f'Type="{REL_NS}/officeDocument" Target="xl/workbook.xml"/></Relationships>'
    ))
    sheet_els = "".join(
        f'<sheet name="{escape(title[:31])}" sheetId="{i}" r:id="rId{i}"/>'
        for i, (title, _, _) in enumerate(sheets, 1)
    )
    zf.writestr("xl/workbook.xml", (
        f'{XML_HEAD}<workbook xmlns="{XLSX_NS}" xmlns:r="{REL_NS}"><sheets>{sheet_els}</sheets></workbook>'
    ))
    rels = "".join(
        f'<Relationship Id="rId{i}" Type="{REL_NS}/worksheet" Target="worksheets/sheet{i}.xml"/>'
        for i in range(1, n + 1)
    )
    zf.writestr("xl/_rels/workbook.xml.rels", (
        f'{XML_HEAD}<Relationships xmlns="{PKG_REL_NS}">{rels}'
        f'<Relationship Id="rId{n + 1}" Type="{REL_NS}/styles" Target="styles.xml"/></Relationships>'
    ))
    zf.writestr("xl/styles.xml", STYLES)
    yield sink.take()
    for i, (_, headers, rows) in enumerate(sheets, 1):
        letters = _column_letters(max(len(headers), 1) + 10)
        with zf.open(f"xl/worksheets/sheet{i}.xml", "w", force_zip64=True) as f:
            f.write(f'{XML_HEAD}<worksheet xmlns="{XLSX_NS}"><sheetViews><sheetView workbookViewId="0">'
                    '<pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/></sheetView>'
                    '</sheetViews><sheetData>'.encode())
            cells = "".join(_cell_xml(f"{letters[c]}1", h, ' s="1"') for c, h in enumerate(safe_row(headers)))
            f.write(f'<row r="1">{cells}</row>'.encode())
            buf = []
            for r, row in enumerate(rows, 2):
                row = safe_row(row)
                if len(row) > len(letters):
                    letters = _column_letters(len(row))
                buf.append(f'<row r="{r}">' + "".join(_cell_xml(f"{letters[c]}{r}", v) for c, v in enumerate(row))
                           + "</row>")
                if len(buf) >= 500:
                    f.write("".join(buf).encode())
                    buf = []
                    chunk = sink.take()
                    if chunk:
                        yield chunk
            f.write(("".join(buf) + "</sheetData></worksheet>").encode())
        yield sink.take()
    zf.close()
    yield sink.take()


def response(fmt, filename, sheets):
    """A streaming download of ``sheets`` = [(title, headers, row iterator), …]."""
    if fmt not in FORMATS:
        raise InvalidInput("格式应为 csv 或 xlsx / format must be csv or xlsx", field="format")
    stream = _csv_stream(sheets) if fmt == "csv" else _xlsx_stream(sheets)
    resp = StreamingHttpResponse(stream, content_type=FORMATS[fmt])
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    resp["Content-Disposition"] = f'attachment; filename="{filename}-{stamp}.{fmt}"'
    resp["Cache-Control"] = "no-store"
    return resp
