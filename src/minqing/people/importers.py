"""``minqing import staff FILE`` (and the import page): staff from CSV or XLSX.

Columns: ``username,name,role,region_code`` and, optionally, ``department_code,phone,
unit,rank,password``. ``role`` is a role's code, its Chinese or English name or an
everyday word (干部, 网格员, 调度…); a handler needs ``department_code``, every other role
a ``region_code`` (or none: the whole deployment). A person already there gets the role
added. Without a password a new person cannot log in until an admin resets the password
on the people page. All rows or none (``on_error="skip"``: the good rows).
"""

from django.db import transaction

from minqing.cases.errors import ActionError
from minqing.progress import NOOP
from minqing.regions.importers import ImportFailed
from minqing.tabular import NO_DATA_ROWS, RowErrors, TableError, _clean, check_row, read_rows

COLUMNS = ["username", "name", "role", "region_code", "department_code", "phone", "unit", "rank", "password"]
REQUIRED = ["username", "role"]


def mapped_rows(path, mapping, columns, required):
    """The file's rows as {our column: text}, the file's columns renamed by a mapping
    ({"columns": {ours: theirs}} or a TOML file with such a section)."""
    from minqing.visits.importers import load_mapping

    cols = load_mapping(mapping).get("columns", {})
    try:
        raw = list(read_rows(path))
    except TableError as e:
        raise ImportFailed(str(e)) from None
    if not raw:
        raise ImportFailed(NO_DATA_ROWS)
    header = set(raw[0][1])
    missing = [c for c in required if cols.get(c, c) not in header]
    if missing:
        raise ImportFailed(f"缺少列 / missing column(s): {', '.join(missing)}")
    return [(n, {c: _clean(r.get(cols.get(c, c))) for c in columns}) for n, r in raw]


def import_staff(path, mapping=None, on_error="refuse", actor=None, progress=NOOP, **_):
    """Returns {created, updated, skipped[, errors]}; raises ImportFailed."""
    from minqing.people.scoping import Actor

    from .actions import do_add_staff

    if on_error not in ("refuse", "skip"):
        raise ImportFailed("on_error 只能是 refuse 或 skip / on_error must be refuse or skip")
    actor = actor or Actor.system("import:staff")
    rows = mapped_rows(path, mapping, COLUMNS, REQUIRED)
    errors = RowErrors()
    seen = {}
    created = updated = 0
    total = len(rows)
    progress(0, total)
    with transaction.atomic():
        for i, (n, r) in enumerate(rows, 1):
            if not check_row(errors, n, r):
                continue
            key = (r["username"], r["role"], r["region_code"], r["department_code"])
            if key in seen:
                errors.add(n, "username", f"与第{seen[key]}行重复 / duplicate of row {seen[key]}")
                continue
            seen[key] = n
            try:
                with transaction.atomic():
                    _, is_new, _ = do_add_staff(
                        actor, username=r["username"], role=r["role"], region=r["region_code"] or None,
                        department=r["department_code"] or None, name=r["name"], phone=r["phone"],
                        unit=r["unit"], rank=r["rank"], password=r["password"] or None)
                created += is_new
                updated += not is_new
            except ActionError as e:
                errors.add(n, e.field or "", e.message)
            if i % 100 == 0 or i == total:
                progress(i, total)
        if errors and on_error == "refuse":
            raise ImportFailed(errors)
    out = {"created": created, "updated": updated, "skipped": len({row for row, _, _ in errors.errors})}
    if errors:
        out["errors"] = errors.report()
    return out
