"""``minqing import subjects FILE``: households and enterprises from CSV or XLSX.

Columns (names as given, or renamed by a mapping file):
``external_id,kind,name,region_code,tags,credit_code,address,phone`` and,
optionally, ``household_no`` and ``contact_name``.  ``kind`` is household or
enterprise, ``tags`` are ``;``-separated.

De-duplication: an enterprise is the same subject as an existing one with its
credit code; a household the same as one with its household number and
address; otherwise the external id decides.  A matched subject is updated
(keeping its external id).  Two rows of the file for the same subject are an
error.

All rows or none: any bad row refuses the whole file with a row-numbered
report (``on_error="skip"`` imports the good rows and reports the bad ones).

The mapping file (TOML)::

    [columns]            # our column = the file's column
    external_id = "编号"
    name = "户主姓名"
    region_code = "村代码"
    [values.kind]        # the file's value = ours
    "农户" = "household"
    "企业" = "enterprise"
    [defaults]           # when the file has no such column (or the cell is empty)
    kind = "household"
    [tag_columns]        # a column whose yes-value (是/Y/1/√/true) adds a tag
    "是否低保" = "低保户"
    [extra]              # further columns kept with the subject
    "家庭人口" = "population"
"""

import tomllib
from pathlib import Path

from django.db import transaction
from django.utils import timezone

from minqing.cases.errors import InvalidInput
from minqing.regions.importers import ImportFailed
from minqing.regions.models import Region
from minqing.tabular import NO_DATA_ROWS, RowErrors, TableError, _clean, check_row, field_max_length, read_rows

from .actions import SUBJECT_KINDS, clean_tags, restamp_visits, validate_subject_fields
from .models import Subject, SubjectTag, Tag

COLUMNS = ["external_id", "kind", "name", "region_code", "tags", "credit_code", "address", "phone"]
OPTIONAL = ["household_no", "contact_name"]
REQUIRED = ["external_id", "kind", "name", "region_code"]
LIMITED = ["external_id", "name", "address", "phone", "household_no", "contact_name"]  # checked by max_length
YES = {"是", "y", "yes", "1", "true", "√", "✓", "有"}
KIND_WORDS = {"户": "household", "农户": "household", "居民户": "household", "家庭": "household",
              "企业": "enterprise", "公司": "enterprise"}
FIELDS = ["kind", "name", "region_id", "region_path", "credit_code", "address", "phone", "household_no",
          "contact_name", "extra"]


def load_mapping(mapping):
    if mapping in (None, ""):
        return {}
    if isinstance(mapping, dict):
        return mapping
    path = Path(mapping)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ImportFailed(f"映射文件不存在 / mapping file not found: {path}") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as e:
        raise ImportFailed(f"映射文件格式错误 / the mapping file is not valid TOML: {e}") from None
    known = {"columns", "values", "defaults", "tag_columns", "extra"}
    unknown = set(data) - known
    if unknown:
        raise ImportFailed(f"映射文件含未知段 / unknown mapping sections: {', '.join(sorted(unknown))}")
    return data


def _translate(raw, mapping):
    """One file row -> our columns, extra data and tags from tag columns."""
    cols = mapping.get("columns", {})
    values = mapping.get("values", {})
    defaults = mapping.get("defaults", {})
    row = {}
    for ours in COLUMNS + OPTIONAL:
        theirs = cols.get(ours, ours)
        v = _clean(raw.get(theirs))
        if not v and ours in defaults:
            v = str(defaults[ours])
        if v in values.get(ours, {}):
            v = str(values[ours][v])
        row[ours] = v
    if row["kind"] in KIND_WORDS:
        row["kind"] = KIND_WORDS[row["kind"]]
    else:  # its label (企业, Enterprise) or an everyday word for it
        from minqing.choices import ALIASES, parse_choice

        from .models import SubjectKind

        row["kind"] = parse_choice(SubjectKind, row["kind"], ALIASES["visits.SubjectKind"]) or row["kind"]
    extra_tags = [tag for col, tag in mapping.get("tag_columns", {}).items()
                  if _clean(raw.get(col)).lower() in YES]
    extra = {ours: _clean(raw.get(theirs)) for theirs, ours in mapping.get("extra", {}).items()
             if _clean(raw.get(theirs))}
    return row, extra, extra_tags


def _check_columns(header, mapping):
    cols = mapping.get("columns", {})
    defaults = mapping.get("defaults", {})
    missing = [f"{c}" + (f" (映射为 / mapped to '{cols[c]}')" if c in cols else "")
               for c in REQUIRED if cols.get(c, c) not in header and c not in defaults]
    if missing:
        raise ImportFailed(f"缺少列 / missing column(s): {', '.join(missing)}")
    for theirs in list(mapping.get("tag_columns", {})) + list(mapping.get("extra", {})):
        if theirs not in header:
            raise ImportFailed(f"映射文件中的列不存在 / the mapping names a column the file lacks: {theirs}")


def import_subjects(path, mapping=None, on_error="refuse", progress=None, **_):
    """Import subjects; returns {created, updated, merged, skipped}. Raises ImportFailed.
    ``progress(done, total)`` hears of the rows checked, and of all of them when written."""
    if on_error not in ("refuse", "skip"):
        raise ImportFailed("on_error must be refuse or skip")
    mapping = load_mapping(mapping)
    try:
        raw_rows = list(read_rows(path))
    except TableError as e:
        raise ImportFailed(str(e)) from None
    if not raw_rows:
        raise ImportFailed(NO_DATA_ROWS)
    header = set()
    for _, r in raw_rows[:1]:
        header = set(r)
    _check_columns(header, mapping)

    errors = RowErrors()
    region_codes = set()
    parsed = []
    cols = mapping.get("columns", {})
    used = {cols.get(c, c) for c in COLUMNS + OPTIONAL} | set(mapping.get("tag_columns", {})) | set(
        mapping.get("extra", {}))
    limits = {cols.get(c, c): field_max_length(Subject, c) for c in LIMITED}
    progress = progress or (lambda done, total=None: None)
    for i, (n, raw) in enumerate(raw_rows):
        if i % 1000 == 0:
            progress(i, len(raw_rows))
        # the file's cells as they are, before any translation: NUL characters and texts longer
        # than their column are this row's errors (SQLite and PostgreSQL alike)
        if not check_row(errors, n, {k: _clean(v) for k, v in raw.items()}, limits, columns=used):
            continue
        row, extra, extra_tags = _translate(raw, mapping)
        parsed.append((n, row, extra, extra_tags))
        region_codes.add(row["region_code"])
    regions = {r.code: r for r in Region.objects.filter(code__in=region_codes)}

    good = []
    seen_ids, seen_codes, seen_house = {}, {}, {}
    for n, row, extra, extra_tags in parsed:
        before = len(errors.errors)
        ext = row["external_id"]
        if not ext:
            errors.add(n, "external_id", "必填 / required")
        elif len(ext) > 64:
            errors.add(n, "external_id", "过长 / too long (max 64)")
        elif ext in seen_ids:
            errors.add(n, "external_id", f"与第{seen_ids[ext]}行重复 / duplicate of row {seen_ids[ext]}")
        region = regions.get(row["region_code"])
        if row["region_code"] and region is None:
            errors.add(n, "region_code", f"区划不存在 / unknown region {row['region_code']}")
        try:
            tags = clean_tags(row["tags"]) + [t for t in extra_tags]
            tags = list(dict.fromkeys(tags))
            if row["kind"] not in SUBJECT_KINDS:
                raise InvalidInput("应为 household 或 enterprise / must be household or enterprise", field="kind")
            if region is not None:
                name, credit, phone, address, house_no = validate_subject_fields(
                    row["kind"], row["name"], region, row["credit_code"], row["phone"], row["address"],
                    row["household_no"])
        except InvalidInput as e:
            errors.add(n, e.field, e.message)
        if len(errors.errors) > before or region is None:
            continue
        if credit:
            if credit in seen_codes:
                errors.add(n, "credit_code", f"与第{seen_codes[credit]}行为同一企业 / same enterprise as row "
                                             f"{seen_codes[credit]}")
                continue
            seen_codes[credit] = n
        if house_no:
            key = (house_no, address)
            if key in seen_house:
                errors.add(n, "household_no", f"户号和地址与第{seen_house[key]}行相同 / same household number "
                                              f"and address as row {seen_house[key]}")
                continue
            seen_house[key] = n
        seen_ids[ext] = n
        good.append((n, ext, {
            "kind": row["kind"], "name": name, "region_id": region.pk, "region_path": region.path,
            "credit_code": credit, "address": address, "phone": phone, "household_no": house_no,
            "contact_name": row["contact_name"], "extra": extra,
        }, tags))

    # match against what is already registered: credit code, household number + address, external id
    by_ext = _existing("external_id", [g[1] for g in good])
    by_credit = _existing("credit_code", [g[2]["credit_code"] for g in good if g[2]["credit_code"]])
    house_nos = [g[2]["household_no"] for g in good if g[2]["household_no"]]
    by_house = {}
    for pk, ext, house_no, address in _select_in(
            "SELECT id, external_id, household_no, address FROM {table} WHERE household_no IN ({marks})", house_nos):
        by_house[(house_no, address)] = {"pk": pk, "external_id": ext}
    plan = []
    claimed = {}
    for n, ext, fields, tags in good:
        match = None
        if fields["credit_code"]:
            match = by_credit.get(fields["credit_code"])
        elif fields["household_no"]:
            match = by_house.get((fields["household_no"], fields["address"]))
        same_ext = by_ext.get(ext)
        if match and same_ext and match["pk"] != same_ext["pk"]:
            errors.add(n, "external_id", f"编号 {ext} 已属于另一对象，而本行与 {match['external_id']} 重复 / "
                                         f"{ext} belongs to another subject, yet this row duplicates "
                                         f"{match['external_id']}")
            continue
        match = match or same_ext
        if match and match["pk"] in claimed:
            errors.add(n, None, f"与第{claimed[match['pk']]}行为同一已登记对象 {match['external_id']} / same "
                                f"registered subject as row {claimed[match['pk']]}")
            continue
        if match:
            claimed[match["pk"]] = n
        plan.append((n, ext, fields, tags, match))

    if errors and on_error == "refuse":
        raise ImportFailed(errors)
    bad_rows = {row for row, _, _ in errors.errors}
    created = updated = merged = 0
    now = timezone.now()
    with transaction.atomic():
        new = [(ext, fields) for n, ext, fields, tags, match in plan if match is None]
        _insert(new, now)
        ids = _existing("external_id", [ext for ext, _ in new])
        tag_map, replace = {}, []
        for _n, ext, _fields, tags, match in plan:
            if match is None:
                tag_map[ids[ext]["pk"]] = tags
                created += 1
        updates = []
        moved = []
        old_regions = _select_in("SELECT id, region_id FROM {table} WHERE id IN ({marks})",
                                 [m["pk"] for *_, m in plan if m])
        old_regions = dict(old_regions)
        for _n, ext, fields, tags, match in plan:
            if match is None:
                continue
            updates.append((match["pk"], fields))
            tag_map[match["pk"]] = tags
            replace.append(match["pk"])
            if old_regions.get(match["pk"]) != fields["region_id"]:
                moved.append(match["pk"])
            if match["external_id"] != ext:
                merged += 1
            else:
                updated += 1
        _update(updates)
        if moved:
            restamp_visits(moved)
        _set_tags(tag_map, replace)
    progress(len(raw_rows), len(raw_rows))
    result = {"created": created, "updated": updated, "merged": merged, "skipped": len(bad_rows)}
    if errors:
        result["errors"] = errors.report()
    return result


def _select_in(sql, values, chunk=900):
    """Rows of ``sql`` (with {table} and {marks}) for values in chunks, as plain tuples."""
    from django.db import connection

    out = []
    values = list(values)
    with connection.cursor() as cur:
        for start in range(0, len(values), chunk):
            part = values[start:start + chunk]
            cur.execute(sql.format(table=Subject._meta.db_table, marks=", ".join(["%s"] * len(part))), part)
            out += cur.fetchall()
    return out


def _insert(rows, now):
    """INSERT new subjects with one statement executed many times (no model instances)."""
    import json

    from django.db import connection

    if not rows:
        return
    jsonb = "::jsonb" if connection.vendor == "postgresql" else ""
    cols = ["external_id", *FIELDS, "created_at"]
    marks = ", ".join(f"%s{jsonb}" if c == "extra" else "%s" for c in cols)
    sql = f"INSERT INTO {Subject._meta.db_table} ({', '.join(cols)}) VALUES ({marks})"
    params = [[ext, *(json.dumps(f[c], ensure_ascii=False) if c == "extra" else f[c] for c in FIELDS), now]
              for ext, f in rows]
    with connection.cursor() as cur:
        for start in range(0, len(params), 5000):
            cur.executemany(sql, params[start:start + 5000])


def _update(rows):
    """UPDATE many subjects, one parameterised statement executed many times (Django's bulk_update
    builds CASE WHEN … per field, which is quadratic in the batch size)."""
    import json

    from django.db import connection

    if not rows:
        return
    jsonb = "::jsonb" if connection.vendor == "postgresql" else ""
    sets = ", ".join(f"{f} = %s{jsonb if f == 'extra' else ''}" for f in FIELDS)
    sql = f"UPDATE {Subject._meta.db_table} SET {sets} WHERE id = %s"
    params = [[json.dumps(f[c], ensure_ascii=False) if c == "extra" else f[c] for c in FIELDS] + [pk]
              for pk, f in rows]
    with connection.cursor() as cur:
        for start in range(0, len(params), 5000):
            cur.executemany(sql, params[start:start + 5000])


def _set_tags(tag_map, replace):
    """Tags of the imported subjects: those of updated subjects replaced, all in raw SQL."""
    from django.db import connection

    names = {t for tags in tag_map.values() for t in tags}
    tags = {t.name: t.pk for t in Tag.objects.filter(name__in=names)}
    missing = [Tag(name=n) for n in names if n not in tags]
    if missing:
        Tag.objects.bulk_create(missing, ignore_conflicts=True)
        tags = {t.name: t.pk for t in Tag.objects.filter(name__in=names)}
    table = SubjectTag._meta.db_table
    with connection.cursor() as cur:
        for start in range(0, len(replace), 900):
            part = replace[start:start + 900]
            cur.execute(f"DELETE FROM {table} WHERE subject_id IN ({', '.join(['%s'] * len(part))})", part)
        rows = [(sid, tags[n]) for sid, names_ in tag_map.items() for n in names_]
        for start in range(0, len(rows), 5000):
            cur.executemany(f"INSERT INTO {table} (subject_id, tag_id) VALUES (%s, %s)", rows[start:start + 5000])


def _existing(field, values):
    out = {}
    for pk, ext, credit in _select_in(f"SELECT id, external_id, credit_code FROM {{table}} WHERE {field} IN ({{marks}})",
                                      values):
        s = {"pk": pk, "external_id": ext, "credit_code": credit}
        out[s[field]] = s
    return out


# ---- pairings: ``minqing import pairs FILE`` ---------------------------------------------------

PAIR_COLUMNS = ["cadre", "subject", "role", "since"]
PAIR_REQUIRED = ["cadre", "subject"]


def import_pairs(path, mapping=None, on_error="refuse", actor=None, progress=None, **_):
    """结对 from CSV/XLSX: ``cadre`` (username), ``subject`` (external id), optionally ``role``
    (paired|steward|contact or 结对、红色管家、联系户) and ``since`` (YYYY-MM-DD); each row goes
    through ``actions.pair`` as ``minqing visit pair`` does (an existing pairing stays as it is).
    Returns {paired, skipped}."""
    from minqing.cases.errors import ActionError
    from minqing.people.importers import mapped_rows
    from minqing.people.scoping import Actor

    from . import actions

    if on_error not in ("refuse", "skip"):
        raise ImportFailed("on_error must be refuse or skip")
    actor = actor or Actor.system("import:pairs")
    rows = mapped_rows(path, mapping, PAIR_COLUMNS, PAIR_REQUIRED)
    errors = RowErrors()
    paired = 0
    total = len(rows)
    if progress:
        progress(0, total)
    with transaction.atomic():
        for i, (n, r) in enumerate(rows, 1):
            if not check_row(errors, n, r):
                continue
            try:
                with transaction.atomic():
                    actions.pair(actor, cadre=r["cadre"], subjects=[r["subject"]],
                                 role=r["role"] or "paired", since=r["since"] or None)
                paired += 1
            except ActionError as e:
                errors.add(n, e.field or "", e.message)
            if progress and (i % 100 == 0 or i == total):
                progress(i, total)
        if errors and on_error == "refuse":
            raise ImportFailed(errors)
    out = {"paired": paired, "skipped": len({row for row, _, _ in errors.errors})}
    if errors:
        out["errors"] = errors.report()
    return out
