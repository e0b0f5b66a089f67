"""Import of cases from hotline (12345) and other systems' XLSX/CSV exports.

    minqing import cases FILE [--mapping MAPPING.toml] [--on-error refuse|skip]

A TOML mapping names the file's columns and translates its values (see
``mappings/12345.toml``, the default). Each row becomes one case in the right
state with the events that got it there: the lifecycle is *replayed* —
register, assign, accept, handle, return visit / close by rule, invalidate —
with the row's own times, so deadlines, on-time flags, alert levels and every
figure come out as if the case had been worked in minqing.

Two engines apply the same replay plan (``plan()``):

- ``actions``: calls ``minqing.cases.actions`` step by step (used for rows that
  update an existing case, and available for any file);
- ``bulk``: for new cases, computes the fields and events those same actions
  would write and inserts them in batches. ``tests/intake`` proves the two give
  identical cases, events, return visits and effects for the same file. The
  bulk engine does not send ``event_recorded`` for replayed history (so
  webhooks do not re-announce years of old events) and notifies a department
  only of imported cases still waiting for it to accept them.

Re-importing a file never duplicates: a row whose external id (工单编号) is
already a case moves that case forward to the row's state (through the
actions layer) or leaves it alone. Bad rows are reported with their
spreadsheet row number; ``on_error="refuse"`` imports nothing if any row is
bad, ``"skip"`` imports the good ones.
"""

import datetime as dt
import json
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from django.db import transaction
from django.utils import timezone

from minqing.cases import actions
from minqing.cases.errors import ActionError
from minqing.cases.models import (
    SATISFIED_RATINGS,
    Case,
    Category,
    Channel,
    CloseRule,
    Disposition,
    Effect,
    Event,
    Kind,
    Mode,
    Rating,
    ReturnVisit,
    State,
)
from minqing.people.models import Membership, Notification, Role
from minqing.people.scoping import Actor
from minqing.regions.importers import ImportFailed
from minqing.regions.models import Department, Level, Region
from minqing.supervision import deadlines
from minqing.supervision.alerts import alert_level, as_date
from minqing.tabular import (
    NO_DATA_ROWS,
    RowErrors,
    TableError,
    _csv_limit,
    check_cell,
    csv_text,
    field_max_length,
)

DEFAULT_MAPPING = Path(__file__).with_name("mappings") / "12345.toml"
FIELDS = (
    "external_id", "registered_at", "text", "kind", "category", "region", "address", "reporter_name",
    "reporter_phone", "department", "state", "assigned_at", "accepted_at", "deadline", "handled_at", "result",
    "disposition", "visited_at", "rating", "score", "invalid_reason",
)
ORDER = {State.REGISTERED: 0, State.ASSIGNED: 1, State.IN_PROGRESS: 2, State.HANDLED: 3,
         State.CLOSED: 4, State.REOPENED: 4, State.INVALID: 1}
DATE_RE = re.compile(
    r"^\s*(\d{4})\s*[-/年.]\s*(\d{1,2})\s*[-/月.]\s*(\d{1,2})\s*日?"
    r"(?:[\sT]*(\d{1,2})\s*[:时点]\s*(\d{1,2})\s*(?:[:分]\s*(\d{1,2})\s*秒?)?\s*分?)?\s*$"
)
COMPACT_RE = re.compile(r"^\s*(\d{4})(\d{2})(\d{2})(?:(\d{2})(\d{2})(\d{2})?)?\s*$")
BATCH = 2000
# the longest text each field may hold: its column's max_length, or the actions layer's limit
CELL_LIMITS = {
    "external_id": field_max_length(Case, "external_id"),
    "text": actions.MAX_TEXT,
    "address": field_max_length(Case, "address"),
    "reporter_name": field_max_length(Case, "reporter_name"),
    "reporter_phone": field_max_length(Case, "reporter_phone"),
    "result": actions.MAX_TEXT,
    "invalid_reason": actions.MAX_TEXT,
}
KINDS = frozenset(Kind.values)
RATINGS = frozenset(Rating.values)
DISPOSITIONS = frozenset(Disposition.values)


# ---- mapping -------------------------------------------------------------------------------


@dataclass
class Mapping:
    columns: dict
    values: dict = field(default_factory=dict)
    channel: str = Channel.HOTLINE
    default_kind: str = Kind.COMPLAINT
    default_disposition: str = Disposition.SOLVED
    default_result: str = "已办结（导入，原系统未记录答复内容）"
    invalid_reason: str = "原系统标记为无效工单（导入）"
    sheet: str | None = None
    present: dict = field(default_factory=dict)  # field -> the column of this file that holds it

    @classmethod
    def load(cls, path=None):
        path = Path(path) if path else DEFAULT_MAPPING
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise ImportFailed(f"映射文件不存在 / mapping file not found: {path}") from None
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as e:
            raise ImportFailed(f"映射文件格式错误 / bad mapping file {path}: {e}") from None
        columns = data.get("columns") or {}
        unknown = [k for k in columns if k not in FIELDS]
        if unknown:
            raise ImportFailed(f"映射文件中的字段未知 / unknown field(s) in [columns]: {', '.join(unknown)}")
        for needed in ("external_id", "registered_at", "text"):
            if needed not in columns:
                raise ImportFailed(f"映射文件必须给出 {needed} 列 / [columns] must name the {needed} column")
        opts = data.get("options") or {}
        m = cls(columns={k: (v if isinstance(v, list) else [v]) for k, v in columns.items()},
                values={k: {str(a): str(b) for a, b in v.items()} for k, v in (data.get("values") or {}).items()})
        for key in ("channel", "default_kind", "default_disposition", "default_result", "invalid_reason", "sheet"):
            if key in opts:
                setattr(m, key, opts[key])
        if m.channel not in Channel.values:
            raise ImportFailed(f"options.channel 无效 / options.channel must be one of {', '.join(Channel.values)}")
        return m

    def value(self, field_name, raw):
        table = self.values.get(field_name) or {}
        return table.get(raw, raw)


# ---- reading ----------------------------------------------------------------------------------


def _cell(v):
    if v is None:
        return ""
    if isinstance(v, (dt.datetime, dt.date)):
        return v
    if isinstance(v, float) and v.is_integer():
        v = int(v)
    return str(v).strip()


def _xlsx_rows_fast(path, sheet):
    """The sheet's rows through python-calamine (a Rust reader; 5× faster than the lxml
    reader it replaced, see bench/xlsx_libs.py). Whole numbers come as ints, date cells as
    datetimes (``parse_datetime`` reads both them and Excel serials), booleans as
    TRUE/FALSE; a merged range's empty cells take its top-left value, as in ``_xlsx_rows``."""
    from python_calamine import CalamineWorkbook

    wb = CalamineWorkbook.from_path(str(path))
    try:
        if sheet and sheet not in wb.sheet_names:
            raise TableError(f"工作表不存在 / no sheet named {sheet}")
        ws = wb.get_sheet_by_name(sheet) if sheet else wb.get_sheet_by_index(0)
        rows = ws.to_python(skip_empty_area=False)
        merged = ws.merged_cell_ranges or []
    finally:
        wb.close()
    for (r0, c0), (r1, c1) in merged:
        anchor = rows[r0][c0] if r0 < len(rows) and c0 < len(rows[r0]) else ""
        for r in range(r0, min(r1, len(rows) - 1) + 1):
            row = rows[r]
            for c in range(c0, c1 + 1):
                if c < len(row) and row[c] == "":
                    row[c] = anchor
    for number, row in enumerate(rows, 1):
        yield number, [_cell(("TRUE" if v else "FALSE") if isinstance(v, bool) else v) for v in row]


def _csv_rows(path):
    import csv
    import io

    _csv_limit()
    for number, row in enumerate(csv.reader(io.StringIO(csv_text(Path(path).read_bytes()))), 1):
        yield number, [v.strip() for v in row]


def read_table(path, mapping):
    """(header, [(row_number, {column: value})]); the header is the first row that
    names at least two of the mapping's columns (exports often start with a title row)."""
    path = Path(path)
    if not path.exists():
        raise TableError(f"文件不存在 / file not found: {path}")
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        rows = _xlsx_rows_fast(path, mapping.sheet)
    elif suffix in (".csv", ".txt"):
        rows = _csv_rows(path)
    else:
        raise TableError(f"不支持的文件类型 {suffix}，请用 .csv 或 .xlsx / unsupported file type {suffix}")
    wanted = {c for cols in mapping.columns.values() for c in cols}
    header, out = None, []
    try:
        yield_rows = list(rows)
    except TableError:
        raise
    except Exception as e:  # noqa: BLE001 - a damaged workbook fails in calamine
        raise TableError(f"无法读取文件 / cannot read the file: {type(e).__name__}: {e}") from None
    if not any(v != "" for _, values in yield_rows for v in values):
        raise TableError(NO_DATA_ROWS)
    for number, values in yield_rows:
        if header is None:
            names = [str(v).strip() if v != "" else "" for v in values]
            if len(wanted.intersection(names)) >= 2:
                header = names
            elif number > 20:
                break
            continue
        if not any(v != "" for v in values):
            continue
        out.append((number, {h: (values[i] if i < len(values) else "") for i, h in enumerate(header) if h}))
    if header is None:
        raise TableError("找不到表头（前20行中没有映射文件所列的列名）/ no header row naming the mapping's columns")
    missing = [f"{f} ({'/'.join(cols)})" for f, cols in mapping.columns.items()
               if f in ("external_id", "registered_at", "text") and not set(cols) & set(header)]
    if missing:
        raise TableError(f"缺少列 / missing column(s): {', '.join(missing)}")
    mapping.present = {f: next((c for c in cols if c in header), None) for f, cols in mapping.columns.items()}
    return header, out


# ---- parsing one row -------------------------------------------------------------------------------


def parse_datetime(value):
    """A datetime from an Excel cell or text in one of the formats exports use:
    2024-03-05 14:30[:00], 2024/3/5 14:30, 2024年3月5日 14时30分, 20240305143000, or an Excel serial."""
    if value in (None, ""):
        return None
    if isinstance(value, dt.datetime):
        when = value
    elif isinstance(value, dt.date):
        when = dt.datetime.combine(value, dt.time.min)
    else:
        s = str(value).strip()
        m = DATE_RE.match(s) or COMPACT_RE.match(s)
        if m:
            y, mo, d, h, mi, sec = (int(x) if x else 0 for x in m.groups())
            when = dt.datetime(y, mo, d, h, mi, sec)
        else:
            try:
                serial = float(s)
            except ValueError:
                raise ValueError(f"无法识别的日期 / not a date: {s}") from None
            if not 20000 < serial < 80000:
                raise ValueError(f"无法识别的日期 / not a date: {s}")
            when = dt.datetime(1899, 12, 30) + dt.timedelta(seconds=round(serial * 86400))
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.get_default_timezone())
    return when


class Resolver:
    """Regions, departments and categories by code or name, cached per distinct value."""

    def __init__(self):
        self.regions = {r.pk: r for r in Region.objects.all()}
        self.by_code = {r.code: r for r in self.regions.values()}
        self.by_name = {}
        for r in self.regions.values():
            self.by_name.setdefault(r.name, []).append(r)
        self._region_cache = {}
        self.departments = {d.code: d for d in Department.objects.filter(active=True).select_related("region")}
        self.dept_by_name = {}
        for d in self.departments.values():
            self.dept_by_name.setdefault(d.name, []).append(d)
        self.categories = {c.code: c for c in Category.objects.filter(active=True)}
        self.cat_by_name = {c.name: c for c in self.categories.values()}
        roots = [r for r in self.regions.values() if r.parent_id is None]
        self.root = roots[0] if len(roots) == 1 else None
        self._owner = {}

    def region(self, value):
        if value in self._region_cache:
            return self._region_cache[value]
        r = self.by_code.get(value)
        if r is None:
            cands = self.by_name.get(value, [])
            if len(cands) == 1:
                r = cands[0]
        if r is None:
            # a full or partial path (渌口区朱亭镇朱亭村, 株洲市朱亭镇): the region whose own
            # name ends the value and whose ancestors' names make up the rest of it
            cands = [x for x in self.regions.values() if value.endswith(x.name) and self._consistent(x, value)]
            if cands:
                best = max(x.depth for x in cands)
                deepest = [x for x in cands if x.depth == best]
                r = deepest[0] if len(deepest) == 1 else None
        self._region_cache[value] = r
        return r

    def _consistent(self, region, value):
        """The value is the region's name preceded by some of its ancestors' names, in order."""
        rest = value
        node = region
        while node is not None and rest:
            if rest.endswith(node.name):
                rest = rest[: -len(node.name)]
            node = self.regions.get(node.parent_id)
        return rest == ""

    def owner(self, region):
        """actions._township_or_above, from the cache."""
        if region is None:
            return self.root
        if region.pk not in self._owner:
            node = region
            while node is not None and node.level in (Level.VILLAGE, Level.GRID) and node.parent_id:
                node = self.regions.get(node.parent_id)
            self._owner[region.pk] = node
        return self._owner[region.pk]

    def department(self, value):
        d = self.departments.get(value)
        if d is None:
            cands = self.dept_by_name.get(value, [])
            d = cands[0] if len(cands) == 1 else None
        return d

    def category(self, value):
        return self.categories.get(value) or self.cat_by_name.get(value)


@dataclass
class Row:
    number: int
    external_id: str
    registered_at: dt.datetime
    text: str
    kind: str
    channel: str
    category: object = None
    region: object = None
    address: str = ""
    reporter_name: str = ""
    reporter_phone: str = ""
    department: object = None
    state: str = State.REGISTERED
    assigned_at: dt.datetime | None = None
    accepted_at: dt.datetime | None = None
    deadline: dt.date | None = None
    handled_at: dt.datetime | None = None
    result: str = ""
    disposition: str = ""
    visited_at: dt.datetime | None = None
    rating: str = ""
    score: int | None = None
    close_rule: str = ""
    invalid_reason: str = ""


def _get(mapping, record, name):
    col = mapping.present.get(name)
    if col is None:
        return ""
    v = record.get(col, "")
    return v if isinstance(v, (dt.date, dt.datetime)) else str(v).strip()


def parse_row(number, record, mapping, res, errors):
    """A validated Row, or None with the row's errors recorded."""
    n_before = len(errors.errors)

    def err(col, msg):
        errors.add(number, col, msg)

    def get(name):
        return _get(mapping, record, name)

    def col(name):  # the file's own column, as the person sees it in their spreadsheet
        return mapping.present.get(name) or "/".join(mapping.columns.get(name, [name]))

    def when(name, required=False):
        raw = get(name)
        if raw in ("", None):
            if required:
                err(col(name), "必填 / required")
            return None
        try:
            return parse_datetime(raw)
        except ValueError as e:
            err(col(name), str(e))
            return None

    # every mapped cell before anything else: a NUL or a text longer than its column is the
    # row's error here, on SQLite and PostgreSQL alike, and never reaches the database
    for name in mapping.present:
        raw = get(name)
        if isinstance(raw, str):
            check_cell(errors, number, col(name), raw, CELL_LIMITS.get(name))
    if len(errors.errors) > n_before:
        return None
    ext = str(get("external_id"))
    if not ext:
        err(col("external_id"), "必填 / required")
    registered_at = when("registered_at", required=True)
    text = str(get("text"))
    if not text:
        err(col("text"), "必填 / required")
    kind_raw = str(get("kind"))
    kind = mapping.value("kind", kind_raw) if kind_raw else mapping.default_kind
    if kind not in KINDS:
        err(col("kind"), f"无法识别的诉求类型 / unknown kind: {kind_raw}")
    category = None
    cat_raw = str(get("category"))
    if cat_raw:
        category = res.category(mapping.value("category", cat_raw))
        if category is None:
            err(col("category"), f"问题分类不存在 / unknown category: {cat_raw}")
    region = None
    region_raw = str(get("region"))
    if region_raw:
        region = res.region(mapping.value("region", region_raw))
        if region is None:
            err(col("region"), f"区划不存在或不唯一 / unknown or ambiguous region: {region_raw}")
    address = str(get("address"))
    name = str(get("reporter_name"))
    phone = str(get("reporter_phone"))
    if phone and not actions.PHONE_RE.match(phone):
        err(col("reporter_phone"), f"电话号码格式不正确 / not a phone number: {phone}")
    state_raw = str(get("state"))
    state = mapping.value("state", state_raw) if state_raw else State.REGISTERED
    if state not in ORDER:
        err(col("state"), f"无法识别的办理状态 / unknown state: {state_raw}")
        state = State.REGISTERED
    rating_raw = str(get("rating"))
    rating = mapping.value("rating", rating_raw) if rating_raw else ""
    if rating and rating not in RATINGS:
        err(col("rating"), f"无法识别的满意度 / unknown rating: {rating_raw}")
        rating = ""
    score = None
    score_raw = str(get("score"))
    if score_raw:
        try:
            score = int(float(score_raw))
            if not 1 <= score <= 10:
                raise ValueError
        except ValueError:
            err(col("score"), "评分应为1–10 / score must be 1–10")
            score = None
    # a rated handled case was visited back: closed if satisfied, reopened if not
    if state in (State.HANDLED, State.CLOSED, State.REOPENED) and rating:
        state = State.CLOSED if rating in SATISFIED_RATINGS else State.REOPENED
    elif state == State.REOPENED:
        err(col("rating"), "重办的工单须有不满意的回访 / a reopened case needs its unsatisfied rating")
    close_rule = ""
    if state == State.CLOSED and not rating:
        if phone:
            err(col("rating"), "已办结销号但没有回访满意度，且留有电话 / closed without a rating although the reporter left a phone")
        close_rule = CloseRule.ANONYMOUS
    department = None
    dept_raw = str(get("department"))
    if dept_raw:
        department = res.department(mapping.value("department", dept_raw))
        if department is None:
            err(col("department"), f"承办单位不存在 / unknown department: {dept_raw}")
    elif ORDER[state] >= 1 and state != State.INVALID:
        err(col("department"), "已交办的工单须有承办单位 / an assigned case needs its department")
    assigned_at = when("assigned_at") or registered_at
    accepted_at = when("accepted_at") or assigned_at
    handled_at = when("handled_at", required=ORDER[state] >= 3 and state != State.INVALID)
    visited_at = when("visited_at") or handled_at
    deadline = None
    dl_raw = get("deadline")
    if dl_raw:
        try:
            deadline = as_date(parse_datetime(dl_raw))
        except ValueError as e:
            err(col("deadline"), str(e))
    disp_raw = str(get("disposition"))
    disposition = mapping.value("disposition", disp_raw) if disp_raw else mapping.default_disposition
    if disposition not in DISPOSITIONS:
        err(col("disposition"), f"无法识别的处置结论 / unknown disposition: {disp_raw}")
    if len(errors.errors) > n_before:
        return None
    # times must follow the lifecycle
    chain = [("registered_at", registered_at)]
    if ORDER[state] >= 1 and state != State.INVALID:
        chain.append(("assigned_at", assigned_at))
        if deadline is not None and deadline < as_date(assigned_at):
            err(col("deadline"), "办理时限早于交办时间 / deadline before the assignment")
    if ORDER[state] >= 2 and state != State.INVALID:
        chain.append(("accepted_at", accepted_at))
    if ORDER[state] >= 3 and state != State.INVALID:
        chain.append(("handled_at", handled_at))
    if state in (State.CLOSED, State.REOPENED):
        chain.append(("visited_at", visited_at))
    for (a, ta), (b, tb) in zip(chain, chain[1:]):
        if tb < ta:
            err(col(b), f"{b} 早于 {a} / {b} is before {a}")
    if len(errors.errors) > n_before:
        return None
    return Row(
        number=number, external_id=ext, registered_at=registered_at, text=text, kind=kind,
        channel=mapping.channel, category=category, region=region, address=address, reporter_name=name,
        reporter_phone=phone, department=department, state=state, assigned_at=assigned_at,
        accepted_at=accepted_at, deadline=deadline, handled_at=handled_at,
        result=str(get("result")) or mapping.default_result, disposition=disposition, visited_at=visited_at,
        rating=rating, score=score, close_rule=close_rule,
        invalid_reason=str(get("invalid_reason")) or mapping.invalid_reason,
    )


# ---- the replay plan -----------------------------------------------------------------------------


def plan(row, current=None):
    """The transitions (action, at, kwargs) that take a case from ``current``
    (None: not registered yet) to the row's state."""
    steps = []
    cur = -1 if current is None else ORDER[current]
    if current in (State.INVALID, State.MERGED, State.CLOSED, State.REOPENED):
        return steps
    if current is None:
        steps.append(("register", row.registered_at, {}))
    if row.state == State.INVALID:
        if cur <= 0:
            steps.append(("invalidate", row.registered_at, {"reason": row.invalid_reason}))
        return steps
    target = ORDER[row.state]
    if target >= 1 and cur < 1:
        steps.append(("assign", row.assigned_at, {"department": row.department, "deadline": row.deadline}))
    if target >= 2 and cur < 2:
        steps.append(("accept", row.accepted_at, {}))
    if target >= 3 and cur < 3:
        steps.append(("handle", row.handled_at, {"result": row.result, "disposition": row.disposition}))
    if target >= 4 and cur < 4:
        if row.rating:
            steps.append(("visit_back", row.visited_at, {"rating": row.rating, "score": row.score}))
        else:
            steps.append(("close_by_rule", row.visited_at, {"rule": row.close_rule}))
    return steps


def apply_with_actions(actor, row, case=None):
    """Replay the plan through the actions layer; returns the case."""
    for action, at, kw in plan(row, case.state if case else None):
        if action == "register":
            case = actions.register(
                actor, text=row.text, channel=row.channel, kind=row.kind, category=row.category,
                region=row.region, address=row.address, reporter_name=row.reporter_name,
                reporter_phone=row.reporter_phone, external_id=row.external_id, at=at,
                auto_category=False,  # replayed history keeps its own category, as the bulk engine does
            )
        else:
            actions.ACTIONS[action](actor, case, at=at, **kw)
    return case


# ---- the bulk engine: the same fields and events, written in batches -------------------------------


def _day(v):
    """alerts.as_date for the aware datetimes of an import (local date)."""
    return v.astimezone(timezone.get_default_timezone()).date()


def _sqlite_datetime(v):
    if v is None:
        return None
    return str(v.astimezone(dt.UTC).replace(tzinfo=None))


def _sqlite_json(v):
    return json.dumps(v)


class FastInsert:
    """INSERT … VALUES by executemany for rows given as dicts of attnames: the
    column values the ORM would send (its own DB adapters for dates, times and
    JSON), without building model instances. Fields left out get their defaults."""

    def __init__(self, model, with_pk=False):
        from django.db import connection

        self.model = model
        self.conn = connection
        ops = connection.ops
        fields = [f for f in model._meta.concrete_fields if with_pk or not f.primary_key]
        self.fields = fields
        self.columns = [f.column for f in fields]
        conv = []
        now = timezone.now()
        sqlite = connection.vendor == "sqlite"
        for f in fields:
            internal = f.get_internal_type()
            if internal == "DateTimeField":
                # what the SQLite backend stores (UTC, naive, str()); other backends take their own adapter
                conv.append(_sqlite_datetime if sqlite else
                            (lambda v, ops=ops: ops.adapt_datetimefield_value(v) if v is not None else None))
            elif internal == "DateField":
                conv.append(lambda v, ops=ops: ops.adapt_datefield_value(v) if v is not None else None)
            elif internal == "JSONField":
                conv.append(_sqlite_json if sqlite else (lambda v, f=f, c=connection: f.get_db_prep_save(v, c)))
            else:
                conv.append(None)
        self.conv = conv
        self.defaults = {}
        for f in fields:
            if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
                self.defaults[f.attname] = now
            elif f.has_default() or f.null or not f.primary_key:
                self.defaults[f.attname] = f.get_default()
        table = connection.ops.quote_name(model._meta.db_table)
        cols = ", ".join(connection.ops.quote_name(c) for c in self.columns)
        marks = ", ".join(["%s"] * len(self.columns))
        self.sql = f"INSERT INTO {table} ({cols}) VALUES ({marks})"

        # one generated function per table builds the row tuple: no per-field loop
        env = {"_d": self.defaults}
        parts = []
        for i, (f, conv) in enumerate(zip(self.fields, self.conv)):
            key = repr(f.attname)
            get = f"d[{key}] if {key} in d else _d.get({key})"
            if conv is None:
                parts.append(f"({get})")
            else:
                env[f"_c{i}"] = conv
                parts.append(f"_c{i}({get})")
        code = "def values(d):\n    return (" + ", ".join(parts) + ",)\n"
        exec(code, env)  # noqa: S102 - generated from the model's own field names
        self.values = env["values"]

    def run(self, dicts):
        rows = [self.values(d) for d in dicts]
        with self.conn.cursor() as cur:
            for i in range(0, len(rows), BATCH):
                cur.executemany(self.sql, rows[i : i + BATCH])
        return len(rows)


def reserve_ids(model, n):
    """n new primary keys for ``model``, inside the current transaction (SQLite holds
    the write lock from BEGIN IMMEDIATE; PostgreSQL takes them from the sequence)."""
    from django.db import connection

    table = model._meta.db_table
    with connection.cursor() as cur:
        if connection.vendor == "postgresql":
            cur.execute("SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)", [table, n])
            return [r[0] for r in cur.fetchall()]
        cur.execute(f"SELECT COALESCE(MAX(id), 0) FROM {connection.ops.quote_name(table)}")
        first = cur.fetchone()[0] + 1
        if connection.vendor == "sqlite":
            cur.execute("SELECT seq FROM sqlite_sequence WHERE name = %s", [table])
            seq = cur.fetchone()
            if seq and seq[0] >= first:
                first = seq[0] + 1
    return list(range(first, first + n))


class BulkReplay:
    def __init__(self, actor, res):
        self.actor = actor
        self.res = res
        self._deadline = {}
        self._response = {}
        self._alert = {}
        self._handlers = {}
        self.cases = FastInsert(Case, with_pk=True)
        self.events = FastInsert(Event)
        self.visits = FastInsert(ReturnVisit)
        self.effects = FastInsert(Effect)
        self.notes = FastInsert(Notification)

    def default_deadline(self, start, mode, category):
        key = (start, mode, category.pk if category else None)
        if key not in self._deadline:
            self._deadline[key] = deadlines.default_deadline(start, mode, category)
        return self._deadline[key]

    def response_deadline(self, start):
        if start not in self._response:
            self._response[start] = deadlines.response_deadline(start)
        return self._response[start]

    def alert_level(self, due, start):
        key = (due, start)
        if key not in self._alert:
            self._alert[key] = alert_level(due, start)
        return self._alert[key]

    def handlers(self, dept_id):
        if dept_id not in self._handlers:
            self._handlers[dept_id] = sorted(set(
                Membership.objects.filter(role=Role.HANDLER, department_id=dept_id).values_list("user_id", flat=True)
            ))
        return self._handlers[dept_id]

    def build(self, row):
        """(case, events, return visit, effect, notification) as dicts of attnames, exactly
        the values register/assign/accept/handle/visit_back/close_by_rule/invalidate write."""
        a = self.actor
        user_id = a.user.pk if a.user is not None else None
        region = row.region
        owner = self.res.owner(region)
        scope = region or owner
        case = {
            "tracking_code": actions.new_tracking_code(), "external_id": row.external_id, "channel": row.channel,
            "kind": row.kind, "text": row.text, "category_id": row.category.pk if row.category else None,
            "region_id": region.pk if region else None, "region_path": scope.path if scope else "",
            "owner_region_id": owner.pk if owner else None, "address": row.address, "lat": None, "lng": None,
            "reporter_name": row.reporter_name, "reporter_phone": row.reporter_phone, "anonymous": False,
            "created_by_id": user_id, "registered_at": row.registered_at, "state": State.REGISTERED, "version": 0,
            "reopen_count": 0, "disposition": "", "result": "",
        }
        events, rv, effect, notify = [], None, None, None

        def ev(action, to_state, at, note="", data=None):
            events.append({"action": action, "from_state": case["state"], "to_state": to_state, "actor_id": user_id,
                           "actor_label": a.label, "at": at, "note": note or "", "data": data or {}, "public": True})
            case["version"] += 1
            case["state"] = to_state

        for action, at, kw in plan(row):
            if action == "register":
                events.append({"action": "register", "from_state": "", "to_state": State.REGISTERED,
                               "actor_id": user_id, "actor_label": a.label, "at": at, "note": "",
                               "data": {"channel": row.channel}, "public": True})
            elif action == "invalidate":
                ev("invalidate", State.INVALID, at, note=kw["reason"])
            elif action == "assign":
                mode = Mode.IMMEDIATE
                start = _day(at)
                due = kw["deadline"] or self.default_deadline(start, mode, row.category)
                resp = self.response_deadline(start)
                dept = kw["department"]
                ev("assign", State.ASSIGNED, at, data={
                    "department": dept.code, "co_departments": [], "mode": mode, "deadline": due.isoformat(),
                    "response_deadline": resp.isoformat(),
                })
                case.update(lead_department_id=dept.pk, mode=mode, deadline=due, response_deadline=resp,
                            assigned_at=at, alert_level=self.alert_level(due, start))
                notify = (dept.pk, f"新交办案件 {case['tracking_code']}，时限 {due}", at)
            elif action == "accept":
                on_time = case["response_deadline"] is None or _day(at) <= case["response_deadline"]
                case.update(accepted_at=at, accepted_on_time=on_time)
                ev("accept", State.IN_PROGRESS, at, data={"first": True})
            elif action == "handle":
                on_time = case.get("deadline") is None or _day(at) <= case["deadline"]
                ev("handle", State.HANDLED, at, note=kw["result"],
                   data={"disposition": kw["disposition"], "on_time": on_time})
                case.update(result=kw["result"], disposition=kw["disposition"], handled_at=at,
                            handled_on_time=on_time, ever_handled=True)
            elif action == "visit_back":
                rating, score = kw["rating"], kw["score"]
                data = {"reached": True, "rating": rating, "score": score, "via": "operator"}
                case.update(last_rating=rating, last_score=score, rated_visits=1 if rating else 0,
                            satisfied_visits=1 if rating in SATISFIED_RATINGS else 0,
                            scored_visits=0 if score is None else 1, score_sum=score or 0)
                if rating in SATISFIED_RATINGS:
                    case.update(closed_at=at, close_rule=CloseRule.SATISFIED,
                                resolved=case["disposition"] == Disposition.SOLVED)
                    ev("visit_back", State.CLOSED, at, data=data)
                    effect = {"what_was_done": case["result"], "confirmed_by": a.label, "confirmed_at": at,
                              "rule": CloseRule.SATISFIED, "rating": rating, "score": score}
                else:  # the redo's own clock, as actions.redo_deadline gives it
                    start = _day(at)
                    due = self.default_deadline(start, case.get("mode") or Mode.IMMEDIATE, row.category)
                    resp = self.response_deadline(start)
                    old = case.get("deadline")
                    data.update(deadline=due.isoformat(), old_deadline=old.isoformat() if old else None,
                                response_deadline=resp.isoformat())
                    case.update(reopen_count=case["reopen_count"] + 1, resolved=False, deadline=due,
                                response_deadline=resp, alert_level=self.alert_level(due, start))
                    ev("visit_back", State.REOPENED, at, data=data)
                rv = {"at": at, "operator_id": user_id, "via": "operator", "reached": True, "solved": None,
                      "rating": rating, "score": score, "note": ""}
            elif action == "close_by_rule":
                rule = kw["rule"]
                case.update(closed_at=at, close_rule=rule, resolved=False)
                ev("close_by_rule", State.CLOSED, at, data={"rule": rule})
                effect = {"what_was_done": case["result"], "confirmed_by": a.label, "confirmed_at": at, "rule": rule,
                          "rating": "", "score": None}
        if case["state"] != State.ASSIGNED:
            notify = None
        return case, events, rv, effect, notify

    def write(self, rows):
        built = [self.build(r) for r in rows]
        ids = reserve_ids(Case, len(built))
        events, visits, effects, notes = [], [], [], []
        for pk, (case, evs, rv, effect, notify) in zip(ids, built):
            case["id"] = pk
            for e in evs:
                e["case_id"] = pk
            events += evs
            if rv:
                rv["case_id"] = pk
                visits.append(rv)
            if effect:
                effect["case_id"] = pk
                effects.append(effect)
            if notify:
                dept_id, message, at = notify
                notes += [{"user_id": u, "case_id": pk, "kind": "assigned", "message": message, "created_at": at,
                           "read_at": None} for u in self.handlers(dept_id)]
        self.cases.run([b[0] for b in built])
        self.events.run(events)
        self.visits.run(visits)
        self.effects.run(effects)
        self.notes.run(notes)
        return len(built)


# ---- the import ------------------------------------------------------------------------------------


def _existing(ids):
    """external id -> (case id, state) of the cases already imported."""
    found = {}
    ids = list(ids)
    for i in range(0, len(ids), 900):
        for ext, pk, state in Case.objects.filter(external_id__in=ids[i : i + 900]).values_list(
            "external_id", "id", "state"
        ).order_by("id"):
            found.setdefault(ext, (pk, state))
    return found


def import_cases(path, mapping=None, on_error="refuse", engine="auto", actor=None, progress=None):
    """Import a hotline/spreadsheet export. Returns a summary dict; raises
    ``ImportFailed`` (nothing imported) when the file or, with on_error="refuse", any row is bad.
    ``progress(done, total)`` hears of the rows written (checked ones count as done when left out)."""
    if on_error not in ("refuse", "skip"):
        raise ValueError("on_error must be refuse or skip")
    if engine not in ("auto", "bulk", "actions"):
        raise ValueError("engine must be auto, bulk or actions")
    m = mapping if isinstance(mapping, Mapping) else Mapping.load(mapping)
    try:
        _, records = read_table(path, m)
    except TableError as e:
        raise ImportFailed(str(e)) from None
    if not records:
        raise ImportFailed(NO_DATA_ROWS)
    actor = actor or Actor.system(f"import:{Path(path).name}"[:150])
    res = Resolver()
    errors = RowErrors()
    rows, seen = [], {}
    for number, record in records:
        row = parse_row(number, record, m, res, errors)
        if row is None:
            continue
        if row.external_id in seen:
            errors.add(number, "/".join(m.columns["external_id"]),
                       f"与第{seen[row.external_id]}行重复 / duplicate of row {seen[row.external_id]}")
            continue
        seen[row.external_id] = number
        rows.append(row)
    if errors and on_error == "refuse":
        raise ImportFailed(errors)
    progress = progress or (lambda done, total=None: None)
    done = len(records) - len(rows)  # the rows left out are done with
    progress(done, len(records))
    existing = _existing(r.external_id for r in rows)
    new = [r for r in rows if r.external_id not in existing]
    old = [r for r in rows if r.external_id in existing]
    updated = unchanged = 0
    created = 0
    try:
        with transaction.atomic():
            for r in old:
                pk, state = existing[r.external_id]
                if not plan(r, state):
                    unchanged += 1
                    continue
                case = actions.load_case(pk)
                try:
                    with transaction.atomic():
                        apply_with_actions(actor, r, case)
                    updated += 1
                    done += 1
                    progress(done, len(records))
                except ActionError as e:
                    errors.add(r.number, "", f"无法更新已有案件 / cannot update case {case.tracking_code}: {e.message}")
                    if on_error == "refuse":
                        raise ImportFailed(errors) from None
            if engine == "actions":
                for r in new:
                    try:
                        with transaction.atomic():
                            apply_with_actions(actor, r)
                        created += 1
                        done += 1
                        progress(done, len(records))
                    except ActionError as e:
                        errors.add(r.number, e.field or "", e.message)
                        if on_error == "refuse":
                            raise ImportFailed(errors) from None
            else:
                replay = BulkReplay(actor, res)
                for i in range(0, len(new), BATCH * 5):
                    created += replay.write(new[i : i + BATCH * 5])
                    progress(min(len(records), done + i + BATCH * 5), len(records))
    except ImportFailed:
        raise
    progress(len(records), len(records))
    skipped = len({e[0] for e in errors.errors})
    out = {"rows": len(records), "created": created, "updated": updated, "unchanged": unchanged, "skipped": skipped}
    if errors:
        out["errors"] = errors.report()
    return out
