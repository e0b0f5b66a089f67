"""Pages: imports in the browser (/work/imports/) and staff without a terminal (/work/people/).
Thin: every change is a ``do_*`` of ``imports.actions`` or ``people.actions``."""

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.db.models import Prefetch, Q
from django.http import HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from minqing.cases.errors import ActionError
from minqing.people import actions as people_actions
from minqing.people.models import Membership, Rank, Role
from minqing.tabular import TableError
from minqing.web.views.common import forbidden, get_actor, not_found, role_required

from . import actions
from . import kinds as kinds_mod
from .models import Status

IMPORT_ROLES = (Role.ADMIN, Role.DISPATCHER)


def _job_or_404(request, pk):
    try:
        return actions.load_job(get_actor(request), pk)
    except ActionError:
        return None


# ---- imports ------------------------------------------------------------------------------------------


@role_required(*IMPORT_ROLES)
def imports_home(request):
    actor = get_actor(request)
    allowed = kinds_mod.allowed_kinds(actor)
    error = None
    chosen = request.POST.get("kind") or request.GET.get("kind") or (allowed[0].name if allowed else "")
    if request.method == "POST":
        try:
            job = actions.do_upload(actor, kind=request.POST.get("kind", ""), upload=request.FILES.get("file"),
                                    skip_bad=request.POST.get("on_error") == "skip")
        except ActionError as e:
            error = e.message
        else:
            return redirect("imports:job", job.pk)
    jobs = list(actions.visible_jobs(actor)[:30])
    ctx = {"kinds": allowed, "chosen": chosen, "jobs": jobs, "error": error,
           "max_mb": actions.max_bytes() // (1024 * 1024)}
    return render(request, "imports/home.html", ctx, status=400 if error else 200)


def _job_context(request, job, error=None):
    kind = kinds_mod.get(job.kind)
    fields = [{"name": f, "label": kinds_mod.FIELD_LABELS.get(f, f), "required": f in kind.required,
               "chosen": job.mapping.get(f, "")} for f in kind.fields]
    preview = []
    if job.status in (Status.DRAFT, Status.CHECKED, Status.FAILED):
        try:
            preview = actions.preview(job)
        except Exception:  # noqa: BLE001 - a file gone from the disk: the page still opens
            preview = []
    return {"job": job, "kind": kind, "fields": fields, "preview": preview, "error": error,
            "status": actions.status_dict(job), "working": job.status not in
            (Status.DRAFT, Status.CHECKED, Status.DONE, Status.FAILED),
            "can_confirm": job.status == Status.CHECKED and (job.skip_bad or not job.bad_rows)
            and len(set(job.bad_rows)) < job.total_rows,
            "editable": job.status in (Status.DRAFT, Status.CHECKED, Status.FAILED)}


@role_required(*IMPORT_ROLES)
def job_page(request, pk):
    job = _job_or_404(request, pk)
    if job is None:
        return not_found(request)
    return render(request, "imports/job.html", _job_context(request, job))


@role_required(*IMPORT_ROLES)
@require_POST
def job_map(request, pk):
    job = _job_or_404(request, pk)
    if job is None:
        return not_found(request)
    mapping = {f: request.POST.get(f"map_{f}", "")[:200] for f in kinds_mod.get(job.kind).fields}
    try:
        actions.do_set_mapping(get_actor(request), job, mapping, request.POST.get("on_error") == "skip")
    except ActionError as e:
        job.refresh_from_db()
        return render(request, "imports/job.html", _job_context(request, job, e.message), status=400)
    return redirect("imports:job", job.pk)


@role_required(*IMPORT_ROLES)
@require_POST
def job_confirm(request, pk):
    job = _job_or_404(request, pk)
    if job is None:
        return not_found(request)
    try:
        actions.do_confirm(get_actor(request), job)
    except ActionError as e:
        job.refresh_from_db()
        return render(request, "imports/job.html", _job_context(request, job, e.message), status=400)
    return redirect("imports:job", job.pk)


@role_required(*IMPORT_ROLES)
def job_status(request, pk):
    job = _job_or_404(request, pk)
    if job is None:
        return JsonResponse({"error": "not_found"}, status=404)
    return JsonResponse(actions.status_dict(job))


@role_required(*IMPORT_ROLES)
def job_rejected(request, pk, fmt):
    job = _job_or_404(request, pk)
    if job is None or fmt not in ("csv", "xlsx"):
        return not_found(request)
    if not job.upload:
        return not_found(request, _("此导入的文件已过保存期限，已删除。"))
    try:
        name, ctype, body = actions.rejected_rows(job, fmt)
    except (TableError, OSError):
        return not_found(request, _("此导入的文件已无法读取。"))
    resp = HttpResponse(body, content_type=ctype)
    from urllib.parse import quote

    resp["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(name)}"
    return resp


# ---- people -------------------------------------------------------------------------------------------


def _admin_only(request):
    return None if get_actor(request).is_admin else forbidden(request, _("只有管理员可以管理人员。"))


def _people_ctx(request, **extra):
    q = request.GET.get("q", "")[:50].strip()
    User = get_user_model()
    qs = User.objects.select_related("profile").prefetch_related(
        Prefetch("memberships", queryset=Membership.objects.select_related("region", "department")))
    if q:
        qs = qs.filter(Q(username__icontains=q) | Q(profile__display_name__icontains=q))
    people = list(qs.order_by("username")[:200])
    return {"people": people, "q": q, "role_choices": Role.choices, "rank_choices": Rank.choices,
            "form": request.POST if request.method == "POST" else {}, **extra}


@role_required(Role.ADMIN)
def people_home(request):
    denied = _admin_only(request)
    if denied:
        return denied
    if request.method == "POST":
        p = request.POST
        try:
            user, created, shown = people_actions.do_add_staff(
                get_actor(request), username=p.get("username", "")[:200], role=p.get("role", "")[:30],
                region=p.get("region_code", "")[:40] or None, department=p.get("department_code", "")[:40] or None,
                name=p.get("name", "")[:100], phone=p.get("phone", "")[:40], unit=p.get("unit", "")[:200],
                rank=p.get("rank", "")[:20], one_time=True)
        except ActionError as e:
            ctx = _people_ctx(request, error=e.message, error_field=e.field)
            return render(request, "imports/people.html", ctx, status=400)
        return _person_render(request, user, shown=shown, added=created)
    ctx = _people_ctx(request)
    return render(request, "imports/people.html", ctx)


def _person(pk):
    User = get_user_model()
    return User.objects.select_related("profile").filter(pk=pk).first() if str(pk).isdigit() else None


def _person_render(request, person, shown=None, added=False, error=None, status=200):
    ms = Membership.objects.filter(user=person).select_related("region", "department").order_by("role", "id")
    ctx = {"person": person, "memberships": ms, "shown": shown, "added": added, "error": error,
           "role_choices": Role.choices}
    resp = render(request, "imports/person.html", ctx, status=status)
    if shown:
        resp["Cache-Control"] = "no-store"
    return resp


@role_required(Role.ADMIN)
def person_page(request, pk):
    denied = _admin_only(request)
    if denied:
        return denied
    person = _person(pk)
    if person is None:
        return not_found(request)
    return _person_render(request, person)


@role_required(Role.ADMIN)
@require_POST
def person_action(request, pk, what):
    denied = _admin_only(request)
    if denied:
        return denied
    person = _person(pk)
    if person is None:
        return not_found(request)
    actor = get_actor(request)
    p = request.POST
    try:
        if what == "role":
            people_actions.do_give_role(actor, person, role=p.get("role", "")[:30],
                                        region=p.get("region_code", "")[:40] or None,
                                        department=p.get("department_code", "")[:40] or None)
            messages.success(request, _("已授予角色。"))
        elif what == "unrole":
            m = Membership.objects.filter(user=person, pk=p.get("membership", "")[:20] or 0).first() \
                if p.get("membership", "").isdigit() else None
            if m is None:
                return not_found(request)
            people_actions.do_take_role(actor, m)
            messages.success(request, _("已取消角色。"))
        elif what == "password":
            shown = people_actions.do_reset_password(actor, person)
            return _person_render(request, person, shown=shown)
        elif what == "deactivate":
            people_actions.do_set_active(actor, person, False)
            messages.success(request, _("已停用。"))
        elif what == "activate":
            people_actions.do_set_active(actor, person, True)
            messages.success(request, _("已启用。"))
        else:
            return not_found(request)
    except ActionError as e:
        return _person_render(request, person, error=e.message, status=400 if e.status < 500 else e.status)
    return redirect("imports:person", person.pk)
