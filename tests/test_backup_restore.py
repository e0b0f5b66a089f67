"""minqing backup / restore (issue 10, point 10).

A backup taken while registrations go on holds every case acknowledged before it
began (each with its register event), and restores through the real command line
into an empty database — new or already migrated — of another data directory, with
the uploaded files. A database that holds data is refused (exit 1, a clear message),
and so is an archive that is not a backup. SQLite, or PostgreSQL when
MINQING_DATABASE_URL names one (the restore then goes to a database of its own)."""

import os
import sqlite3
import subprocess
import sys
import tarfile
import threading
import time
from pathlib import Path

import pytest
from casebuild import register
from django.conf import settings
from django.core.management import call_command
from django.db import connection

SRC = str(Path(__file__).resolve().parent.parent / "src")


def _target(tmp_path, name):
    """(environment, reader) of an empty database and data directory for the restore."""
    env = dict(os.environ, PYTHONPATH=SRC, MINQING_DATA_DIR=str(tmp_path / name))
    if connection.vendor == "sqlite":
        path = tmp_path / name / "restored.sqlite3"
        path.parent.mkdir(parents=True)
        env["MINQING_DATABASE_URL"] = f"sqlite:///{path}"

        def query(sql):
            with sqlite3.connect(path) as db:
                return db.execute(sql).fetchall()
    else:
        import psycopg

        s = connection.settings_dict
        dbname = f"{s['NAME']}_{name}"
        params = dict(host=s["HOST"] or "127.0.0.1", port=s["PORT"] or 5432, user=s["USER"],
                      password=s["PASSWORD"] or None)
        with psycopg.connect(dbname="postgres", autocommit=True, **params) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{dbname}"')
            admin.execute(f'CREATE DATABASE "{dbname}"')
        auth = s["USER"] + (f":{s['PASSWORD']}" if s["PASSWORD"] else "")
        env["MINQING_DATABASE_URL"] = f"postgres://{auth}@{params['host']}:{params['port']}/{dbname}"

        def query(sql):
            with psycopg.connect(dbname=dbname, **params) as db:
                return db.execute(sql).fetchall()
    return env, query


def minqing(env, *args):
    return subprocess.run([sys.executable, "-m", "minqing", *args], env=env, capture_output=True, text=True,
                          timeout=300)


def _register_until(world, stop, acked, i):
    try:
        while not stop.is_set():
            case = register(world, text=f"备份期间登记的第{i}路问题：自来水停了")
            acked.append((case.pk, time.monotonic()))
    finally:
        connection.close()


@pytest.mark.parametrize("target_state", ["new", "migrated"])
def test_backup_during_registrations_restores_every_acknowledged_case(tworld, tmp_path, target_state):
    media = Path(settings.MEDIA_ROOT) / "attachments" / "2026" / "11"
    media.mkdir(parents=True, exist_ok=True)
    photo = media / f"backup-test-{os.getpid()}.jpg"
    photo.write_bytes(b"\xff\xd8\xff photo bytes")
    stop, acked = threading.Event(), []
    writers = [threading.Thread(target=_register_until, args=(tworld, stop, acked, i)) for i in range(3)]
    try:
        for t in writers:
            t.start()
        deadline = time.monotonic() + 30
        while len(acked) < 30 and time.monotonic() < deadline:
            time.sleep(0.05)
        began = time.monotonic()
        before = {pk for pk, at in list(acked) if at < began}
        archive = tmp_path / "minqing-backup.tar"
        call_command("backup", str(archive))
        ended = time.monotonic()
        time.sleep(0.3)
    finally:
        stop.set()
        for t in writers:
            t.join(60)
        photo_bytes = photo.read_bytes()
        photo.unlink()
    during = [pk for pk, at in acked if began <= at <= ended]
    assert len(before) >= 30, "the writers did not get going"
    assert during, "no registration was acknowledged while the backup ran: it did not run under load"
    with tarfile.open(archive) as tar:
        names = set(tar.getnames())
    assert {"manifest.json", f"media/attachments/2026/11/{photo.name}"} <= names

    env, query = _target(tmp_path, "restored")
    if target_state == "migrated":
        assert minqing(env, "migrate", "-v0").returncode == 0
    done = minqing(env, "restore", str(archive))
    assert done.returncode == 0, done.stderr
    restored = {pk for (pk,) in query("SELECT id FROM cases_case")}
    missing = before - restored
    assert not missing, f"{len(missing)} of {len(before)} acknowledged cases are not in the restored copy"
    assert restored <= {pk for pk, _ in acked}  # nothing that was never acknowledged
    # every restored case with its register event, no event without its case
    half = query("SELECT c.id FROM cases_case c LEFT JOIN cases_event e ON e.case_id = c.id "
                 "AND e.action = 'register' WHERE e.id IS NULL")
    assert half == []
    assert query("SELECT COUNT(*) FROM cases_event e LEFT JOIN cases_case c ON c.id = e.case_id "
                 "WHERE c.id IS NULL") == [(0,)]
    assert query("SELECT COUNT(*) FROM auth_user")[0][0] == len(tworld.users)
    restored_photo = Path(env["MINQING_DATA_DIR"]) / "media" / "attachments" / "2026" / "11" / photo.name
    assert restored_photo.read_bytes() == photo_bytes

    # the restored copy is a working database: migrated, and the app reads it
    check = minqing(env, "migrate", "--check")
    assert check.returncode == 0, check.stdout + check.stderr

    # a second restore meets a database that holds data: refused, nothing changed
    again = minqing(env, "restore", str(archive))
    assert again.returncode == 1
    assert "目标数据库不是空的" in again.stderr and "cases_case" in again.stderr, again.stderr
    assert {pk for (pk,) in query("SELECT id FROM cases_case")} == restored


def test_restore_refuses_what_is_not_a_backup(tmp_path, db):
    env, query = _target(tmp_path, "target")
    junk = tmp_path / "junk.tar"
    junk.write_bytes(b"not a tar file at all" * 100)
    done = minqing(env, "restore", str(junk))
    assert done.returncode == 1 and "无法读取备份文件" in done.stderr, done.stderr
    evil = tmp_path / "evil.tar"
    with tarfile.open(evil, "w") as tar:
        info = tarfile.TarInfo("manifest.json")
        body = ('{"format": 1, "engine": "%s"}' % connection.vendor).encode()
        info.size = len(body)
        import io

        tar.addfile(info, io.BytesIO(body))
        info = tarfile.TarInfo("media/../../escaped.txt")
        info.size = 1
        tar.addfile(info, io.BytesIO(b"x"))
    done = minqing(env, "restore", str(evil))
    assert done.returncode == 1 and "不允许的条目" in done.stderr, done.stderr
    assert not (tmp_path / "escaped.txt").exists()
    missing = minqing(env, "restore", str(tmp_path / "nothing-here.tar"))
    assert missing.returncode == 1 and "备份文件不存在" in missing.stderr
