import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from minqing.insights import figures


class Command(BaseCommand):
    help = ("不重不漏 / a deployment plan: which cadre should visit which village in a period "
            "(SciPy HiGHS; home region and max load respected). minqing plan --region CODE "
            "[--from D] [--to D] [--load N] [--per-visit N] [--xlsx FILE] [--json]")

    def add_arguments(self, parser):
        parser.add_argument("--region", required=True)
        parser.add_argument("--from", dest="date_from")
        parser.add_argument("--to", dest="date_to")
        parser.add_argument("--load", type=int, default=3, help="places per cadre in the period (default 3)")
        parser.add_argument("--per-visit", type=int, default=20, help="subjects one cadre visit reaches (20)")
        parser.add_argument("--xlsx", help="write the plan to this .xlsx file")
        parser.add_argument("--json", action="store_true")

    def handle(self, *args, **o):
        from minqing.visits.plan import PlanError, make_plan

        try:
            from minqing.progress import terminal

            scope = figures.make_visit_scope(o["region"], o["date_from"], o["date_to"])
            with terminal("走访计划 / plan", self.stderr if o["json"] else self.stdout) as progress:
                progress(0, 1)
                result = make_plan(scope, load=o["load"], per_visit=o["per_visit"])
                progress(1, 1)
        except figures.FigureError as e:
            raise CommandError(f"--{e.field}: {e}") from None
        except PlanError as e:
            raise CommandError(f"{'--' + e.field.replace('_', '-') + ': ' if e.field else ''}{e}") from None
        if o["xlsx"]:
            Path(o["xlsx"]).write_bytes(result.to_xlsx())
        d = result.as_dict()
        if o["json"]:
            self.stdout.write(json.dumps(d, ensure_ascii=False, indent=2))
            return
        for a in d["assignments"]:
            self.stdout.write(a["explanation"])
        s = d["summary"]
        self.stdout.write(_("覆盖率 %(before)s → %(after)s；预计走访 %(visits)s 次，新覆盖 %(new)s 户/企；问题加权缺口满足 "
                            "%(met)s/%(gap)s（就近派遣对照 %(base)s）") % {
            "before": s["coverage_before"], "after": s["coverage_expected"], "visits": s["expected_visits"],
            "new": s["expected_new_subjects"], "met": s["problem_weighted_gap_met"], "gap": s["problem_weighted_gap"],
            "base": s["baseline_nearest"]["problem_weighted_gap_met"]})
