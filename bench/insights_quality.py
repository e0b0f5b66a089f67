"""Quality of the insight layer on the shipped evaluation set (a throw-away database).

    .venv/bin/python bench/insights_quality.py [--no-model] [--json]

1. a fresh SQLite database in a temporary data directory, migrated; the
   evaluation region tree (株洲市, ``insights/data/eval_regions.csv``) imported
   as the deployment's own regions;
2. the category model trained on the tuning half (``eval_tune.csv``) as if it
   were the deployment's decided cases;
3. ``evaluate`` on the held-out half (``eval_holdout.csv``) and, for reference, on the tuning half;
4. duplicates: ``eval_duplicates.csv`` pairs on the held-out split, with every
   evaluation text also registered as a distractor case.
"""

import json
import os
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.path.join(HERE, "..", "src", "minqing", "insights", "data")


def setup():
    tmp = tempfile.mkdtemp(prefix="mq-insights-")
    os.environ["MINQING_DATA_DIR"] = tmp
    os.environ.pop("MINQING_DATABASE_URL", None)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "minqing.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    import io

    call_command("import", "regions", os.path.join(DATA, "eval_regions.csv"), verbosity=0, stdout=io.StringIO())
    return tmp


def clean_keywords(tune):
    """Keep only the keywords a deployment could have tuned without the held-out half: the first
    release's defaults, and the later ones that occur in at least one tuning text. (The shipped
    keyword list was written by the same author as both halves; this bounds that leak.)"""
    import importlib

    from minqing.cases.models import Category
    from minqing.insights import classify
    from minqing.insights.normalize import normalize

    first = importlib.import_module("minqing.insights.migrations.0002_category_keywords").FIRST_DEFAULTS
    texts = [normalize(r["text"]).lower() for r in tune]
    dropped = 0
    for cat in Category.objects.all():
        old = set(first.get(cat.code, "").split())
        kept = [k for k in cat.keywords.split() if k in old or any(k in t for t in texts)]
        dropped += len(cat.keywords.split()) - len(kept)
        cat.keywords = " ".join(kept)
        cat.save(update_fields=["keywords"])
    classify.invalidate()
    return dropped


def main():
    args = sys.argv[1:]
    setup()
    from minqing.insights import classify, evaluate

    out = {}
    tune = evaluate.read_csv(os.path.join(DATA, "eval_tune.csv"))
    hold = evaluate.read_csv(os.path.join(DATA, "eval_holdout.csv"))
    if "--clean-keywords" in args:
        out["dropped_keywords"] = clean_keywords(tune)
    if "--no-model" not in args:
        t = time.perf_counter()
        row = classify.train(evaluate.samples_from_rows(tune))
        out["train_seconds"] = round(time.perf_counter() - t, 2)
        out["train_samples"] = row.n_samples
    out["holdout"] = evaluate.evaluate(hold)
    out["tune"] = evaluate.evaluate(tune)
    if "--dups" in args or "--all" in args:
        from insights_dups import run_duplicates  # noqa: E402

        ths = (None,) if "--sweep" not in args else (None, 0.3, 0.33, 0.35, 0.37, 0.4, 0.45, 0.5)
        out["duplicates"] = run_duplicates(
            os.path.join(DATA, "eval_duplicates.csv"),
            {"tune": [r["text"] for r in tune], "hold": [r["text"] for r in hold]}, ths,
        )
    if "--json" in args:
        print(json.dumps(out, ensure_ascii=False, indent=1))
        return
    for name in ("holdout", "tune"):
        print(f"== {name}")
        for line in evaluate.format_report(out[name]):
            print("  " + line)
    if "--errors" in args:
        for e in out["tune"]["category_errors"]:
            print("  tune miss:", e["expected"], e["got"], e["text"])
        for e in out["tune"]["place_errors"]:
            print("  tune place miss:", e)
    if "duplicates" in out:
        for split, by_th in out["duplicates"].items():
            for th, r in by_th.items():
                print(f"== duplicates {split} threshold {th}: recall {r['recall']} precision {r['precision']} "
                      f"({r['paraphrases']} paraphrase pairs of {r['pairs']}, {r['suggestions']} suggestions)")
                if split == "tune" and "--errors" in args:
                    for m in r["missed"]:
                        print("     missed:", m)
                    for m in r["wrong"]:
                        print("     wrong:", m)


if __name__ == "__main__":
    sys.path.insert(0, HERE)
    main()
