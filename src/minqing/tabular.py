"""Reading CSV and XLSX files as rows of dicts, with the row numbers a person
sees in a spreadsheet (the header is row 1), and a row-numbered error report."""

import csv
import io
from dataclasses import dataclass, field
from pathlib import Path


class TableError(Exception):
    pass


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
    reader = csv.reader(io.StringIO(csv_text(path.read_bytes())))
    header = None
    for number, row in enumerate(reader, 1):
        if header is None:
            header = [_clean(h) for h in row]
            if not any(header):
                raise TableError("the first row must be the header")
            continue
        if not any(_clean(v) for v in row):
            continue
        yield number, {h: _clean(row[i]) if i < len(row) else "" for i, h in enumerate(header) if h}


def _xlsx_rows(path, sheet):
    import openpyxl

    try:
        wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as e:  # noqa: BLE001 - openpyxl raises many kinds
        raise TableError(f"cannot read the workbook: {e}") from None
    ws = wb[sheet] if sheet else wb.worksheets[0]
    header = None
    for number, row in enumerate(ws.iter_rows(values_only=True), 1):
        if header is None:
            header = [_clean(h) for h in row]
            if not any(header):
                header = None
                continue
            continue
        if not any(_clean(v) for v in row):
            continue
        yield number, {h: row[i] if i < len(row) else None for i, h in enumerate(header) if h}
    wb.close()


def require_columns(first_row_keys, needed):
    missing = [c for c in needed if c not in first_row_keys]
    if missing:
        raise TableError(f"missing column(s): {', '.join(missing)}")
