"""``minqing import partners FILE``: partners from a CSV or XLSX file with exactly the columns
``code,name,kind,region_code,contact,phone`` (all rows or none; ``--on-error skip`` keeps the good rows).
``kind`` is a code (property, owners, residents, volunteers, enterprise, social) or its Chinese name."""

from django.db import transaction

from minqing.cases.actions import PHONE_RE
from minqing.regions.importers import ImportFailed, _on_error, _result, _rows
from minqing.regions.models import Region
from minqing.tabular import RowErrors, check_code_and_name, check_row, field_max_length

from .actions import parse_kind
from .models import Partner, PartnerKind

COLUMNS = ["code", "name", "kind", "region_code", "contact", "phone"]


def import_partners(path, on_error="refuse", **_):
    _on_error(on_error)
    rows = _rows(path, COLUMNS)
    extra = [c for c in rows[0][1] if c not in COLUMNS and c]
    if extra:
        raise ImportFailed(f"多余的列 / unexpected columns: {', '.join(extra)} (columns: {','.join(COLUMNS)})")
    limits = {c: field_max_length(Partner, c) for c in ("code", "name", "contact", "phone")}
    errors = RowErrors()
    regions = {r.code: r for r in Region.objects.filter(code__in={r["region_code"] for _, r in rows
                                                                   if "\x00" not in r["region_code"]})}
    seen, good = {}, []
    for n, r in rows:
        before = len(errors.errors)
        if not check_row(errors, n, r, limits, columns=COLUMNS):
            continue
        check_code_and_name(errors, n, r, seen)
        kind = parse_kind(r["kind"])
        if kind is None:
            errors.add(n, "kind", f"类型应为 {', '.join(PartnerKind.values)} / kind must be one of "
                                  f"{', '.join(PartnerKind.values)}")
        if r["region_code"] not in regions:
            errors.add(n, "region_code", f"区划不存在 / unknown region {r['region_code']}")
        if r["phone"] and not PHONE_RE.match(r["phone"]):
            errors.add(n, "phone", "电话号码格式不正确 / not a phone number")
        if len(errors.errors) == before:
            good.append((r, kind))
    if errors and on_error == "refuse":
        raise ImportFailed(errors)
    created = updated = 0
    with transaction.atomic():
        for r, kind in good:
            _, is_new = Partner.objects.update_or_create(code=r["code"], defaults={
                "name": r["name"], "kind": kind, "region": regions[r["region_code"]], "contact": r["contact"],
                "phone": r["phone"], "active": True})
            created += is_new
            updated += not is_new
    return _result(created, updated, errors)
