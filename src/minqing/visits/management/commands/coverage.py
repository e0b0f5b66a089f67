import json

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from minqing.insights import figures


def pct(rate):
    return "—" if rate is None else f"{rate * 100:.1f} %"


class Command(BaseCommand):
    help = ("visit coverage (走访覆盖率), cadre participation and coverage-rule compliance "
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
        parser.add_argument("--as", dest="as_user", help="names masked as this user would see them "
                                                         "(default: the system, names in full)")
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
        from django.contrib.auth import get_user_model

        from minqing.people.scoping import Actor
        from minqing.visits.naming import name_coverage

        actor = Actor.system("cli")
        if o["as_user"]:
            user = get_user_model().objects.filter(username=o["as_user"]).first()
            if user is None:
                raise CommandError(f"--as: no such user: {o['as_user']}")
            actor = Actor.for_user(user)
        result = name_coverage(figures.coverage(scope, rules=o["rules"], limit=o["limit"],
                                                never_limit=o["limit"] or None), actor)
        if o["json"]:
            self.stdout.write(json.dumps(result, ensure_ascii=False, indent=2))
            return
        vc, pr = result["visit_coverage"], result["participation_rate"]
        s = result["scope"]
        out = self.stdout.write
        kinds = {"household": _("户"), "enterprise": _("企业")}
        out(_("范围：%(region)s  %(from)s – %(to)s") % {"region": s["region"] or _("全部"), "from": s["from"],
                                                    "to": s["to"]})
        out(f"{_('走访覆盖率'):<12} {pct(vc['rate'])}  ({vc['visited']}/{vc['subjects']})")
        for kind, c in vc["by_kind"].items():
            out(f"  {kinds.get(kind, kind):<10} {pct(c['rate'])}  ({c['visited']}/{c['subjects']})")
        for tag, c in vc.get("by_tag", {}).items():
            out(f"  #{tag:<9} {pct(c['rate'])}  ({c['visited']}/{c['subjects']})")
        for r in vc.get("by_region", []):
            out(f"  {r['name']:<10} {pct(r['rate'])}  ({r['visited']}/{r['subjects']})")
        out(_("干部参与率 %(rate)s (%(active)s/%(cadres)s)，走访 %(visits)s 次，人均 %(per)s 次") % {
            "rate": pct(pr["rate"]), "active": pr["active_cadres"], "cadres": pr["cadres"], "visits": pr["visits"],
            "per": pr["visits_per_cadre"] if pr["visits_per_cadre"] is not None else "—"})
        never = vc["never_visited"]
        out(_("窗口内未走访：%(n)s") % {"n": never["count"]})
        for x in never["subjects"][:50]:
            days = (_("从未走访") if x["days_since_last_visit"] is None
                    else _("%(days)s 天前") % {"days": x["days_since_last_visit"]})
            out(f"  {x['name']}  {x['region_name']}  {days}  [{x['external_id']}]")
        if never["count"] > min(len(never["subjects"]), 50):
            out("  …")
        for r in result.get("rules", []):
            named = "、".join(x["name"] for x in r["non_compliant_named"][:20])
            out(_("规则 %(id)s：%(name)s") % {"id": r["rule"], "name": r["name"]})
            out("  " + _("%(from)s – %(to)s：达标 %(rate)s (%(ok)s/%(n)s)，未达标 %(non)s") % {
                "from": r["window"]["from"], "to": r["window"]["to"], "rate": pct(r["rate"]), "ok": r["compliant"],
                "n": r["subjects"], "non": r["non_compliant"]} + (f"：{named}" if named else "")
                + (" …" if r["non_compliant"] > 20 else ""))
