import json

from django.core.management.base import BaseCommand, CommandError

from minqing.cases.errors import ActionError
from minqing.choices import ALIASES, choice_type
from minqing.people.scoping import Actor
from minqing.visits.models import Method, Pairing


class Command(BaseCommand):
    help = ("走访 / visits from the command line:\n"
            "  minqing visit add --cadre USER --subjects ID[,ID…] --date D --method door|phone|wechat|meeting|上门|夜话… "
            "[--notes T] [--problem 'text|category'…] [--region CODE]\n"
            "  minqing visit pair --cadre USER --subjects ID[,ID…] [--role paired|steward|contact|结对|红色管家|联系户]")

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="sub", required=True)
        add = sub.add_parser("add", help="record a visit; each --problem becomes a case (channel visit)")
        add.add_argument("--cadre", required=True, help="the visiting cadre's username")
        add.add_argument("--subjects", default="", help="subject external ids, comma-separated")
        add.add_argument("--date", required=True, help="YYYY-MM-DD")
        add.add_argument("--method", required=True, type=choice_type(Method, ALIASES["visits.Method"]),
                         help="door|phone|wechat|meeting or 入户走访/上门、电话、微信、夜话/屋场会")
        add.add_argument("--notes", default="")
        add.add_argument("--problem", action="append", default=[],
                         help="'text' or 'text|category code' (repeatable)")
        add.add_argument("--region", help="region code (a meeting without listed subjects)")
        add.add_argument("--members", default="", help="组团式走访: the team's other cadres, comma-separated usernames")
        add.add_argument("--lat", type=float, help="where the visit was (with --lng)")
        add.add_argument("--lng", type=float)
        add.add_argument("--as", dest="as_user", help="record as this user (default: the system)")
        add.add_argument("--json", action="store_true")
        pair = sub.add_parser("pair", help="结对: pair a cadre with subjects")
        pair.add_argument("--cadre", required=True)
        pair.add_argument("--subjects", required=True)
        pair.add_argument("--role", default="paired", type=choice_type(Pairing.Role, ALIASES["visits.Pairing.Role"]),
                          help="paired|steward|contact or 结对帮扶/结对、红色管家、联系户")

    def handle(self, *args, **o):
        from django.contrib.auth import get_user_model

        from minqing.visits import actions

        actor = Actor.system("cli")
        if o.get("as_user"):
            user = get_user_model().objects.filter(username=o["as_user"]).first()
            if user is None:
                raise CommandError(f"no such user: {o['as_user']}")
            actor = Actor.for_user(user)
        subjects = [s.strip() for s in o["subjects"].split(",") if s.strip()]
        try:
            if o["sub"] == "pair":
                ps = actions.pair(actor, cadre=o["cadre"], subjects=subjects, role=o["role"])
                self.stdout.write(f"paired {o['cadre']} with {len(ps)} subject(s)")
                return
            problems = []
            for p in o["problem"]:
                text, _, category = p.partition("|")
                problems.append({"text": text, "category": category.strip() or None})
            visit = actions.record_visit(actor, cadre=o["cadre"], subjects=subjects, date=o["date"],
                                         method=o["method"], notes=o["notes"], problems=problems,
                                         region=o["region"], members=o["members"], lat=o["lat"], lng=o["lng"])
        except ActionError as e:
            raise CommandError(f"{'--' + e.field + ': ' if e.field else ''}{e.message}") from None
        if o["json"]:
            self.stdout.write(json.dumps(actions.visit_dict(visit, actor), ensure_ascii=False, indent=2))
        else:
            codes = " ".join(c.tracking_code for c in visit.cases.order_by("id"))
            self.stdout.write(f"visit {visit.pk} recorded; cases: {codes or '-'}")
