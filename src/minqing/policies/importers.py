"""``minqing import policies FILE``: policies (免申即享) from CSV or XLSX.

Columns: ``code,name,department,kind`` and optionally ``benefit,tags_any,tags_all,region_code,
attrs,starts_on,ends_on``. Tags are ``;``-separated; ``attrs`` is ``key=value;key=v1|v2``
(a subject's custom attribute equal to the value, or to one of the ``|``-separated values);
dates are YYYY-MM-DD. A row with an existing code updates that policy.

All rows or none (``on_error="refuse"``, the default) with a row-numbered report; ``"skip"``
imports the good rows. Each row goes through ``policies.actions.do_save_policy`` as the
system, so the file is checked by the same rules as the API."""

from django.db import transaction

from minqing.cases.errors import ActionError
from minqing.people.scoping import Actor
from minqing.regions.importers import ImportFailed, _on_error, _result, _rows
from minqing.tabular import RowErrors, check_row

from . import actions
from .models import Policy

COLUMNS = ["code", "name", "department", "kind"]
LIMITS = {"code": 64, "name": 200, "department": 64, "kind": 20, "benefit": 2000, "tags_any": 1000,
          "tags_all": 1000, "region_code": 64, "attrs": 2000, "starts_on": 10, "ends_on": 10}


def _attrs(text):
    out = {}
    for part in (text or "").replace("；", ";").split(";"):
        part = part.strip()
        if not part:
            continue
        key, sep, value = part.partition("=")
        if not sep:
            raise ValueError(f"应为 key=value / expected key=value: {part[:30]}")
        values = [v.strip() for v in value.split("|") if v.strip()]
        out[key.strip()] = values if len(values) > 1 else (values[0] if values else "")
    return out


def _kind(value):
    from minqing.choices import ALIASES, parse_choice
    from minqing.visits.models import SubjectKind

    return parse_choice(SubjectKind, value, ALIASES["visits.SubjectKind"]) or value


def import_policies(path, on_error="refuse", **_):
    """Import policies; returns {created, updated, skipped}. Raises ImportFailed."""
    _on_error(on_error)
    rows = _rows(path, COLUMNS)
    errors = RowErrors()
    system = Actor.system("import")
    created = updated = 0
    seen = {}
    with transaction.atomic():
        for n, r in rows:
            if not check_row(errors, n, r, LIMITS):
                continue
            if r["code"] in seen:
                errors.add(n, "code", f"与第{seen[r['code']]}行重复 / duplicate of row {seen[r['code']]}")
                continue
            seen[r["code"]] = n
            try:
                attrs = _attrs(r.get("attrs"))
            except ValueError as e:
                errors.add(n, "attrs", str(e))
                continue
            try:
                with transaction.atomic():
                    _, is_new = actions.do_save_policy(
                        system, code=r["code"], name=r["name"], department=r["department"],
                        benefit=r.get("benefit", ""), starts_on=r.get("starts_on") or None,
                        ends_on=r.get("ends_on") or None,
                        eligibility={"kind": _kind(r["kind"]), "tags_any": r.get("tags_any", ""),
                                     "tags_all": r.get("tags_all", ""), "region": r.get("region_code") or None,
                                     "attrs": attrs})
            except ActionError as e:
                column = {"eligibility.kind": "kind", "eligibility.region": "region_code",
                          "eligibility.attrs": "attrs", "eligibility.tags_any": "tags_any",
                          "eligibility.tags_all": "tags_all"}.get(e.field, e.field)
                errors.add(n, column, e.message)
                continue
            created += is_new
            updated += not is_new
        if errors and on_error == "refuse":
            transaction.set_rollback(True)
            raise ImportFailed(errors)
    return _result(created, updated, errors)


__all__ = ["import_policies", "Policy"]
