"""CSV and XLSX in both directions.

Reading: files as rows of dicts, with the row numbers a person sees in a
spreadsheet (the header is row 1), a row-numbered error report, and the checks
every importer applies to a cell before the database sees it (``cell_problem``:
NUL characters, values longer than the model field).

Writing: ``safe_cell``/``safe_row`` — the one place that keeps a text from
becoming a live spreadsheet formula. Every CSV and XLSX writer of the project
passes each cell written from data through it.
"""

import csv
import io
from dataclasses import dataclass, field
from pathlib import Path


class TableError(Exception):
    pass


# ---- writing: inert cells ----------------------------------------------------------------------

# A text starting with one of these is read as a formula (or a DDE payload) by Excel,
# LibreOffice and Google Sheets: = + - @, and tab / carriage return before one of them.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value):
    """The cell as written to CSV or XLSX: a text that a spreadsheet would take for a
    formula gets a leading apostrophe (shown as text, as Excel itself does); numbers,
    dates, booleans and None stay what they are."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def safe_row(row):
    return [safe_cell(v) for v in row]


# ---- reading: what a cell may hold -------------------------------------------------------------

NO_DATA_ROWS = "文件中没有数据行（只有表头或为空）/ the file has no data rows"


def cell_problem(value, max_length=None):
    """Why a cell cannot go into a text column, or None: NUL characters (PostgreSQL
    refuses them, SQLite would cut the text there) and a text longer than the column."""
    if value is None:
        return None
    text = value if isinstance(value, str) else str(value)
    if "\x00" in text:
        return "含有空字符（NUL）/ contains a NUL character"
    if max_length is not None and len(text) > max_length:
        return f"超过{max_length}字（{len(text)}字）/ longer than {max_length} characters ({len(text)})"
    return None


def field_max_length(model, name):
    """The max_length of a model's field (None for a text field without one)."""
    return model._meta.get_field(name).max_length


def check_cell(errors, row, column, value, max_length=None):
    """Record ``cell_problem`` as a row error; True when the cell is fine."""
    problem = cell_problem(value, max_length)
    if problem:
        errors.add(row, column, problem)
        return False
    return True


def check_row(errors, row, record, limits=None, columns=None):
    """NUL characters in any cell of ``record`` (or of ``columns`` of it) and texts longer
    than ``limits`` {column: max_length}; each problem is a row error. True when clean."""
    ok = True
    for column, value in record.items():
        if columns is not None and column not in columns:
            continue
        ok &= check_cell(errors, row, column, value, (limits or {}).get(column))
    return ok


def check_code_and_name(errors, row, record, seen):
    """The code (required, once per file) and the name (required) of a row that defines a
    thing by its code (a region, a department, a partner); ``seen`` maps each code to the
    first row that gave it (a code with NUL is reported by ``check_row`` and not kept)."""
    code = record["code"]
    if not code:
        errors.add(row, "code", "必填 / required")
    elif code in seen:
        errors.add(row, "code", f"与第{seen[code]}行重复 / duplicate of row {seen[code]}")
    elif "\x00" not in code:
        seen[code] = row
    if not record["name"]:
        errors.add(row, "name", "必填 / required")


def nul_columns(record):
    """The columns of a raw row (dict) whose value holds a NUL character."""
    return [k for k, v in record.items() if isinstance(v, str) and "\x00" in v]


def _csv_limit():
    """A CSV cell may be as large as the file: an over-long value is then a row error
    (reported by the importer with its row and column), not a reader crash."""
    limit = 64 * 1024 * 1024
    if csv.field_size_limit() < limit:
        csv.field_size_limit(limit)


@dataclass
class RowErrors:
    errors: list = field(default_factory=list)

    def add(self, row, column, message):
        self.errors.append((row, column, message))

    def __bool__(self):
        return bool(self.errors)

    def report(self, limit=200):
        lines = [f"第{row}行 row {row}: {col}: {msg}" if col else f"第{row}行 row {row}: {msg}"
                 for row, col, msg in self.errors[:limit]]
        if len(self.errors) > limit:
            lines.append(f"… {len(self.errors) - limit} more errors")
        return "\n".join(lines)


def _clean(value):
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def read_rows(path, sheet=None):
    """Yield (row_number, {header: value}) for each non-empty data row."""
    path = Path(path)
    if not path.exists():
        raise TableError(f"file not found: {path}")
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        yield from _xlsx_rows(path, sheet)
    elif suffix in (".csv", ".txt", ""):
        yield from _csv_rows(path)
    else:
        raise TableError(f"unsupported file type {suffix}: use .csv or .xlsx")


def csv_text(raw):
    """A CSV file's bytes as text: UTF-8 (with or without BOM), else GBK/GB18030 as Excel
    writes it on Chinese Windows."""
    for enc in ("utf-8-sig", "gb18030"):
        try:
            return raw.decode(enc)
        except UnicodeDecodeError:
            continue
    raise TableError("无法解码，请存为 UTF-8 或 GBK / cannot decode the file: save it as UTF-8 or GBK")


def _csv_rows(path):
    _csv_limit()
    reader = csv.reader(io.StringIO(csv_text(path.read_bytes())))
    header = None
    try:
        numbered = list(enumerate(reader, 1))
    except csv.Error as e:
        raise TableError(f"CSV 格式错误 / malformed CSV (line {reader.line_num}): {e}") from None
    at = _header_at([row for _, row in numbered])
    if at is None:
        return  # a blank file: no data rows (the importers say so)
    for number, row in numbered[at:]:
        if header is None:
            header = [_clean(h) for h in row]
            continue
        if not any(_clean(v) for v in row):
            continue
        yield number, {h: _clean(row[i]) if i < len(row) else "" for i, h in enumerate(header) if h}


def _header_at(rows, look=20):
    """Index of the header row: the first row naming two or more columns. Rows above it with
    one cell at most are left out: a title such as “12345热线工单导出（2026年11月）” that
    exports put above the header, or blank rows. Without such a row among the first ``look``,
    the first non-blank row (a file of one column); None for a blank file."""
    first = None
    for i, row in enumerate(rows[:look]):
        filled = sum(1 for v in row if _clean(v))
        if filled >= 2:
            return i
        if filled and first is None:
            first = i
    return first


def _xlsx_rows(path, sheet):
    """Rows of an XLSX sheet through python-calamine (8× openpyxl's read-only mode, see
    bench/xlsx_libs.py): whole numbers as ints, dates as datetimes, empty cells as None."""
    from python_calamine import CalamineWorkbook

    try:
        wb = CalamineWorkbook.from_path(str(path))
    except Exception as e:  # noqa: BLE001 - calamine raises its own kinds for a damaged file
        raise TableError(f"cannot read the workbook: {e}") from None
    try:
        if sheet and sheet not in wb.sheet_names:
            raise TableError(f"工作表不存在 / no sheet named {sheet}")
        try:
            rows = (wb.get_sheet_by_name(sheet) if sheet else wb.get_sheet_by_index(0)).to_python(
                skip_empty_area=False)
        except Exception as e:  # noqa: BLE001 - a damaged sheet
            raise TableError(f"无法读取工作表 / cannot read the sheet: {type(e).__name__}: {e}") from None
    finally:
        wb.close()
    header = None
    at = _header_at(rows)
    for number, raw in enumerate(rows, 1):
        if at is None or number <= at:
            continue  # blank, or a title above the header
        row = [_value(v) for v in raw]
        if header is None:
            header = [_clean(h) for h in row]
            continue
        if not any(_clean(v) for v in row):
            continue
        yield number, {h: row[i] if i < len(row) else None for i, h in enumerate(header) if h}


def _value(v):
    if v == "":
        return None
    if isinstance(v, float) and v.is_integer() and abs(v) < 1e15:
        return int(v)
    return v


def require_columns(first_row_keys, needed):
    missing = [c for c in needed if c not in first_row_keys]
    if missing:
        raise TableError(f"missing column(s): {', '.join(missing)}")


# ---- writing whole files ----------------------------------------------------------------------


def csv_bytes(header, rows):
    """A CSV file (UTF-8 with BOM, as Excel opens it) of the header and rows, every cell
    through ``safe_row``: a file offered to a person (e.g. an import's rejected rows)."""
    buf = io.StringIO()
    writer = csv.writer(buf)
    buf.write("\ufeff")
    writer.writerow(safe_row(header))
    for row in rows:
        writer.writerow(safe_row(row))
    return buf.getvalue().encode("utf-8")


def xlsx_bytes(header, rows, title="Sheet1"):
    """An XLSX workbook of one sheet, every cell through ``safe_row``."""
    import openpyxl

    wb = openpyxl.Workbook(write_only=True)
    ws = wb.create_sheet(title[:31])
    ws.append(safe_row(header))
    for row in rows:
        ws.append(safe_row(row))
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def write_importer_csv(path, header, numbered_rows):
    """A CSV for an importer, never for a person: cells are written exactly as they are (a
    value such as ``-2`` must reach the importer unchanged), and each row keeps its row
    number from the original file (blank records fill the gaps, which the readers skip but
    count), so the importer's row errors name the rows a person sees in their spreadsheet."""
    with open(path, "w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(header)
        line = 1
        for number, row in numbered_rows:
            while line + 1 < number:
                f.write("\r\n")
                line += 1
            writer.writerow(row)
            line += 1
