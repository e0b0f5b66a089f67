import datetime as dt
import json

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from minqing.cases.errors import ActionError
from minqing.people.scoping import Actor
from minqing.surveys import actions, figures
from minqing.surveys.models import Survey


def _day(value):
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"not a date YYYY-MM-DD: {value}") from None


class Command(BaseCommand):
    help = (
        "满意度测评 / satisfaction survey: plan | results ID | list\n"
        "  plan --region CODE --from D --to D --per-department N [--subjects N] [--seed S] [--as USER]\n"
        "      draw a stratified random sample of the closed cases, and N registered subjects with a\n"
        "      phone (visited in the window first); the seed is printed: the same seed and data draw\n"
        "      the same sample\n"
        "  results ID [--json]   per department and overall, beside the return visits\n"
        "  list                  the surveys, newest first"
    )

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["plan", "results", "list"])
        parser.add_argument("id", nargs="?", type=int)
        parser.add_argument("--region")
        parser.add_argument("--from", dest="date_from", type=_day)
        parser.add_argument("--to", dest="date_to", type=_day)
        parser.add_argument("--per-department", type=int, default=10)
        parser.add_argument("--seed", type=int)
        parser.add_argument("--subjects", type=int, default=0, help="registered subjects to sample too (0–500)")
        parser.add_argument("--title", default="")
        parser.add_argument("--as", dest="as_user", help="plan as this user (a leader, supervisor or admin); "
                                                         "default: the system")
        parser.add_argument("--json", action="store_true")

    def handle(self, *args, **o):
        w = self.stdout.write
        if o["action"] == "list":
            for s in Survey.objects.select_related("region"):
                w(f"#{s.pk}  {s.region.name}  {s.date_from} – {s.date_to}  {s.items.count()} 件  seed {s.seed}"
                  f"  {s.title}")
            return
        if o["action"] == "plan":
            actor = Actor.system("cli")
            if o["as_user"]:
                user = get_user_model().objects.filter(username=o["as_user"]).first()
                if user is None:
                    raise CommandError(f"unknown user: {o['as_user']}")
                actor = Actor.for_user(user)
            try:
                s = actions.do_create_survey(actor, region=o["region"] or "", date_from=o["date_from"],
                                             date_to=o["date_to"], per_department=o["per_department"],
                                             seed=o["seed"], title=o["title"], subjects=o["subjects"])
            except ActionError as e:
                raise CommandError(f"{e.field or ''}: {e.message}") from None
            n_subjects = s.items.filter(subject__isnull=False).count()
            w(f"测评 #{s.pk}: {s.items.count() - n_subjects} 件 / cases sampled, seed {s.seed}"
              + (f"; {n_subjects} 户/企业 / subjects sampled" if s.subjects else ""))
            return
        s = Survey.objects.select_related("region").filter(pk=o["id"] or 0).first()
        if s is None:
            raise CommandError("survey not found: give its id (minqing survey list)")
        res = figures.results(s)
        if o["json"]:
            w(json.dumps(res, ensure_ascii=False, indent=2))
            return

        def pct(v):
            return "—" if v is None else f"{v * 100:.1f}%"

        def num(v):
            return "—" if v is None else f"{v:.2f}"

        w(f"{'部门 department':<24}{'抽样':>6}{'联系上':>8}{'联系不上':>8}{'待拨':>6}{'测评满意':>10}{'测评均分':>9}"
          f"{'回访满意':>10}{'回访均分':>9}{'差距':>9}")
        for d in [*res["departments"], {**res["overall"], "name": "合计 overall"}]:
            w(f"{d['name'][:22]:<24}{d['sampled']:>6}{d['reached']:>8}{d['unreached']:>8}{d['pending']:>6}"
              f"{pct(d['satisfaction_rate']):>10}{num(d['mean_score']):>9}"
              f"{pct(d['return_visit']['satisfaction_rate']):>10}{num(d['return_visit']['mean_score']):>9}"
              f"{pct(d['gap']['satisfaction_rate']):>9}")
        sub = res["subjects"]
        if sub["sampled"]:
            w(f"{'走访对象 subjects':<24}{sub['sampled']:>6}{sub['reached']:>8}{sub['unreached']:>8}{sub['pending']:>6}"
              f"{pct(sub['satisfaction_rate']):>10}{num(sub['mean_score']):>9}")
