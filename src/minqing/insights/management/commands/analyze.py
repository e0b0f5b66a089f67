import json

from django.core.management.base import BaseCommand, CommandError

from minqing.insights import analyze as analysis


class Command(BaseCommand):
    help = "读一段文字：地点、分类、承办部门、重复件 / analyse a text: place, categories, departments, duplicates"

    def add_arguments(self, parser):
        parser.add_argument("text", nargs="+", help="the text (several words are joined with a space); - reads stdin")
        parser.add_argument("--region", help="region code to assume when the text names no place")
        parser.add_argument("--json", action="store_true", help="print JSON, as POST /api/v1/insights/analyze")

    def handle(self, *args, **o):
        text = " ".join(o["text"])
        if text == "-":
            import sys

            text = sys.stdin.read()
        try:
            result = analysis.analyze(text, region=o.get("region"))
        except analysis.AnalyzeError as e:
            raise CommandError(f"{e.field}: {e}") from None
        if o["json"]:
            self.stdout.write(json.dumps(result, ensure_ascii=False, indent=2))
            return
        w = self.stdout.write
        w(f"简体 / simplified: {result['text_simplified']}")
        p = result["place"]
        if p:
            chain = " › ".join(x["name"] for x in p["chain"])
            w(f"地点 / place: {p['name']} ({p['level']}, {p['code'] or '—'})  {chain}  ← {'、'.join(p['words'])}")
        else:
            w("地点 / place: —")
        for c in result["categories"]:
            w(f"分类 / category: {c['name']} ({c['code']}) {c['score']:.3f}")
        for d in result["departments"]:
            w(f"部门 / department: {d['name']} ({d['code']}) {d['score']:.3f}  {d['reason']}")
        for d in result["duplicates"]:
            w(f"重复 / duplicate: #{d['case_id']} {d['tracking_code']} {d['score']:.3f}")
