import importlib

from django.core.management.base import BaseCommand, CommandError

# kind -> dotted path of a function(path, **options) -> summary dict; raises ImportFailed
IMPORTERS = {
    "regions": "minqing.regions.importers.import_regions",
    "departments": "minqing.regions.importers.import_departments",
    "subjects": "minqing.visits.importers.import_subjects",
    "cases": "minqing.intake.importers.import_cases",
    "staff": "minqing.people.importers.import_staff",
    "pairs": "minqing.visits.importers.import_pairs",
    "partners": "minqing.partners.importers.import_partners",
    "policies": "minqing.policies.importers.import_policies",
}


class Command(BaseCommand):
    help = "Import regions, departments, subjects, cases, staff or pairs from a CSV or XLSX file (all rows or none)."

    def add_arguments(self, parser):
        parser.add_argument("kind", choices=sorted(IMPORTERS))
        parser.add_argument("file")
        parser.add_argument("--mapping", help="column/value mapping file (TOML)")
        parser.add_argument(
            "--on-error", choices=["refuse", "skip"], default="refuse",
            help="refuse: import nothing if any row is bad (default); skip: import the good rows",
        )

    def handle(self, *args, **o):
        module, _, name = IMPORTERS[o["kind"]].rpartition(".")
        try:
            fn = getattr(importlib.import_module(module), name)
        except (ImportError, AttributeError):
            raise CommandError(f"importing {o['kind']} is not available in this version") from None
        from django.db import DatabaseError

        from minqing.regions.importers import ImportFailed

        try:
            from minqing.progress import terminal

            with terminal(f"导入 / import {o['kind']}", self.stdout) as progress:
                result = fn(o["file"], mapping=o["mapping"], on_error=o["on_error"], progress=progress)
        except ImportFailed as e:
            self.stderr.write("导入失败，未导入任何数据 / import refused, nothing was imported:")
            raise CommandError(str(e)) from None
        except OSError as e:  # a directory, an unreadable file: said plainly, no traceback
            self.stderr.write("导入失败，未导入任何数据 / import refused, nothing was imported:")
            raise CommandError(f"无法读取文件 / cannot read {o['file']}: {e.strerror or e}") from None
        except DatabaseError as e:  # the importers check every cell first; this is the last guard
            self.stderr.write("导入失败，未导入任何数据 / import refused, nothing was imported:")
            raise CommandError(f"数据库拒绝了数据 / the database refused the data: {e}".strip()) from None
        row_errors = result.pop("errors", None)  # with --on-error skip: the rows left out, by row number
        self.stdout.write(" ".join(f"{k}={v}" for k, v in result.items()))
        if row_errors:
            self.stderr.write("以下行未导入 / rows not imported:\n" + row_errors)
