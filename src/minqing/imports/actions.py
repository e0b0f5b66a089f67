"""Imports started on the page, in one place.

The life of an ``ImportJob``: uploaded (``draft``: the page shows the first rows and a
column per target field) → the mapping is chosen (``check_queued``) → the worker checks
the file with the kind's own importer inside a transaction it rolls back (``checked``:
the errors by row) → confirmed (``queued``) → the worker imports (``running`` → ``done``
or ``failed``). Each worker claims a job with one conditional UPDATE on its status, so
several workers never take the same job.

The importer is always the CLI's (``minqing import KIND FILE``); the page only renames
the file's columns to the importer's (a CSV the importer reads, rows keeping their row
numbers) and, with "skip bad rows", leaves out the rows the check rejected.
"""

import datetime as dt
import json
import os
import re
import time
import uuid
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from minqing.cases.errors import Forbidden, InvalidInput, NotFound
from minqing.regions.importers import ImportFailed
from minqing.tabular import TableError, csv_bytes, read_rows, write_importer_csv, xlsx_bytes

from . import kinds as kinds_mod
from .models import CLAIMABLE, WORKING, ImportJob, ImportMapping, Status, record

MAX_ERRORS = 2000  # row errors kept for the page; the rejected rows are always all of them
PREVIEW_ROWS = 10
SUFFIXES = (".csv", ".xlsx", ".xlsm", ".txt")
ROW_RE = re.compile(r"^第(\d+)行 row \d+: (?:([^:]*): )?(.*)$")


def max_bytes():
    return int(getattr(settings, "MINQING_IMPORT_MAX_BYTES", 20 * 1024 * 1024))


def keep_days():
    return int(getattr(settings, "MINQING_IMPORT_KEEP_DAYS", 30))


def lease_seconds():
    return int(getattr(settings, "MINQING_CLAIM_LEASE_SECONDS", 600))


def upload_dir():
    d = Path(settings.DATA_DIR) / "imports"
    d.mkdir(parents=True, exist_ok=True)
    return d


def upload_path(job):
    return upload_dir() / job.upload


# ---- who may --------------------------------------------------------------------------------------


def _kind(actor, name):
    kind = kinds_mod.get(name)
    if kind is None:
        raise InvalidInput(f"不支持的导入类型 / unknown import kind: {str(name)[:30]}", field="kind")
    if not kinds_mod.allowed(actor, kind):
        raise Forbidden("您的角色不能导入此类数据 / your role may not import this kind")
    return kind


def load_job(actor, pk):
    """The job, if the actor may see it: its creator and admins."""
    job = ImportJob.objects.filter(pk=pk).first() if str(pk).isdigit() else None
    if job is None or not (actor.is_admin or (actor.user is not None and job.created_by_id == actor.user.pk)):
        raise NotFound("导入不存在 / no such import")
    return job


def visible_jobs(actor):
    qs = ImportJob.objects.select_related("created_by")
    return qs if actor.is_admin else qs.filter(created_by=actor.user)


# ---- reading the upload ---------------------------------------------------------------------------


def _read(path):
    try:
        return list(read_rows(path))
    except TableError as e:
        raise InvalidInput(str(e), field="file") from None
    except OSError as e:
        raise InvalidInput(f"无法读取文件 / cannot read the file: {e.strerror or e}", field="file") from None


def _text(v):
    if v is None:
        return ""
    if isinstance(v, dt.datetime):
        return v.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(v, dt.date):
        return v.isoformat()
    if isinstance(v, float) and v.is_integer():
        v = int(v)
    return str(v)


def preview(job, n=PREVIEW_ROWS):
    rows = []
    for number, r in read_rows(upload_path(job)):
        rows.append((number, [_text(r.get(c)) for c in job.columns]))
        if len(rows) >= n:
            break
    return rows


# ---- the person's steps ---------------------------------------------------------------------------


@transaction.atomic
def do_upload(actor, *, kind, upload, skip_bad=False):
    """Store an uploaded file (a Django ``UploadedFile``) as a new job and offer a mapping."""
    kind = _kind(actor, kind)
    if upload is None:
        raise InvalidInput("请选择文件 / choose a file", field="file")
    if upload.size > max_bytes():
        raise InvalidInput(f"文件超过 {max_bytes() // (1024 * 1024)} MB / the file is larger than "
                           f"{max_bytes() // (1024 * 1024)} MB", field="file")
    suffix = Path(upload.name or "").suffix.lower()
    if suffix not in SUFFIXES:
        raise InvalidInput("只支持 .csv 和 .xlsx 文件 / only .csv and .xlsx files", field="file")
    name = f"{uuid.uuid4().hex}{suffix}"
    path = upload_dir() / name
    with open(path, "wb") as f:
        for chunk in upload.chunks():
            f.write(chunk)
    try:
        rows = _read(path)
        if not rows:
            raise InvalidInput("文件中没有数据行（只有表头或为空）/ the file has no data rows", field="file")
    except InvalidInput:
        path.unlink(missing_ok=True)
        raise
    header = list(rows[0][1].keys())
    saved = ImportMapping.objects.filter(user=actor.user, kind=kind.name).values_list("mapping", flat=True).first()
    job = ImportJob.objects.create(
        kind=kind.name, created_by=actor.user, filename=(upload.name or name)[:200], upload=name, columns=header,
        total_rows=len(rows), mapping=kinds_mod.guess(kind, header, saved), skip_bad=bool(skip_bad))
    record(actor, "import_uploaded", job.pk, kind=kind.name, file=job.filename, rows=job.total_rows)
    return job


def clean_mapping(kind, header, mapping):
    """{field: column} with every column in the file and every required field mapped."""
    out = {}
    for f in kind.fields:
        col = (mapping.get(f) or "").strip() if isinstance(mapping.get(f), str) else ""
        if col and col not in header:
            raise InvalidInput(f"{f}: 文件中没有列 {col[:50]} / the file has no column {col[:50]}", field=f)
        out[f] = col
    missing = [f for f in kind.required if not out.get(f)]
    if missing:
        raise InvalidInput(f"请为必填字段选择列 / choose a column for: {', '.join(missing)}", field=missing[0])
    return out


@transaction.atomic
def do_set_mapping(actor, job, mapping, skip_bad):
    """Take the mapping chosen on the page (saved for the person's next file of this kind) and
    queue the check."""
    job = ImportJob.objects.select_for_update().get(pk=job.pk)
    kind = _kind(actor, job.kind)
    if job.status not in (Status.DRAFT, Status.CHECKED, Status.FAILED):
        raise InvalidInput("此导入正在进行或已完成 / this import is running or done", field="status")
    if not job.upload:
        raise InvalidInput("此导入的文件已删除，请重新上传 / the file of this import is gone: upload it again",
                           field="file")
    job.mapping = clean_mapping(kind, job.columns, mapping)
    job.skip_bad = bool(skip_bad)
    job.status = Status.CHECK_QUEUED
    job.errors, job.error_count, job.bad_rows, job.message, job.result = [], 0, [], "", {}
    job.progress_done, job.progress_total = 0, None
    job.save()
    ImportMapping.objects.update_or_create(user=job.created_by, kind=job.kind,
                                           defaults={"mapping": job.mapping, "updated_at": timezone.now()})
    record(actor, "import_mapped", job.pk, mapping=job.mapping, skip_bad=job.skip_bad)
    return job


@transaction.atomic
def do_confirm(actor, job):
    job = ImportJob.objects.select_for_update().get(pk=job.pk)
    _kind(actor, job.kind)
    if job.status != Status.CHECKED:
        raise InvalidInput("请先完成校验 / check the file first", field="status")
    if job.bad_rows and not job.skip_bad:
        raise InvalidInput("有错误行：全部导入模式下请先修正，或改为跳过错误行 / some rows are bad: fix them, "
                           "or choose to skip bad rows", field="skip_bad")
    if len(set(job.bad_rows)) >= job.total_rows:
        raise InvalidInput("没有可导入的行 / no row can be imported", field="file")
    job.status = Status.QUEUED
    job.progress_done, job.progress_total = 0, None
    job.save(update_fields=["status", "progress_done", "progress_total"])
    record(actor, "import_confirmed", job.pk, skip_bad=job.skip_bad)
    return job


# ---- the worker's side ----------------------------------------------------------------------------


def claim_next():
    """Claim the oldest waiting job (a check or an import) with one conditional UPDATE; None when
    none is waiting or every waiting one was taken by another worker first."""
    from minqing.tasks import worker_id

    now = timezone.now()
    for pk, status in ImportJob.objects.filter(status__in=list(CLAIMABLE)).order_by("id").values_list(
            "pk", "status")[:20]:
        won = ImportJob.objects.filter(pk=pk, status=status).update(
            status=CLAIMABLE[status], claimed_by=worker_id(), started_at=now, progress_at=now,
            progress_done=0, progress_total=None)
        if won == 1:
            return ImportJob.objects.get(pk=pk)
    return None


def requeue_stale(now=None):
    """A job whose worker died (no progress for a lease) is waiting again: its transaction was
    rolled back with the worker, so running it again doubles nothing."""
    now = now or timezone.now()
    limit = now - dt.timedelta(seconds=lease_seconds())
    n = 0
    for job in ImportJob.objects.filter(status__in=list(WORKING), progress_at__lt=limit):
        seen = _progress_file_time(job)
        if seen is not None and seen >= limit.timestamp():
            continue
        n += ImportJob.objects.filter(pk=job.pk, status=job.status, progress_at=job.progress_at).update(
            status=WORKING[job.status], claimed_by="")
    return n


def drop_old_uploads(now=None):
    """The uploaded files of finished jobs older than ``MINQING_IMPORT_KEEP_DAYS`` are removed
    (the job stays, with its figures and errors; its rejected rows can no longer be downloaded)."""
    now = now or timezone.now()
    n = 0
    old = ImportJob.objects.filter(created_at__lt=now - dt.timedelta(days=keep_days()),
                                   status__in=[Status.DRAFT, Status.CHECKED, Status.DONE, Status.FAILED]
                                   ).exclude(upload="")
    for job in old:
        upload_path(job).unlink(missing_ok=True)
        n += ImportJob.objects.filter(pk=job.pk).update(upload="")
    return n


def _progress_file(job):
    return upload_dir() / f"job-{job.pk}.progress.json"


def _progress_file_time(job):
    try:
        return os.path.getmtime(_progress_file(job))
    except OSError:
        return None


class FileProgress:
    """The importer's ``progress(done, total)``, written to a small file beside the upload: the
    import runs in one transaction, so figures written to the database would only show at its
    end; the page's JSON endpoint reads the file while the job runs."""

    def __init__(self, job, every=0.5):
        self.path = _progress_file(job)
        self.every = every
        self.last = 0.0
        self.done, self.total = 0, None

    def __call__(self, done, total=None):
        self.done = done
        if total is not None:
            self.total = total
        now = time.monotonic()
        if now - self.last >= self.every or (self.total is not None and done >= self.total):
            self.last = now
            tmp = self.path.with_suffix(".tmp")
            tmp.write_text(json.dumps({"done": done, "total": self.total, "at": time.time()}))
            os.replace(tmp, self.path)

    def clear(self):
        self.path.unlink(missing_ok=True)


def read_progress(job):
    try:
        return json.loads(_progress_file(job).read_text())
    except (OSError, ValueError):
        return None


class _DryRun(Exception):
    def __init__(self, result):
        super().__init__("dry run")
        self.result = result


def _scope_errors(actor, kind, job, rows):
    """Rows a non-admin may not import: a region outside their scope."""
    if actor.is_admin or not kind.scope_field or not job.mapping.get(kind.scope_field):
        return []
    from minqing.people.models import Role
    from minqing.regions.models import Region

    col = job.mapping[kind.scope_field]
    values = {_text(r.get(col)).strip() for _, r in rows} - {""}
    if kind.name == "cases":  # a code, a name or a path of names (渌口区朱亭镇朱亭村), as the importer reads it
        from minqing.intake.importers import Resolver

        resolver = Resolver()
        found = {v: resolver.region(v) for v in values}
    else:
        found = {reg.code: reg for reg in Region.objects.filter(code__in=values)}
    out = []
    for n, r in rows:
        v = _text(r.get(col)).strip()
        reg = found.get(v)
        if reg is not None and not actor.covers_region(reg, Role.DISPATCHER):
            out.append((n, kind.scope_field, f"区划 {v} 不在您的辖区 / region {v} is outside your scope"))
    return out


def _normalized(job, kind, rows, leave_out=()):
    path = upload_dir() / f"job-{job.pk}-{uuid.uuid4().hex[:8]}.csv"
    fields = [f for f in kind.fields if kind.generic or job.mapping.get(f)]
    leave_out = set(leave_out)
    write_importer_csv(path, fields, ((n, [_text(r.get(job.mapping[f])) if job.mapping.get(f) else ""
                                           for f in fields])
                                      for n, r in rows if n not in leave_out))
    return path


def _engine_kwargs(kind, job, actor, progress, on_error):
    kw = {"on_error": on_error}
    if kind.name == "cases":  # the hotline mapping's values and options; the columns are ours now
        from minqing.intake.importers import Mapping

        m = Mapping.load()
        m.columns = {f: [f] for f in kind.fields if job.mapping.get(f)}
        kw["mapping"] = m
    if kind.accepts("actor"):
        kw["actor"] = actor
    if kind.accepts("progress"):
        kw["progress"] = progress
    return kw


def _errors_of(failure):
    errs = failure.errors
    if hasattr(errs, "errors"):
        return [list(e) for e in errs.errors], None
    return [], str(errs)


def _report_errors(text):
    """Row errors from an importer's report (``第N行 row N: column: message``)."""
    out = []
    for line in (text or "").splitlines():
        m = ROW_RE.match(line)
        if m:
            out.append([int(m.group(1)), m.group(2) or "", m.group(3)])
    return out


def process(job):
    """Check or run a claimed job (status checking or running)."""
    from minqing.cases import lookups
    from minqing.people.scoping import Actor

    kind = kinds_mod.get(job.kind)
    actor = Actor.for_user(job.created_by)
    progress = FileProgress(job)
    checking = job.status == Status.CHECKING
    fields = {}
    normalized = None
    try:
        rows = _read(upload_path(job))
        progress(0, len(rows))
        scope = _scope_errors(actor, kind, job, rows)
        leave_out = set() if checking else set(job.bad_rows) if job.skip_bad else set()
        normalized = _normalized(job, kind, rows, leave_out)
        fn = kind.engine_function()
        if checking:
            errors, message, result = [], "", {}
            try:
                with transaction.atomic():
                    result = fn(str(normalized), **_engine_kwargs(kind, job, actor, progress, "refuse"))
                    raise _DryRun(result)
            except _DryRun as d:
                result = d.result
            except ImportFailed as e:
                errors, message = _errors_of(e)
            finally:
                lookups.clear()
            errors = sorted(errors + [list(e) for e in scope], key=lambda e: (e[0], e[1]))
            fields = dict(status=Status.CHECKED if not message else Status.FAILED, message=message or "",
                          errors=errors[:MAX_ERRORS], error_count=len(errors),
                          bad_rows=sorted({e[0] for e in errors}), result={"checked": True})
        else:
            if scope and not job.skip_bad:
                raise ImportFailed("; ".join(m for _, _, m in scope[:5]))
            if scope:
                job.bad_rows = sorted(set(job.bad_rows) | {n for n, _, _ in scope})
                normalized.unlink(missing_ok=True)
                normalized = _normalized(job, kind, rows, set(job.bad_rows))
            on_error = "skip" if job.skip_bad else "refuse"
            try:
                result = fn(str(normalized), **_engine_kwargs(kind, job, actor, progress, on_error))
            except ImportFailed as e:
                errors, message = _errors_of(e)
                fields = dict(status=Status.FAILED, message=message or "", errors=errors[:MAX_ERRORS],
                              error_count=len(errors), bad_rows=sorted({e[0] for e in errors}) or job.bad_rows,
                              result={})
            else:
                late = _report_errors(result.pop("errors", ""))
                errors = job.errors + late
                fields = dict(status=Status.DONE, result=result, errors=errors[:MAX_ERRORS],
                              error_count=job.error_count + len(late),
                              bad_rows=sorted(set(job.bad_rows) | {e[0] for e in late}))
                with transaction.atomic():
                    record(actor, "import_done", job.pk, kind=job.kind, result=result)
    except InvalidInput as e:
        fields = dict(status=Status.FAILED, message=e.message)
    except ImportFailed as e:
        fields = dict(status=Status.FAILED, message=str(e)[:2000])
    except Exception as e:  # noqa: BLE001 - the job says what went wrong; the worker stays up
        import logging

        logging.getLogger("minqing.worker").exception("import %s failed", job.pk)
        fields = dict(status=Status.FAILED, message=f"{type(e).__name__}: {e}"[:2000])
    finally:
        if normalized is not None:
            normalized.unlink(missing_ok=True)
    total = progress.total if progress.total is not None else job.total_rows
    fields.update(progress_done=total, progress_total=total, finished_at=timezone.now(), progress_at=timezone.now())
    ImportJob.objects.filter(pk=job.pk).update(**fields)
    progress.clear()
    job.refresh_from_db()
    return job


# ---- what the page shows ----------------------------------------------------------------------------


def status_dict(job):
    """The progress bar's figures: rows done, of how many, rows per second, seconds left."""
    done, total = job.progress_done, job.progress_total
    if job.status in WORKING:
        live = read_progress(job)
        if live:
            done, total = live.get("done") or 0, live.get("total")
    total = total if total is not None else job.total_rows
    rate = left = None
    if job.status in WORKING and job.started_at:
        seconds = (timezone.now() - job.started_at).total_seconds()
        if seconds > 0 and done:
            rate = round(done / seconds, 1)
            left = round((total - done) / rate, 1) if rate and total is not None and total >= done else None
    return {"id": job.pk, "status": job.status, "status_label": str(Status(job.status).label),
            "done": done, "total": total, "rate": rate, "seconds_left": left,
            "finished": job.status in (Status.DRAFT, Status.CHECKED, Status.DONE, Status.FAILED),
            "errors": job.error_count, "result": job.result}


def rejected_rows(job, fmt="csv"):
    """The rows the check or the import rejected, as the person uploaded them, with the reason in
    a last column: to fix and upload again. (filename, content type, bytes)."""
    bad = set(job.bad_rows)
    reasons = {}
    for row, col, msg in job.errors:
        reasons.setdefault(row, []).append(f"{col}: {msg}" if col else msg)
    header = list(job.columns) + ["错误 / errors"]
    rows = [[_text(r.get(c)) for c in job.columns] + ["；".join(reasons.get(n, []))]
            for n, r in read_rows(upload_path(job)) if n in bad]
    stem = Path(job.filename).stem[:60] or "import"
    if fmt == "xlsx":
        return (f"{stem}-rejected.xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                xlsx_bytes(header, rows, "rejected"))
    return f"{stem}-rejected.csv", "text/csv; charset=utf-8", csv_bytes(header, rows)
