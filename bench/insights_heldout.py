"""The current insight method on the independent held-out set ``bench/data/heldout_2026_12/`` (issue 14).

    PYTHONPATH=src .venv/bin/python bench/insights_heldout.py [--json]

Measures, never tunes: nothing under ``src/`` is changed or chosen from this set, and only
aggregate figures are printed (never a text, never a per-item result).

Setup as ``bench/insights_quality.py``: a fresh SQLite database in a temporary data
directory, migrated, with the evaluation region tree (株洲市, ``insights/data/eval_regions.csv``)
imported as the deployment's own regions.

1. Categories, as a fresh deployment runs them (no local training: whatever
   ``minqing.insights.classify`` uses then — the shipped base model, keywords and
   descriptions): top-1 and top-3 of ``classify.suggest_many`` on the normalised content
   (``insights.evaluate.evaluate``, the ``minqing insights evaluate`` command's code), plus
   slices that need no reading of items: texts with traditional characters
   (``normalize.has_traditional``) vs not, short (< 15 characters) vs long.
2. Duplicates, fresh deployment: every distinct text of ``duplicates.tsv`` is registered through
   ``cases.actions.register`` as an open case at the pair's place (``place`` read against the
   region tree: the region it resolves to is the case's registered region, the string its
   address), together with the project's own evaluation texts (``eval_tune.csv`` +
   ``eval_holdout.csv``) about other places as distractors (as ``bench/insights_dups.py`` does),
   indexed by ``indexing.catch_up``. For each pair the inbox's own function
   (``web.suggest.similar_cases``, the "可能重复" list, default limit) is asked for text_b's case.
   recall = ``same`` pairs whose text_a case is listed / ``same`` pairs;
   precision = ``same`` pairs flagged / pairs flagged (text_a's case listed for text_b's),
   at the threshold the product uses (``duplicates.find`` with no threshold). The time of one
   check (one ``similar_cases`` call) is measured per pair: median and p95, with the candidate
   pool (open indexed cases) given.
3. After local training (``classify.train``) on the project's OWN corpus — the decided cases a
   deployment would have, here its evaluation/tuning texts ``eval_tune.csv`` +
   ``eval_holdout.csv`` (as ``bench/insights_quality.py``), never a held-out text — the
   categories again and, after ``indexing.reindex_all``, the duplicates again.
"""

import csv
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
DATA = os.path.join(ROOT, "src", "minqing", "insights", "data")
HELDOUT = os.path.join(HERE, "data", "heldout_2026_12")
SHORT = 15


def read_tsv(name):
    with open(os.path.join(HELDOUT, name), encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh, delimiter="\t", quoting=csv.QUOTE_NONE))


def setup():
    tmp = tempfile.mkdtemp(prefix="mq-heldout-")
    os.environ["MINQING_DATA_DIR"] = tmp
    os.environ.pop("MINQING_DATABASE_URL", None)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "minqing.settings")
    import django

    django.setup()
    import io

    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    call_command("import", "regions", os.path.join(DATA, "eval_regions.csv"), verbosity=0, stdout=io.StringIO())
    return tmp


def categories(rows):
    """Aggregates only: overall and per slice (traditional / simplified, short / long)."""
    from minqing.insights import classify, evaluate
    from minqing.insights.normalize import has_traditional

    known = {c.code for c in classify.catalog()[0].cats}
    rows = [{"text": r["text"], "category": r["category"], "place_code": ""} for r in rows]
    slices = {
        "all": rows,
        "traditional": [r for r in rows if has_traditional(r["text"])],
        "simplified_only": [r for r in rows if not has_traditional(r["text"])],
        f"short_lt{SHORT}": [r for r in rows if len(r["text"]) < SHORT],
        f"long_ge{SHORT}": [r for r in rows if len(r["text"]) >= SHORT],
    }
    out = {"model": classify.catalog()[1] is not None,
           "labels_unknown_to_deployment": sum(1 for r in rows if r["category"] not in known)}
    for name, part in slices.items():
        c = evaluate.evaluate(part)["category"] if part else {"n": 0, "top1": None, "top3": None, "macro_f1": None}
        out[name] = {k: c[k] for k in ("n", "top1", "top3", "macro_f1")}
    return out


def register_all(pairs, distractors):
    """Every distinct (text, place) of the pairs as an open case at that place; the distractors
    about other places as cases too. Returns ({(text, place): case}, stats)."""
    from django.db import transaction

    from minqing.cases import actions
    from minqing.cases.models import Case
    from minqing.insights import duplicates, indexing, places
    from minqing.insights.text import read
    from minqing.people.scoping import Actor
    from minqing.regions.models import Region

    system = Actor.system("bench")
    idx = places.index()
    with transaction.atomic():
        Case.objects.all().delete()
    region_of, resolved = {}, 0
    for place in {p["place"] for p in pairs}:
        pl = read(place, idx).place
        code = pl["code"] if pl and pl.get("code") else None
        region_of[place] = Region.objects.filter(code=code).first() if code else None
        resolved += region_of[place] is not None
    cases = {}
    for p in pairs:
        for text in (p["text_a"], p["text_b"]):
            key = (text, p["place"])
            if key not in cases:
                cases[key] = actions.register(system, text=text, channel="hotline", kind="complaint",
                                              region=region_of[p["place"]], address=p["place"])
    pair_keys = set()
    for (text, _place), case in cases.items():
        pair_keys.add(duplicates.place_key(indexing.place_for(
            read(text, idx), case.region.code if case.region_id else None, idx)))
    kept = [t for t in distractors if duplicates.place_key(read(t, idx).place) not in pair_keys]
    for text in kept:
        actions.register(system, text=text, channel="web", kind="complaint")
    indexing.catch_up()
    stats = {"places": len(region_of), "places_resolved_to_a_region": resolved,
             "pair_cases": len(cases), "distractor_cases": len(kept)}
    return cases, stats


def duplicates_run(pairs, cases, stats):
    from minqing.cases.models import Case
    from minqing.insights import classify, duplicates
    from minqing.insights.models import CaseInsight
    from minqing.web.suggest import similar_cases

    pool = CaseInsight.objects.exclude(case__state__in=duplicates.CLOSED_STATES).count()
    threshold = duplicates.THRESHOLD if classify.catalog()[1] is not None else duplicates.THRESHOLD_NO_MODEL
    same = hit = flagged = flagged_same = 0
    times, listed = [], []
    for p in pairs:
        a, b = cases[(p["text_a"], p["place"])], cases[(p["text_b"], p["place"])]
        case_b = Case.objects.select_related("region", "category").get(pk=b.pk)
        t = time.perf_counter()
        found = similar_cases([case_b]).get(case_b.pk, [])
        times.append((time.perf_counter() - t) * 1000)
        listed.append(len(found))
        got = {d["case_id"] for d in found}
        if p["label"] == "same":
            same += 1
            hit += a.pk in got
        if a.pk in got:
            flagged += 1
            flagged_same += p["label"] == "same"
    times.sort()
    return {
        "pairs": len(pairs), "same": same, "different": len(pairs) - same,
        "threshold": threshold, "recall": round(hit / same, 4) if same else None,
        "pairs_flagged": flagged, "precision": round(flagged_same / flagged, 4) if flagged else None,
        "mean_listed_per_check": round(sum(listed) / len(listed), 2),
        "check_ms_median": round(statistics.median(times), 2),
        "check_ms_p95": round(times[min(len(times) - 1, int(0.95 * len(times)))], 2),
        "candidate_pool_open_cases": pool, **stats,
    }


def main():
    args = sys.argv[1:]
    setup()
    from minqing.insights import classify, evaluate, indexing

    cats = read_tsv("categories.tsv")
    pairs = read_tsv("duplicates.tsv")
    own = evaluate.read_csv(os.path.join(DATA, "eval_tune.csv")) + evaluate.read_csv(
        os.path.join(DATA, "eval_holdout.csv"))
    out = {"commit": subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True,
                                    text=True, check=False).stdout.strip(),
           "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())}
    out["categories_fresh"] = categories(cats)
    cases, stats = register_all(pairs, [r["text"] for r in own])
    out["duplicates_fresh"] = duplicates_run(pairs, cases, stats)
    row = classify.train(evaluate.samples_from_rows(own))
    out["train_samples"] = row.n_samples
    out["categories_trained"] = categories(cats)
    indexing.reindex_all()
    indexing.catch_up()
    out["duplicates_trained"] = duplicates_run(pairs, cases, stats)
    if "--json" in args:
        print(json.dumps(out, ensure_ascii=False, indent=1))
        return
    def pct(v):
        return "—" if v is None else f"{v * 100:.1f} %"
    print(f"commit {out['commit']}  {out['date']}")
    for key, title in (("categories_fresh", "categories, fresh deployment (no local training)"),
                       ("categories_trained", f"categories, after local training ({out['train_samples']} own texts)")):
        c = out[key]
        print(f"== {title}: model {c['model']}, labels unknown to the deployment {c['labels_unknown_to_deployment']}")
        for name in ("all", "traditional", "simplified_only", f"short_lt{SHORT}", f"long_ge{SHORT}"):
            s = c[name]
            print(f"  {name:16} n={s['n']:4}  top-1 {pct(s['top1'])}  top-3 {pct(s['top3'])}  macro-F1 {s['macro_f1']}")
    for key in ("duplicates_fresh", "duplicates_trained"):
        d = out[key]
        print(f"== {key}: threshold {d['threshold']}  recall {d['recall']}  precision {d['precision']} "
              f"({d['pairs_flagged']} pairs flagged of {d['pairs']}: {d['same']} same, {d['different']} different)")
        print(f"  one check: median {d['check_ms_median']} ms, p95 {d['check_ms_p95']} ms; pool "
              f"{d['candidate_pool_open_cases']} open cases ({d['pair_cases']} pair texts, {d['distractor_cases']} "
              f"distractors); places {d['places']} ({d['places_resolved_to_a_region']} resolved to a region); "
              f"mean listed {d['mean_listed_per_check']}")


if __name__ == "__main__":
    sys.path.insert(0, HERE)
    main()
