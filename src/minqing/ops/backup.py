"""Backup and restore: one tar archive holding a consistent snapshot of the database
and the uploaded files of the data directory.

    manifest.json          format, engine, time, applied migrations, file counts
    database.sqlite3       SQLite: the online backup API's copy (one step: one snapshot)
    database.pgdump        PostgreSQL: ``pg_dump --format=custom`` (one snapshot transaction)
    media/…                MEDIA_ROOT (attachments, pending uploads)

The database is copied first and the media afterwards: a file any copied row names was
written before that row was committed, so it is in the archive. Writers go on while the
snapshot is taken (SQLite in WAL mode, PostgreSQL's MVCC); whatever was committed before
the backup began is in it.

``restore`` loads an archive into an EMPTY database (migrated or not) and refuses one that
holds any user, region, department, case, event or subject. It then migrates the restored
database to this code's schema.
"""

import datetime as dt
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
import time
from pathlib import Path, PurePosixPath

from django.conf import settings
from django.db import connections
from django.utils.translation import gettext as _

FORMAT = 1
MANIFEST = "manifest.json"
DB_FILES = {"sqlite": "database.sqlite3", "postgresql": "database.pgdump"}
MEDIA = "media"
MAX_MANIFEST = 1 << 20


class BackupError(Exception):
    """A backup or restore that cannot go on; the message says why."""


class NotEmpty(BackupError):
    pass


def _db(alias="default"):
    conn = connections[alias]
    if conn.vendor not in DB_FILES:
        raise BackupError(_("不支持的数据库：%(vendor)s") % {"vendor": conn.vendor})
    return conn


def _pg_env(settings_dict):
    env = dict(os.environ)
    for key, var in (("HOST", "PGHOST"), ("PORT", "PGPORT"), ("USER", "PGUSER"), ("PASSWORD", "PGPASSWORD")):
        if settings_dict.get(key):
            env[var] = str(settings_dict[key])
    env["PGDATABASE"] = settings_dict["NAME"]
    return env


def _run(cmd, env):
    if shutil.which(cmd[0]) is None:
        raise BackupError(_("找不到 %(cmd)s：请安装 postgresql-client（scripts/install.sh 会安装）") % {"cmd": cmd[0]})
    done = subprocess.run(cmd, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        raise BackupError(f"{cmd[0]}: {done.stderr.strip()[-2000:]}")


def _sqlite_copy(src_path, dst_path):
    """The whole database in one step of SQLite's online backup API: one consistent
    snapshot, taken while other connections keep writing (WAL)."""
    src = sqlite3.connect(src_path, timeout=60)
    dst = sqlite3.connect(dst_path)
    try:
        src.execute("PRAGMA busy_timeout=60000")
        src.backup(dst, pages=-1)
        dst.execute("PRAGMA journal_mode=DELETE")  # the copy is one self-contained file
    finally:
        dst.close()
        src.close()


def _media_files(root):
    root = Path(root)
    if not root.is_dir():
        return []
    files = []
    for dirpath, dirnames, filenames in os.walk(root, followlinks=False):
        dirnames.sort()
        for name in sorted(filenames):
            p = Path(dirpath) / name
            if p.is_file() and not p.is_symlink():
                files.append(p)
    return files


def _applied_migrations(conn):
    with conn.cursor() as cur:
        if "django_migrations" not in conn.introspection.table_names(cur):
            return []
        cur.execute("SELECT app, name FROM django_migrations ORDER BY app, name")
        return [f"{a}.{n}" for a, n in cur.fetchall()]


def backup(path, *, alias="default"):
    """Write the archive to ``path`` (a .tar, or .tar.gz / .tgz compressed); return its manifest."""
    conn = _db(alias)
    path = Path(path).resolve()
    if not path.parent.is_dir():
        raise BackupError(_("目录不存在：%(dir)s") % {"dir": path.parent})
    engine = conn.vendor
    started = dt.datetime.now(dt.UTC)
    migrations = _applied_migrations(conn)
    with tempfile.TemporaryDirectory(dir=path.parent, prefix=".minqing-backup-") as tmp:
        db_file = Path(tmp) / DB_FILES[engine]
        clock = time.monotonic()
        if engine == "sqlite":
            _sqlite_copy(conn.settings_dict["NAME"], db_file)
        else:
            _run(["pg_dump", "--format=custom", "--no-owner", "--no-acl", "--file", str(db_file)],
                 _pg_env(conn.settings_dict))
        snapshot_seconds = time.monotonic() - clock
        media_root = Path(settings.MEDIA_ROOT)
        media = _media_files(media_root)  # after the database: every file a copied row names exists
        manifest = {
            "format": FORMAT,
            "engine": engine,
            "started_at": started.isoformat(),
            "finished_at": dt.datetime.now(dt.UTC).isoformat(),
            "minqing": _version(),
            "migrations": migrations,
            "database_bytes": db_file.stat().st_size,
            "database_seconds": round(snapshot_seconds, 3),
            "media_files": len(media),
        }
        (Path(tmp) / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=1), encoding="utf-8")
        part = path.with_name(path.name + ".part")
        mode = "w:gz" if path.name.endswith((".gz", ".tgz")) else "w"
        try:
            with tarfile.open(part, mode, format=tarfile.PAX_FORMAT) as tar:
                tar.add(Path(tmp) / MANIFEST, arcname=MANIFEST)
                tar.add(db_file, arcname=db_file.name)
                for f in media:
                    try:
                        tar.add(f, arcname=f"{MEDIA}/{f.relative_to(media_root).as_posix()}", recursive=False)
                    except FileNotFoundError:  # removed meanwhile (a pending upload that was cleaned up)
                        continue
            os.replace(part, path)  # FILE appears whole or not at all
        except BaseException:
            part.unlink(missing_ok=True)
            raise
    return manifest


def _version():
    from minqing import __version__

    return __version__


# ---- restore -----------------------------------------------------------------------


def data_models():
    """The tables a deployment in use always has rows in (migrations seed none of them)."""
    from django.contrib.auth import get_user_model

    from minqing.cases.models import Case, Event
    from minqing.regions.models import Department, Region
    from minqing.visits.models import Subject

    return [get_user_model(), Region, Department, Case, Event, Subject]


def non_empty_tables(alias="default"):
    """The data tables of the database that hold rows (none: the database is empty)."""
    conn = connections[alias]
    with conn.cursor() as cur:
        tables = set(conn.introspection.table_names(cur))
    found = []
    for model in data_models():
        if model._meta.db_table in tables and model.objects.using(alias).exists():
            found.append(model._meta.db_table)
    return found


def _safe_member(m):
    """Only the archive's own names: no absolute paths, no '..', no links or devices."""
    p = PurePosixPath(m.name)
    if p.is_absolute() or ".." in p.parts or not (m.isfile() or m.isdir()):
        return False
    return m.name == MANIFEST or m.name in DB_FILES.values() or (p.parts and p.parts[0] == MEDIA)


def read_manifest(tar):
    try:
        member = tar.getmember(MANIFEST)
    except KeyError:
        raise BackupError(_("不是民情备份文件（缺少 manifest.json）")) from None
    if member.size > MAX_MANIFEST:
        raise BackupError(_("不是民情备份文件（manifest.json 过大）"))
    try:
        manifest = json.loads(tar.extractfile(member).read().decode("utf-8"))
    except (ValueError, UnicodeDecodeError, AttributeError):
        raise BackupError(_("不是民情备份文件（manifest.json 无法读取）")) from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT or manifest.get("engine") not in DB_FILES:
        raise BackupError(_("不认识的备份格式"))
    return manifest


def restore(path, *, alias="default", migrate=True):
    """Load the archive into the (empty) database and the media directory; return its manifest."""
    conn = _db(alias)
    path = Path(path)
    if not path.is_file():
        raise BackupError(_("备份文件不存在：%(path)s") % {"path": path})
    try:
        tar = tarfile.open(path, "r:*")
    except (tarfile.TarError, OSError) as e:
        raise BackupError(_("无法读取备份文件：%(error)s") % {"error": e}) from None
    with tar:
        manifest = read_manifest(tar)
        if manifest["engine"] != conn.vendor:
            raise BackupError(
                _("备份来自 %(src)s 数据库，本系统使用 %(dst)s") % {"src": manifest["engine"], "dst": conn.vendor}
            )
        members = tar.getmembers()
        bad = [m.name for m in members if not _safe_member(m)]
        if bad:
            raise BackupError(_("备份文件含有不允许的条目：%(names)s") % {"names": ", ".join(bad[:5])})
        db_name = DB_FILES[manifest["engine"]]
        if db_name not in {m.name for m in members}:
            raise BackupError(_("备份文件中没有数据库"))
        full = non_empty_tables(alias)
        if full:
            raise NotEmpty(
                _("目标数据库不是空的（%(tables)s 中已有数据）：恢复只写入空数据库") % {"tables": ", ".join(full)}
            )
        data_dir = Path(settings.DATA_DIR)
        with tempfile.TemporaryDirectory(dir=data_dir, prefix=".minqing-restore-") as tmp:
            tar.extract(db_name, tmp, set_attrs=False)
            db_file = Path(tmp) / db_name
            if conn.vendor == "sqlite":
                _restore_sqlite(conn, db_file)
            else:
                _restore_postgres(conn, db_file)
        media_root = Path(settings.MEDIA_ROOT)
        for m in members:
            if m.isfile() and m.name.startswith(MEDIA + "/"):
                target = media_root.joinpath(*PurePosixPath(m.name).parts[1:])
                target.parent.mkdir(parents=True, exist_ok=True)
                with tar.extractfile(m) as src, open(target, "wb") as dst:
                    shutil.copyfileobj(src, dst)
    connections.close_all()
    if migrate:
        from django.core.management import call_command

        call_command("migrate", interactive=False, verbosity=0, database=alias)
    return manifest


def _restore_sqlite(conn, db_file):
    """Page by page over the target file with the backup API: the target becomes the copy,
    whatever schema it had (none, or migrated and empty)."""
    target = conn.settings_dict["NAME"]
    connections.close_all()
    src = sqlite3.connect(db_file)
    dst = sqlite3.connect(target, timeout=60)
    try:
        check = src.execute("PRAGMA quick_check").fetchone()[0]
        if check != "ok":
            raise BackupError(_("备份中的数据库已损坏：%(error)s") % {"error": check})
        src.backup(dst, pages=-1)
    finally:
        dst.close()
        src.close()


def _restore_postgres(conn, db_file):
    """Drop the (empty) tables a migrated target has, then pg_restore in one transaction."""
    with conn.cursor() as cur:
        tables = conn.introspection.table_names(cur)
        if tables:
            qn = conn.ops.quote_name
            cur.execute("DROP TABLE IF EXISTS " + ", ".join(qn(t) for t in tables) + " CASCADE")
    connections.close_all()
    _run(["pg_restore", "--no-owner", "--no-acl", "--single-transaction", "--exit-on-error",
          "--dbname", conn.settings_dict["NAME"], str(db_file)], _pg_env(conn.settings_dict))
