"""``minqing insights evaluate FILE.csv``: how well the category and place suggestions do.

The CSV has columns ``text``, ``category`` (a category code) and optionally
``place_code`` (the code of the deepest region the text names, in the
deployment's tree or the national 6-digit code). Reported:

- category top-1 and top-3 accuracy, and macro-F1 of the top-1 over the categories present;
- place accuracy per level: for every row whose ``place_code`` reaches that
  level (county: a 6-digit county code; township: 9 digits; village: 12), the
  share whose suggested place has the same code at that level.
"""

import csv
import io

from . import classify, places
from .text import read

LEVEL_DIGITS = [("province", 2), ("city", 4), ("county", 6), ("township", 9), ("village", 12)]


class EvalError(ValueError):
    pass


def read_csv(path):
    try:
        with open(path, encoding="utf-8-sig", newline="") as fh:
            data = fh.read()
    except OSError as e:
        raise EvalError(f"无法读取 / cannot read {path}: {e}") from None
    reader = csv.DictReader(io.StringIO(data))
    fields = reader.fieldnames or []
    for col in ("text", "category"):
        if col not in fields:
            raise EvalError(f"CSV 缺少列 {col} / the CSV has no column {col} (has: {', '.join(fields)})")
    rows = []
    for n, r in enumerate(reader, start=2):
        text = (r.get("text") or "").strip()
        if not text:
            raise EvalError(f"第 {n} 行 text 为空 / line {n}: text is empty")
        rows.append({"text": text, "category": (r.get("category") or "").strip(),
                     "place_code": (r.get("place_code") or "").strip()})
    if not rows:
        raise EvalError("CSV 没有数据行 / the CSV has no rows")
    return rows


def samples_from_rows(rows):
    idx = places.index()
    return [(read(r["text"], idx).content, r["category"]) for r in rows if r["category"]]


def _expected(code, digits):
    """The code of ``code``'s ancestor with ``digits`` significant digits, in the padded national form."""
    if len(code) < digits:
        return None
    if digits == 2:
        return code[:2] + "0000"
    if digits == 4:
        return None if code[2:4] == "00" else code[:4] + "00"
    if digits == 6:
        return None if code[4:6] == "00" else code[:6]
    return code[:digits]


def _predicted(place, level):
    if not place:
        return None
    for item in place["chain"]:
        if item["level"] == level:
            return item["code"]
    return None


def evaluate(rows):
    from sklearn.metrics import f1_score

    idx = places.index()
    readings = [read(r["text"], idx) for r in rows]
    suggestions = classify.suggest_many([rd.content for rd in readings], limit=3)
    top1 = top3 = 0
    y_true, y_pred = [], []
    errors = []
    for r, sugg in zip(rows, suggestions):
        codes = [s["code"] for s in sugg]
        if not r["category"]:
            continue
        y_true.append(r["category"])
        y_pred.append(codes[0] if codes else "")
        if codes and codes[0] == r["category"]:
            top1 += 1
        elif len(errors) < 50:
            errors.append({"text": r["text"], "expected": r["category"], "got": codes})
        if r["category"] in codes[:3]:
            top3 += 1
    n = len(y_true)
    labels = sorted(set(y_true))
    report = {
        "rows": len(rows),
        "category": {
            "n": n,
            "top1": round(top1 / n, 4) if n else None,
            "top3": round(top3 / n, 4) if n else None,
            "macro_f1": round(float(f1_score(y_true, y_pred, labels=labels, average="macro", zero_division=0)), 4)
            if n else None,
            "model": classify.catalog()[1] is not None,
        },
        "place": {},
        "category_errors": errors,
    }
    place_errors = []
    for level, digits in LEVEL_DIGITS:
        total = right = 0
        for r, rd in zip(rows, readings):
            want = _expected(r["place_code"], digits) if r["place_code"] else None
            if want is None:
                continue
            total += 1
            got = _predicted(rd.place, level)
            if got == want:
                right += 1
            elif level in ("county", "township") and len(place_errors) < 50:
                place_errors.append({"text": r["text"], "level": level, "expected": want, "got": got})
        report["place"][level] = {"n": total, "accuracy": round(right / total, 4) if total else None}
    no_place = [rd for r, rd in zip(rows, readings) if not r["place_code"]]
    report["place"]["unplaced_rows_given_a_place"] = sum(1 for rd in no_place if rd.place)
    report["place_errors"] = place_errors
    return report


def format_report(rep):
    c = rep["category"]
    pct = lambda v: "—" if v is None else f"{v * 100:.1f} %"  # noqa: E731
    lines = [
        f"样本 / rows: {rep['rows']}  (分类模型 / trained model: {'有 yes' if c['model'] else '无 no'})",
        f"分类 top-1 / category top-1: {pct(c['top1'])}",
        f"分类 top-3 / category top-3: {pct(c['top3'])}",
        f"宏平均F1 / macro-F1: {c['macro_f1'] if c['macro_f1'] is not None else '—'}",
    ]
    for level, _ in LEVEL_DIGITS:
        p = rep["place"][level]
        if p["n"]:
            lines.append(f"地点 {level} / place {level}: {pct(p['accuracy'])} (n={p['n']})")
    lines.append(f"未标地点却识别出地点 / rows without place_code given a place: "
                 f"{rep['place']['unplaced_rows_given_a_place']}")
    return lines
