"""The deployment plan against the nearest-region baseline on a generated county (issue 4).

    .venv/bin/python bench/visits_plan.py [--seed 1] [--load 3] [--per-visit 20]

A fresh SQLite database in a temporary data directory gets one county of 20
townships × 15 villages (100–600 households each, ~5 % enterprises), a quarter's
visits that already covered each village to a random degree (0–90 %), open cases
concentrated in a few problem-heavy villages (Pareto-distributed, 15 % of them red),
and 250 cadres (200 at townships, 40 at the county, 10 living in a village) with
ranks.  It then plans with ``visits.plan.make_plan`` (SciPy HiGHS MILP) and
reports, for the plan and for the baseline that sends each cadre to the ``load``
villages nearest their home region, the problem-weighted gap met, the share of
the whole gap, the expected coverage, and that no cadre exceeds the load or
leaves their home region.
"""

import argparse
import datetime as dt
import os
import random
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--load", type=int, default=3)
    p.add_argument("--per-visit", type=int, default=20)
    a = p.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="mq-plan-bench-"))
    os.environ.setdefault("MINQING_DATA_DIR", str(tmp))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "minqing.settings")
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.core.management import call_command

    call_command("migrate", verbosity=0, skip_checks=True)
    from minqing.cases.models import Case
    from minqing.insights import figures
    from minqing.people.models import Membership, Profile
    from minqing.regions.models import Region
    from minqing.visits.creditcode import make
    from minqing.visits.models import CoverageRule, Subject, Visit, VisitSubject
    from minqing.visits.plan import make_plan

    CoverageRule.objects.all().delete()
    rnd = random.Random(a.seed)
    t0 = time.time()
    prov = Region.objects.create(code="439900", name="省", level="province")
    city = Region.objects.create(code="439910", name="市", level="city", parent=prov)
    county = Region.objects.create(code="439911", name="县", level="county", parent=city)
    towns, villages = [], []
    for t in range(20):
        town = Region.objects.create(code=f"439911{t:03d}", name=f"镇{t}", level="township", parent=county)
        towns.append(town)
        for v in range(15):
            villages.append(Region.objects.create(code=f"{town.code}{v:03d}", name=f"村{t}-{v}",
                                                  level="village", parent=town))
    subjects = []
    n = 0
    for vil in villages:
        for _ in range(rnd.randint(100, 600)):
            n += 1
            if rnd.random() < 0.05:
                subjects.append(Subject(external_id=f"E{n}", kind="enterprise", name=f"企业{n}", region=vil,
                                        region_path=vil.path, credit_code=make(f"91439911{n:09d}")))
            else:
                subjects.append(Subject(external_id=f"H{n}", kind="household", name=f"户{n}", region=vil,
                                        region_path=vil.path, household_no=f"HN{n}"))
    Subject.objects.bulk_create(subjects, batch_size=2000)
    User = get_user_model()
    cadres = []
    for i in range(250):
        home = rnd.choice(towns) if i < 200 else county if i < 240 else rnd.choice(villages)
        u = User.objects.create(username=f"c{i:03d}", password="!")
        Membership.objects.create(user=u, role="cadre", region=home)
        rank = rnd.choice(["staff", "staff", "section", "section", "division"])
        Profile.objects.create(user=u, display_name=f"干部{i}", rank=rank, unit=home.name, home_region=home)
        cadres.append((u, rank))
    scope = figures.make_visit_scope(county, "2026-07-01", "2026-09-30")
    # visits so far this quarter: each village covered to a random degree
    by_village = {}
    for s in Subject.objects.all().only("pk", "region_id", "region_path", "kind"):
        by_village.setdefault(s.region_id, []).append(s)
    links = []
    for vil in villages:
        pool = by_village[vil.pk]
        share = rnd.uniform(0, 0.9)
        for s in rnd.sample(pool, int(len(pool) * share)):
            u, rank = rnd.choice(cadres)
            day = dt.date(2026, 7, 1) + dt.timedelta(days=rnd.randrange(60))
            v = Visit(cadre=u, cadre_rank=rank, rank_level=2, date=day, method="door", region=vil,
                      region_path=vil.path)
            links.append((v, s))
    Visit.objects.bulk_create([v for v, _ in links], batch_size=2000)
    VisitSubject.objects.bulk_create([
        VisitSubject(visit=v, subject=s, date=v.date, rank_level=v.rank_level, subject_kind=s.kind,
                     subject_region_id=s.region_id, subject_region_path=s.region_path) for v, s in links
    ], batch_size=2000)
    # open cases, concentrated: a Pareto weight per village
    weights = [rnd.paretovariate(1.2) for _ in villages]
    total_w = sum(weights)
    cases = []
    for i in range(3000):
        vil = rnd.choices(villages, weights)[0]
        red = rnd.random() < 0.15
        cases.append(Case(tracking_code=f"B{i:09d}", channel="hotline", kind="complaint", text="问题",
                          region=vil, region_path=vil.path, owner_region=vil.parent, state="in_progress",
                          alert_level="red" if red else "green"))
    Case.objects.bulk_create(cases, batch_size=2000)
    print(f"county: {len(villages)} villages, {len(subjects)} subjects, {len(links)} visited this quarter, "
          f"{len(cases)} open cases (Pareto over villages, weight share of top 10 %: "
          f"{sum(sorted(weights)[-30:]) / total_w:.0%}), 250 cadres; built in {time.time() - t0:.0f}s")
    t = time.time()
    plan = make_plan(scope, load=a.load, per_visit=a.per_visit)
    took = time.time() - t
    s = plan.summary()
    b = s["baseline_nearest"]
    print(f"plan (HiGHS MILP): {took:.1f}s including data, {s['assigned']} assignments")
    print(f"problem-weighted gap: {s['problem_weighted_gap']}")
    print(f"  plan     meets {s['problem_weighted_gap_met']:>10}  ({s['share_of_gap_met']:.1%}),"
          f" coverage {s['coverage_before']:.1%} → {s['coverage_expected']:.1%}")
    print(f"  nearest  meets {b['problem_weighted_gap_met']:>10}  ({b['share_of_gap_met']:.1%}),"
          f" coverage {s['coverage_before']:.1%} → {b['coverage_expected']:.1%}")
    load = {}
    for x in plan.assignments:
        load[x.cadre.username] = load.get(x.cadre.username, 0) + 1
        assert x.place.region.path.startswith(x.cadre.home.path), "left home region"
    assert max(load.values()) <= a.load, "load exceeded"
    print(f"max load used {max(load.values())} ≤ {a.load}; every assignment inside the cadre's home region")
    ok = s["problem_weighted_gap_met"] > b["problem_weighted_gap_met"]
    print("PASS: plan meets more of the problem-weighted gap" if ok else "FAIL: baseline is as good")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
