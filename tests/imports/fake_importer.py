"""A stand-in for an importer of another app (partners, policies): COLUMNS and a function."""

from minqing.regions.importers import ImportFailed
from minqing.tabular import RowErrors, read_rows

COLUMNS = ["code", "name", "note"]
SEEN = []


def import_things(path, on_error="refuse", **_):
    rows = list(read_rows(path))
    assert list(rows[0][1]) == COLUMNS  # every column, the unmapped ones empty
    errors = RowErrors()
    for n, r in rows:
        if not r["code"]:
            errors.add(n, "code", "必填 / required")
    if errors and on_error == "refuse":
        raise ImportFailed(errors)
    SEEN.extend(r["name"] for n, r in rows if r["code"])
    return {"created": sum(1 for _, r in rows if r["code"])}
