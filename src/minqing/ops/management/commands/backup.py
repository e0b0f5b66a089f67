"""minqing backup FILE: the database and the uploaded files in one archive, while the server runs."""

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from minqing.ops import backup as ops


class Command(BaseCommand):
    help = "Write a consistent backup (database snapshot and uploaded files) to FILE (.tar, or .tar.gz)"

    def add_arguments(self, parser):
        parser.add_argument("file")

    def handle(self, *args, file, **options):
        try:
            m = ops.backup(file)
        except ops.BackupError as e:
            raise CommandError(str(e)) from None
        self.stdout.write(
            _("已备份到 %(file)s：%(engine)s 数据库 %(mb).1f MB，%(n)d 个上传文件")
            % {"file": file, "engine": m["engine"], "mb": m["database_bytes"] / 1e6, "n": m["media_files"]}
        )
