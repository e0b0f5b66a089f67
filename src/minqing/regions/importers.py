"""Import of regions and departments from CSV/XLSX: all rows or none."""

from django.db import transaction

from minqing.cases import lookups
from minqing.cases.models import Category
from minqing.tabular import RowErrors, TableError, _clean, read_rows, require_columns

from .models import LEVEL_ORDER, Department, Region

REGION_COLUMNS = ["code", "name", "level", "parent_code"]
DEPARTMENT_COLUMNS = ["code", "name", "region_code", "categories"]


class ImportFailed(Exception):
    def __init__(self, errors):
        super().__init__(errors.report() if isinstance(errors, RowErrors) else str(errors))
        self.errors = errors


def _rows(path, columns):
    rows = [(n, {k: _clean(v) for k, v in r.items()}) for n, r in read_rows(path)]
    if rows:
        require_columns(rows[0][1].keys(), columns)
    return rows


def import_regions(path, **_):
    try:
        rows = _rows(path, REGION_COLUMNS)
    except TableError as e:
        raise ImportFailed(str(e)) from None
    errors = RowErrors()
    seen = {}
    for n, r in rows:
        code, name, level = r["code"], r["name"], r["level"]
        if not code:
            errors.add(n, "code", "必填 / required")
        elif len(code) > 32:
            errors.add(n, "code", "过长 / too long")
        elif code in seen:
            errors.add(n, "code", f"与第{seen[code]}行重复 / duplicate of row {seen[code]}")
        else:
            seen[code] = n
        if not name:
            errors.add(n, "name", "必填 / required")
        if level not in LEVEL_ORDER:
            errors.add(n, "level", f"应为 {', '.join(LEVEL_ORDER)} / must be one of {', '.join(LEVEL_ORDER)}")
    existing = {r.code: r for r in Region.objects.all()}
    file_levels = {r["code"]: r["level"] for _, r in rows}
    for n, r in rows:
        parent = r["parent_code"]
        if not parent:
            continue
        if parent == r["code"]:
            errors.add(n, "parent_code", "不能是自身 / cannot be its own parent")
            continue
        parent_level = file_levels.get(parent) or (existing[parent].level if parent in existing else None)
        if parent_level is None:
            errors.add(n, "parent_code", f"上级区划不存在 / unknown parent {parent}")
        elif r["level"] in LEVEL_ORDER and parent_level in LEVEL_ORDER:
            if LEVEL_ORDER.index(parent_level) >= LEVEL_ORDER.index(r["level"]):
                errors.add(n, "parent_code", f"上级层级({parent_level})须高于本级 / parent must be a higher level")
    if errors:
        raise ImportFailed(errors)
    rows.sort(key=lambda nr: LEVEL_ORDER.index(nr[1]["level"]))
    created = updated = 0
    with transaction.atomic():
        by_code = dict(existing)
        for _, r in rows:
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
    return {"created": created, "updated": updated}


def import_departments(path, **_):
    try:
        rows = _rows(path, DEPARTMENT_COLUMNS)
    except TableError as e:
        raise ImportFailed(str(e)) from None
    errors = RowErrors()
    regions = {r.code: r for r in Region.objects.filter(code__in={r["region_code"] for _, r in rows})}
    categories = {c.code: c for c in Category.objects.all()}
    seen = {}
    parsed = []
    for n, r in rows:
        if not r["code"]:
            errors.add(n, "code", "必填 / required")
        elif r["code"] in seen:
            errors.add(n, "code", f"与第{seen[r['code']]}行重复 / duplicate of row {seen[r['code']]}")
        else:
            seen[r["code"]] = n
        if not r["name"]:
            errors.add(n, "name", "必填 / required")
        if r["region_code"] not in regions:
            errors.add(n, "region_code", f"区划不存在 / unknown region {r['region_code']}")
        codes = [c.strip() for c in r["categories"].replace("；", ";").split(";") if c.strip()]
        unknown = [c for c in codes if c not in categories]
        if unknown:
            errors.add(n, "categories", f"分类不存在 / unknown categories: {', '.join(unknown)}")
        parsed.append((r, codes))
    if errors:
        raise ImportFailed(errors)
    created = updated = 0
    with transaction.atomic():
        for r, codes in parsed:
            dept, is_new = Department.objects.update_or_create(
                code=r["code"], defaults={"name": r["name"], "region": regions[r["region_code"]], "active": True}
            )
            dept.categories.set([categories[c] for c in codes])
            created += is_new
            updated += not is_new
    return {"created": created, "updated": updated}
