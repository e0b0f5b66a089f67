import json

from django.core.management.base import BaseCommand, CommandError

from minqing.insights import figures

LABELS = [
    ("intake", "受理量 intake"),
    ("response_rate", "响应率 response rate"),
    ("completion_rate", "办结率 completion rate"),
    ("on_time_rate", "按期办结率 on-time rate"),
    ("resolution_rate", "解决率 resolution rate"),
    ("satisfaction_rate", "满意率 satisfaction rate"),
    ("mean_score", "平均分 mean score"),
    ("reopen_rate", "重办率 reopen rate"),
]


def fmt(key, value):
    if value is None:
        return "—"
    if key.endswith("_rate"):
        return f"{value * 100:.1f} %"
    return str(value)


class Command(BaseCommand):
    help = "Print every figure of DOMAIN.md for a region and date window."

    def add_arguments(self, parser):
        parser.add_argument("--region", help="region code")
        parser.add_argument("--department", help="department code")
        parser.add_argument("--channel")
        parser.add_argument("--category", help="category code")
        parser.add_argument("--from", dest="date_from", help="YYYY-MM-DD (registration date)")
        parser.add_argument("--to", dest="date_to", help="YYYY-MM-DD (registration date)")
        parser.add_argument("--json", action="store_true", help="print JSON")
        parser.add_argument("--ranking", action="store_true", help="add the per-department ranking")

    def handle(self, *args, **o):
        try:
            scope = figures.make_scope(o["region"], o["department"], o["channel"], o["category"], o["date_from"],
                                       o["date_to"])
        except figures.FigureError as e:
            raise CommandError(f"--{e.field}: {e}") from None
        from minqing.progress import terminal

        steps = 2 if o["ranking"] else 1
        with terminal("统计 / stats", self.stderr if o["json"] else self.stdout) as progress:
            progress(0, steps)
            result = figures.compute(scope)
            progress(1, steps)
            if o["ranking"]:
                result["ranking"] = figures.department_ranking(scope)
                progress(2, steps)
        if o["json"]:
            self.stdout.write(json.dumps(result, ensure_ascii=False, indent=2))
            return
        c = result["counts"]
        behind = {
            "response_rate": f"{c['accepted_on_time']}/{c['assigned']}",
            "completion_rate": f"{c['handled']}/{c['intake']}",
            "on_time_rate": f"{c['handled_on_time']}/{c['handled']}",
            "resolution_rate": f"{c['resolved']}/{c['intake']}",
            "satisfaction_rate": f"{c['satisfied_visits']}/{c['rated_visits']}",
            "reopen_rate": f"{c['reopened']}/{c['ever_handled']}",
        }
        for key, label in LABELS:
            extra = f"  ({behind[key]})" if key in behind else ""
            self.stdout.write(f"{label:<28} {fmt(key, result[key])}{extra}")
        if o["ranking"]:
            self.stdout.write("\n部门排名 department ranking (by completion rate)")
            for r in result["ranking"]:
                self.stdout.write(
                    f"{r['rank']:>3}. {r['name']:<16} 受理 {r['intake']:>6}  办结率 {fmt('x_rate', r['completion_rate'])}"
                    f"  满意率 {fmt('x_rate', r['satisfaction_rate'])}"
                )
