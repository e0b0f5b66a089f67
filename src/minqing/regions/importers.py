"""Import of regions and departments from CSV/XLSX: all rows or none (``on_error="refuse"``,
the default), or the good rows with the bad ones listed (``"skip"``). Every cell is checked
before the database sees it (NUL characters, values longer than the column), so SQLite and
PostgreSQL refuse the same rows with the same report; an empty file is refused."""

from django.db import transaction

from minqing.cases import lookups
from minqing.cases.models import Category
from minqing.tabular import (
    NO_DATA_ROWS,
    RowErrors,
    TableError,
    _clean,
    check_code_and_name,
    check_row,
    field_max_length,
    read_rows,
    require_columns,
)

from .models import LEVEL_ORDER, Department, Region

REGION_COLUMNS = ["code", "name", "level", "parent_code"]
DEPARTMENT_COLUMNS = ["code", "name", "region_code", "categories"]


class ImportFailed(Exception):
    def __init__(self, errors):
        super().__init__(errors.report() if isinstance(errors, RowErrors) else str(errors))
        self.errors = errors


def _rows(path, columns):
    """The file's data rows as texts, with its columns checked; an empty file is refused."""
    try:
        rows = [(n, {k: _clean(v) for k, v in r.items()}) for n, r in read_rows(path)]
        if not rows:
            raise TableError(NO_DATA_ROWS)
        require_columns(rows[0][1].keys(), columns)
    except TableError as e:
        raise ImportFailed(str(e)) from None
    return rows


def _on_error(on_error):
    if on_error not in ("refuse", "skip"):
        raise ImportFailed("on_error 只能是 refuse 或 skip / on_error must be refuse or skip")
    return on_error


def _result(created, updated, errors):
    out = {"created": created, "updated": updated, "skipped": len({row for row, _, _ in errors.errors})}
    if errors:
        out["errors"] = errors.report()
    return out


def import_regions(path, on_error="refuse", progress=None, **_):
    """Regions of a CSV/XLSX file (any order: parents are created first). Bad rows refuse the
    file (``on_error="refuse"``) or are left out with the rows that hang below them ("skip")."""
    _on_error(on_error)
    rows = _rows(path, REGION_COLUMNS)
    limits = {"code": field_max_length(Region, "code"), "name": field_max_length(Region, "name")}
    errors = RowErrors()
    bad = set()
    seen = {}
    for n, r in rows:
        before = len(errors.errors)
        check_row(errors, n, r, limits)
        level = r["level"]
        check_code_and_name(errors, n, r, seen)
        if level not in LEVEL_ORDER:
            errors.add(n, "level", f"应为 {', '.join(LEVEL_ORDER)} / must be one of {', '.join(LEVEL_ORDER)}")
        if len(errors.errors) > before:
            bad.add(n)
    existing = {r.code: r for r in Region.objects.all()}
    # parents: a row whose parent's row is bad is bad too (repeated down the tree)
    changed = True
    while changed:
        changed = False
        file_levels = {r["code"]: r["level"] for n, r in rows if n not in bad}
        for n, r in rows:
            parent = r["parent_code"]
            if n in bad or not parent:
                continue
            problem = None
            if parent == r["code"]:
                problem = "不能是自身 / cannot be its own parent"
            elif parent not in file_levels and parent in seen and seen[parent] in bad:
                problem = f"上级区划所在的第{seen[parent]}行有错误 / the parent's row {seen[parent]} is bad"
            else:
                parent_level = file_levels.get(parent) or (existing[parent].level if parent in existing else None)
                if parent_level is None:
                    problem = f"上级区划不存在 / unknown parent {parent}"
                elif LEVEL_ORDER.index(parent_level) >= LEVEL_ORDER.index(r["level"]):
                    problem = f"上级层级({parent_level})须高于本级 / parent must be a higher level"
            if problem:
                errors.add(n, "parent_code", problem)
                bad.add(n)
                changed = True
    if errors and on_error == "refuse":
        raise ImportFailed(errors)
    good = [r for n, r in rows if n not in bad]
    good.sort(key=lambda r: LEVEL_ORDER.index(r["level"]))
    created = updated = 0
    progress = progress or (lambda done, total=None: None)
    with transaction.atomic():
        by_code = dict(existing)
        for i, r in enumerate(good):
            if i % 500 == 0:
                progress(i, len(good))
            region = by_code.get(r["code"]) or Region(code=r["code"])
            is_new = region.pk is None
            region.name = r["name"]
            region.level = r["level"]
            region.parent = by_code[r["parent_code"]] if r["parent_code"] else None
            if "tags" in r and r["tags"]:
                region.tags = [t.strip() for t in r["tags"].replace("；", ";").split(";") if t.strip()]
            region.save()
            by_code[region.code] = region
            created += is_new
            updated += not is_new
        # re-derive paths below any moved region
        for region in Region.objects.order_by("depth", "id"):
            path, depth = region.compute_path()
            if (path, depth) != (region.path, region.depth):
                Region.objects.filter(pk=region.pk).update(path=path, depth=depth)
        transaction.on_commit(lookups.clear)
    progress(len(good), len(good))
    return _result(created, updated, errors)


def import_departments(path, on_error="refuse", progress=None, **_):
    _on_error(on_error)
    rows = _rows(path, DEPARTMENT_COLUMNS)
    limits = {"code": field_max_length(Department, "code"), "name": field_max_length(Department, "name")}
    errors = RowErrors()
    regions = {r.code: r for r in Region.objects.filter(code__in={r["region_code"] for _, r in rows
                                                                   if "\x00" not in r["region_code"]})}
    categories = {c.code: c for c in Category.objects.all()}
    seen = {}
    parsed = []
    for n, r in rows:
        before = len(errors.errors)
        check_row(errors, n, r, limits)
        check_code_and_name(errors, n, r, seen)
        if r["region_code"] not in regions:
            errors.add(n, "region_code", f"区划不存在 / unknown region {r['region_code']}")
        codes = [c.strip() for c in r["categories"].replace("；", ";").split(";") if c.strip()]
        unknown = [c for c in codes if c not in categories]
        if unknown:
            errors.add(n, "categories", f"分类不存在 / unknown categories: {', '.join(unknown)}")
        if len(errors.errors) == before:
            parsed.append((r, codes))
    if errors and on_error == "refuse":
        raise ImportFailed(errors)
    created = updated = 0
    progress = progress or (lambda done, total=None: None)
    with transaction.atomic():
        for i, (r, codes) in enumerate(parsed):
            if i % 500 == 0:
                progress(i, len(parsed))
            dept, is_new = Department.objects.update_or_create(
                code=r["code"], defaults={"name": r["name"], "region": regions[r["region_code"]], "active": True}
            )
            dept.categories.set([categories[c] for c in codes])
            created += is_new
            updated += not is_new
    progress(len(parsed), len(parsed))
    return _result(created, updated, errors)
