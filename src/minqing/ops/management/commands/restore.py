"""minqing restore FILE: load a backup into an empty database (exit 1 if it is not empty)."""

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from minqing.ops import backup as ops


class Command(BaseCommand):
    help = "Restore a backup written by `minqing backup` into an EMPTY database (migrated or not)"

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--no-migrate", action="store_true",
                            help="do not migrate the restored database to this version's schema")

    def handle(self, *args, file, no_migrate=False, **options):
        try:
            m = ops.restore(file, migrate=not no_migrate)
        except ops.BackupError as e:
            raise CommandError(str(e)) from None
        self.stdout.write(
            _("已从 %(file)s 恢复（备份开始于 %(at)s）：%(n)d 个上传文件")
            % {"file": file, "at": m["started_at"], "n": m["media_files"]}
        )
