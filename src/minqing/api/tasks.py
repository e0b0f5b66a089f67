"""/api/v1/tasks (任务清单) and /api/v1/effects (效果清单)."""

import datetime as dt

from django.db.models import Q
from ninja import Router, Schema

from minqing.cases import actions
from minqing.cases.errors import InvalidInput, NotFound
from minqing.cases.models import Case, Effect, Task
from minqing.people.scoping import visible_cases

from .auth import actor
from .serializers import effect_dict, task_dict

router = Router(tags=["lists"])


class TaskIn(Schema):
    title: str
    department: str
    cases: list[int]
    due: dt.date | None = None


class TaskDoneIn(Schema):
    outcome: str


def _visible_tasks(request):
    a = actor(request)
    qs = Task.objects.select_related("department").prefetch_related("cases")
    if a.is_admin:
        return qs
    case_ids = visible_cases(a, Case.objects.all()).values("pk")
    return qs.filter(Q(department_id__in=a.department_ids()) | Q(cases__in=case_ids)).distinct()


@router.get("/tasks", response=dict)
def list_tasks(request, status: str | None = None, department: str | None = None, page: int = 1, page_size: int = 50):
    if page < 1 or not 1 <= page_size <= 200:
        raise InvalidInput("page >= 1 and page_size 1..200", field="page_size")
    actions.no_nul(status, "status")
    actions.no_nul(department, "department")
    qs = _visible_tasks(request)
    if status:
        if status not in (Task.OPEN, Task.DONE):
            raise InvalidInput("status must be open or done", field="status")
        qs = qs.filter(status=status)
    if department:
        qs = qs.filter(department__code=department)
    total = qs.count()
    rows = qs.order_by("-created_at", "-id")[(page - 1) * page_size : page * page_size]
    return {"count": total, "page": page, "page_size": page_size, "results": [task_dict(t, actor(request)) for t in rows]}


def _visible_case_ids(request, ids):
    found = set(visible_cases(actor(request), Case.objects.filter(pk__in=ids)).values_list("pk", flat=True))
    missing = [i for i in ids if i not in found]
    if missing:
        raise InvalidInput(f"unknown case(s): {missing}", field="cases")
    return ids


@router.post("/tasks", response={201: dict})
def create_task(request, payload: TaskIn):
    ids = _visible_case_ids(request, payload.cases)
    task = actions.create_task(actor(request), title=payload.title, department=payload.department, cases=ids,
                               due=payload.due)
    return 201, task_dict(task, actor(request))


@router.post("/tasks/{task_id}/complete", response=dict)
def complete_task(request, task_id: int, payload: TaskDoneIn):
    task = _visible_tasks(request).filter(pk=task_id).first()
    if task is None:
        raise NotFound("任务不存在 / task not found")
    return task_dict(actions.complete_task(actor(request), task, outcome=payload.outcome), actor(request))


@router.get("/effects", response=dict)
def list_effects(request, page: int = 1, page_size: int = 50):
    if page < 1 or not 1 <= page_size <= 200:
        raise InvalidInput("page >= 1 and page_size 1..200", field="page_size")
    case_ids = visible_cases(actor(request), Case.objects.filter(state="closed")).values("pk")
    qs = Effect.objects.filter(case__in=case_ids).select_related("case__region", "case__owner_region").order_by(
        "-confirmed_at", "-id")
    total = qs.count()
    rows = qs[(page - 1) * page_size : page * page_size]
    return {"count": total, "page": page, "page_size": page_size, "results": [effect_dict(e, actor(request)) for e in rows]}
