"""Duplicates on paraphrase pairs (``insights/data/eval_duplicates.csv``).

For one split: every distinct first text ("a") is registered as a case through
the actions layer (so the registration receiver and the lazy index are what is
measured), together with the other half's evaluation texts about other places
as distractors (those about the pairs' places could be true duplicates). Then
for every pair the second text ("b") is checked against the index. A suggestion
is right when the pair is a paraphrase (same = 1) and the suggestion is that
pair's "a" case; every other suggestion is wrong.

recall = paraphrase pairs whose "a" was suggested / paraphrase pairs
precision = right suggestions / all suggestions
pair precision = paraphrase pairs whose "a" was suggested / pairs (paraphrase or near
miss) whose "a" was suggested — the pair set's own question "is b a duplicate of a?"
"""

import csv


def load_pairs(path, split):
    with open(path, encoding="utf-8") as fh:
        return [r for r in csv.DictReader(fh) if r["split"] == split]


def run_split(path, split, distractors, thresholds=(None,)):
    from django.db import transaction

    from minqing.cases import actions
    from minqing.cases.models import Case
    from minqing.insights import classify, duplicates, indexing, places
    from minqing.insights.text import read
    from minqing.people.scoping import Actor

    pairs = load_pairs(path, split)
    system = Actor.system("bench")
    # distractors about a place of the pairs could be true duplicates of them (the evaluation
    # texts of the other half share places and problems); keep only those elsewhere
    idx = places.index()
    pair_places = {duplicates.place_key(read(t, idx).place) for p in pairs for t in (p["a"], p["b"])}
    distractors = [t for t in distractors if duplicates.place_key(read(t, idx).place) not in pair_places]
    with transaction.atomic():
        Case.objects.all().delete()
    ids = {}
    for text in dict.fromkeys([p["a"] for p in pairs]):
        ids[text] = actions.register(system, text=text, channel="hotline", kind="complaint").pk
    for text in distractors:
        actions.register(system, text=text, channel="web", kind="complaint")
    indexing.catch_up()
    items = []
    for p in pairs:
        rd = read(p["b"], idx)
        sugg = classify.suggest(rd.content)
        items.append({"place_key": duplicates.place_key(rd.place), "place_ident": duplicates.place_ident(rd.place),
                      "content": rd.content, "tokens": rd.tokens, "categories": [s["code"] for s in sugg],
                      "scores": {s["code"]: s["score"] for s in sugg}})
    results = {}
    for th in thresholds:
        found = duplicates.find(items, threshold=th, limit=10)
        right = wrong = hit = pos = flagged = 0
        misses, wrongs = [], []
        texts = dict(Case.objects.values_list("pk", "text"))
        for p, sugg in zip(pairs, found):
            target = ids[p["a"]]
            got = {s["case_id"] for s in sugg}
            if target in got:
                flagged += 1
            if p["same"] == "1":
                pos += 1
                if target in got:
                    hit += 1
                elif len(misses) < 10:
                    misses.append(p["b"])
            for cid in got:
                if p["same"] == "1" and cid == target:
                    right += 1
                else:
                    wrong += 1
                    if len(wrongs) < 10:
                        wrongs.append((p["same"], p["b"], texts.get(cid)))
        results["default" if th is None else th] = {
            "pairs": len(pairs), "distractors": len(distractors), "paraphrases": pos,
            "recall": round(hit / pos, 4) if pos else None,
            "precision": round(right / (right + wrong), 4) if right + wrong else None,
            "suggestions": right + wrong, "missed": misses, "wrong": wrongs,
            # per pair: of the pairs whose own "a" was suggested for "b", the share that are
            # paraphrases (a near miss flagged as its pair's duplicate counts against it); other
            # pairs' "a" texts about the same problem at the same place are not counted
            "pair_precision": round(hit / flagged, 4) if flagged else None, "pairs_flagged": flagged,
        }
    return results


def run_duplicates(path, rows_by_split, thresholds=(None,)):
    """``rows_by_split``: {"tune": [texts], "hold": [texts]} of the category evaluation set;
    each split is checked with the *other* half's texts as distractors."""
    return {
        split: run_split(path, split, rows_by_split["hold" if split == "tune" else "tune"], thresholds)
        for split in ("tune", "hold")
    }
