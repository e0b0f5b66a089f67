import json

from django.core.management.base import BaseCommand, CommandError

from minqing.insights import figures


def pct(rate):
    return "—" if rate is None else f"{rate * 100:.1f} %"


class Command(BaseCommand):
    help = ("走访覆盖率、干部参与率、覆盖规则 / visit coverage, cadre participation and coverage-rule compliance "
            "for a region and date window (default: this quarter to date).")

    def add_arguments(self, parser):
        parser.add_argument("--region", help="region code")
        parser.add_argument("--from", dest="date_from", help="YYYY-MM-DD (visit date; default: start of the quarter)")
        parser.add_argument("--to", dest="date_to", help="YYYY-MM-DD (visit date; default: today)")
        parser.add_argument("--rules", action="store_true", help="add each coverage rule's compliant and "
                                                                   "non-compliant subjects")
        parser.add_argument("--limit", type=int, default=1000,
                            help="at most this many subjects per list (0 = all; default 1000)")
        parser.add_argument("--json", action="store_true", help="print JSON")
        parser.add_argument("--restamp-paths", action="store_true",
                            help="first re-copy region paths into subjects and visits (after regions were moved)")

    def handle(self, *args, **o):
        if o["limit"] < 0:
            raise CommandError("--limit must be >= 0")
        if o["restamp_paths"]:
            from minqing.visits.actions import restamp_paths

            self.stderr.write(f"restamped {restamp_paths()} row(s)")
        try:
            scope = figures.make_visit_scope(o["region"], o["date_from"], o["date_to"])
        except figures.FigureError as e:
            raise CommandError(f"--{e.field}: {e}") from None
        result = figures.coverage(scope, rules=o["rules"], limit=o["limit"], never_limit=o["limit"] or None)
        if o["json"]:
            self.stdout.write(json.dumps(result, ensure_ascii=False, indent=2))
            return
        vc, pr = result["visit_coverage"], result["participation_rate"]
        s = result["scope"]
        self.stdout.write(f"范围 scope: {s['region'] or '全部 all'}  {s['from']} – {s['to']}")
        self.stdout.write(f"走访覆盖率 visit coverage      {pct(vc['rate'])}  ({vc['visited']}/{vc['subjects']})")
        for kind, c in vc["by_kind"].items():
            self.stdout.write(f"  {kind:<26} {pct(c['rate'])}  ({c['visited']}/{c['subjects']})")
        for tag, c in vc.get("by_tag", {}).items():
            self.stdout.write(f"  #{tag:<25} {pct(c['rate'])}  ({c['visited']}/{c['subjects']})")
        for r in vc.get("by_region", []):
            self.stdout.write(f"  {r['name']:<24} {pct(r['rate'])}  ({r['visited']}/{r['subjects']})")
        self.stdout.write(f"干部参与率 participation       {pct(pr['rate'])}  ({pr['active_cadres']}/{pr['cadres']})"
                          f"  走访 visits {pr['visits']}, 人均 per cadre {pr['visits_per_cadre']}")
        self.stdout.write(f"窗口内未走访 never visited in the window: {vc['never_visited']['count']}")
        for r in result.get("rules", []):
            self.stdout.write(f"规则 rule {r['rule']}: {r['name']}\n  {r['window']['from']} – {r['window']['to']}: "
                              f"{pct(r['rate'])} ({r['compliant']}/{r['subjects']}), 未达标 non-compliant "
                              f"{r['non_compliant']}: {', '.join(r['non_compliant_subjects'][:20])}"
                              f"{' …' if r['non_compliant'] > 20 else ''}")
