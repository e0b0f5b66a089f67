"""Quality of the insight layer on the shipped evaluation set (a throw-away database).

    .venv/bin/python bench/insights_quality.py [--no-model] [--dups] [--errors] [--json] [--colloquial]

1. a fresh SQLite database in a temporary data directory, migrated; the
   evaluation region tree (株洲市, ``insights/data/eval_regions.csv``) imported
   as the deployment's own regions;
2. the category model trained on the tuning texts — all the old texts,
   ``eval_tune.csv`` + ``eval_holdout.csv`` (both were seen while the keywords
   were written) — as if they were the deployment's decided cases;
3. ``evaluate`` on the held-out set ``eval_fresh.csv`` (written before any
   tuning, by someone who had not read the keywords, the classifier or the old
   texts; nothing may be tuned on it) and, for reference, on the tuning texts;
4. duplicates: the held-out pairs ``eval_fresh_duplicates.csv`` with every
   tuning text registered as a distractor case, and for reference the old pairs
   ``eval_duplicates.csv`` (each old split with the other old half as distractors).

``--colloquial`` adds the independent colloquial set (``eval_colloquial.csv``,
``eval_colloquial_duplicates.csv``, written by someone who never read the method):
categories measured twice — first as a fresh deployment, before any local
training (what ships), then after training on the tuning texts — and the
colloquial duplicate pairs (with the tuning texts as distractors), recall and
precision. Aggregates only: never its texts or its misses.

``--errors`` lists misses of the tuning texts only; the held-out set is only
ever reported in aggregate.
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


def main():
    args = sys.argv[1:]
    setup()
    from minqing.insights import classify, evaluate

    out = {}
    old_tune = evaluate.read_csv(os.path.join(DATA, "eval_tune.csv"))
    old_hold = evaluate.read_csv(os.path.join(DATA, "eval_holdout.csv"))
    tune = old_tune + old_hold
    fresh = evaluate.read_csv(os.path.join(DATA, "eval_fresh.csv"))
    colloquial = "--colloquial" in args or "--all" in args
    if colloquial:
        coll = evaluate.read_csv(os.path.join(DATA, "eval_colloquial.csv"))
        rep = evaluate.evaluate(coll)  # a fresh deployment: no local training yet
        out["colloquial_fresh_deployment"] = {"category": rep["category"], "place": rep["place"]}
    if "--no-model" not in args:
        t = time.perf_counter()
        row = classify.train(evaluate.samples_from_rows(tune))
        out["train_seconds"] = round(time.perf_counter() - t, 2)
        out["train_samples"] = row.n_samples
    out["heldout"] = evaluate.evaluate(fresh)
    out["tune"] = evaluate.evaluate(tune)
    if colloquial:
        rep = evaluate.evaluate(coll)
        out["colloquial_trained"] = {"category": rep["category"], "place": rep["place"]}
    # the held-out set is reported in aggregate only: never its texts or its misses
    for key in ("category_errors", "place_errors"):
        out["heldout"].pop(key, None)
    if "--dups" in args or "--all" in args:
        from insights_dups import run_split  # noqa: E402

        ths = (None,) if "--sweep" not in args else (None, 0.3, 0.33, 0.34, 0.35, 0.37, 0.4, 0.45, 0.5)
        tune_texts = [r["text"] for r in tune]
        dups = {"heldout": run_split(os.path.join(DATA, "eval_fresh_duplicates.csv"), "fresh", tune_texts, ths)}
        # tuning pairs in callers' words, written for the method (not the held-out set)
        dups["tune-colloquial"] = run_split(os.path.join(DATA, "train_colloquial_duplicates.csv"), "tune_colloquial",
                                            tune_texts, ths)
        if colloquial:
            dups["colloquial"] = run_split(os.path.join(DATA, "eval_colloquial_duplicates.csv"), "colloquial",
                                           tune_texts, ths)
        for split, other in (("tune", old_hold), ("hold", old_tune)):
            dups["old-" + split] = run_split(os.path.join(DATA, "eval_duplicates.csv"), split,
                                             [r["text"] for r in other], ths)
        for by_th in [v for k in ("heldout", "colloquial") for v in dups.get(k, {}).values()]:
            by_th.pop("missed", None)
            by_th.pop("wrong", None)
        out["duplicates"] = dups
    if "--json" in args:
        print(json.dumps(out, ensure_ascii=False, indent=1))
        return
    titles = {"heldout": "held-out (eval_fresh.csv)", "tune": "tuning texts (eval_tune.csv + eval_holdout.csv)"}
    titles["colloquial_fresh_deployment"] = "colloquial held-out (eval_colloquial.csv), fresh deployment, no local training"
    titles["colloquial_trained"] = "colloquial held-out (eval_colloquial.csv), after local training on the tuning texts"
    for name in ("heldout", "tune", "colloquial_fresh_deployment", "colloquial_trained"):
        if name not in out:
            continue
        print(f"== {titles[name]}")
        if name.startswith("colloquial"):
            c = out[name]["category"]
            print(f"  rows {c['n']}  model {c['model']}  top-1 {c['top1']}  top-3 {c['top3']}  macro-F1 {c['macro_f1']}")
            continue
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
                      f"({r['paraphrases']} paraphrase pairs of {r['pairs']}, {r['suggestions']} suggestions, "
                      f"{r['distractors']} distractors; pair precision {r.get('pair_precision')} "
                      f"of {r.get('pairs_flagged')} pairs flagged)")
                if split not in ("heldout", "colloquial") and "--errors" in args:
                    for m in r["missed"]:
                        print("     missed:", m)
                    for m in r["wrong"]:
                        print("     wrong:", m)


if __name__ == "__main__":
    sys.path.insert(0, HERE)
    main()
