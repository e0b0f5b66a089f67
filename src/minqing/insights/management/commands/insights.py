import json

from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = (
        "分析研判 / insights: train | evaluate FILE.csv | index [--all] | topics | shares\n"
        "  train                 train the category model on the dispatched cases (or --csv FILE)\n"
        "  evaluate FILE.csv     columns text, category, optional place_code: top-1, top-3, macro-F1,\n"
        "                        place accuracy per level\n"
        "  index [--all]         index pending (or all) cases for duplicates and search\n"
        "  topics                classes of problems for --region/--from/--to\n"
        "  shares                channel × category shares for --region/--from/--to"
    )

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["train", "evaluate", "index", "topics", "shares"])
        parser.add_argument("file", nargs="?", help="CSV file (evaluate)")
        parser.add_argument("--csv", help="train: learn from this CSV (text, category) instead of the cases")
        parser.add_argument("--all", action="store_true", help="index: re-index every case")
        parser.add_argument("--region")
        parser.add_argument("--from", dest="date_from")
        parser.add_argument("--to", dest="date_to")
        parser.add_argument("--limit", type=int, default=20)
        parser.add_argument("--json", action="store_true")

    def handle(self, *args, **o):
        getattr(self, "do_" + o["action"])(o)

    def _out(self, o, data, lines):
        if o["json"]:
            self.stdout.write(json.dumps(data, ensure_ascii=False, indent=2))
        else:
            for line in lines:
                self.stdout.write(line)

    def do_train(self, o):
        from minqing.insights import classify, evaluate

        samples = None
        if o.get("csv"):
            try:
                rows = evaluate.read_csv(o["csv"])
            except evaluate.EvalError as e:
                raise CommandError(str(e)) from None
            samples = evaluate.samples_from_rows(rows)
        from minqing.progress import terminal

        try:
            with terminal("训练 / train", self.stderr if o["json"] else self.stdout) as progress:
                progress(0, 1)
                row = classify.train(samples)
                progress(1, 1)
        except classify.TrainingError as e:
            raise CommandError(str(e)) from None
        self._out(o, {"path": row.path, "n_samples": row.n_samples, "classes": row.classes},
                  [f"已训练 / trained on {row.n_samples} samples, {len(row.classes)} categories → {row.path}"])

    def do_evaluate(self, o):
        from minqing.insights import evaluate

        if not o.get("file"):
            raise CommandError("evaluate 需要 CSV 文件 / evaluate needs FILE.csv")
        try:
            rows = evaluate.read_csv(o["file"])
        except evaluate.EvalError as e:
            raise CommandError(str(e)) from None
        report = evaluate.evaluate(rows)
        self._out(o, report, evaluate.format_report(report))

    def do_index(self, o):
        from minqing.insights import indexing
        from minqing.progress import terminal

        with terminal("索引 / index", self.stderr if o["json"] else self.stdout) as progress:
            n = indexing.reindex_all(progress=progress) if o["all"] else indexing.catch_up(progress=progress)
        self._out(o, {"indexed": n}, [f"已索引 / indexed {n} cases"])

    def _scope(self, o):
        from minqing.insights import figures

        try:
            return figures.make_scope(region=o.get("region"), date_from=o.get("date_from"), date_to=o.get("date_to"))
        except figures.FigureError as e:
            raise CommandError(f"{e.field}: {e}") from None

    def do_topics(self, o):
        from minqing.insights import topics

        found = topics.find_topics(self._scope(o), limit=o["limit"])
        lines = [
            f"{t['rank']:>3}. {t['title']}  [{t['id']}]  size {t['size']}  growth {t['growth']}  "
            f"unsatisfied {t['unsatisfied']}  reopened {t['reopened']}  score {t['score']}"
            + ("  ← 每月一题 candidate" if t.get("candidate") else "")
            for t in found
        ]
        self._out(o, found, lines or ["（无 / none）"])

    def do_shares(self, o):
        from minqing.insights import shares

        data = shares.channel_category_shares(self._scope(o))
        lines = []
        for ch in data["channels"]:
            lines.append(f"{ch['name']} ({ch['channel']}): {ch['total']}")
            for c in ch["categories"]:
                lines.append(f"    {c['name']}: {c['count']} ({c['share'] * 100:.1f} %)")
        self._out(o, data, lines or ["（无 / none）"])
