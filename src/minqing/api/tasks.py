"""/api/v1/tasks (任务清单) and /api/v1/effects (效果清单)."""

import datetime as dt
from typing import Annotated

from django.db.models import Q
from ninja import Field, Router, Schema

from minqing.cases import actions
from minqing.cases.errors import InvalidInput, NotFound
from minqing.cases.models import Case, Effect, Task
from minqing.people.models import Role
from minqing.people.scoping import visible_cases

from .auth import actor
from .errors import MAX_LIST, Code, Id, Page, PageSize, responses, text
from .schemas import Listing
from .serializers import effect_dict, task_dict

router = Router(tags=["lists"])


class TaskIn(Schema):
    title: text(200)
    department: Code | None = None
    partner: Code | None = None  # 社区合伙人: a partner's code instead of a department
    cases: Annotated[list[Id], Field(max_length=MAX_LIST)]
    due: dt.date | None = None


class TaskDoneIn(Schema):
    outcome: text()


def _visible_tasks(request):
    a = actor(request)
    qs = Task.objects.select_related("department", "partner").prefetch_related("cases")
    if a.is_admin:
        return qs
    if a.roles() == {Role.PARTNER}:  # a partner's contact: its own tasks only
        return qs.filter(partner_id__in=a.partner_ids())
    case_ids = visible_cases(a, Case.objects.all()).values("pk")
    return qs.filter(Q(department_id__in=a.department_ids()) | Q(partner_id__in=a.partner_ids())
                     | Q(cases__in=case_ids)).distinct()


@router.get("/tasks", response=responses(Listing))
def list_tasks(request, status: Code | None = None, department: Code | None = None, page: Page = 1,
               page_size: PageSize(200) = 50):
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


@router.post("/tasks", response=responses(dict, 201))
def create_task(request, payload: TaskIn):
    ids = _visible_case_ids(request, payload.cases)
    task = actions.create_task(actor(request), title=payload.title, department=payload.department, cases=ids,
                               due=payload.due, partner=payload.partner)
    return 201, task_dict(task, actor(request))


@router.post("/tasks/{task_id}/complete", response=responses())
def complete_task(request, task_id: Id, payload: TaskDoneIn):
    task = _visible_tasks(request).filter(pk=task_id).first()
    if task is None:
        raise NotFound("任务不存在 / task not found")
    return task_dict(actions.complete_task(actor(request), task, outcome=payload.outcome), actor(request))


@router.get("/effects", response=responses(Listing))
def list_effects(request, page: Page = 1, page_size: PageSize(200) = 50):
    if page < 1 or not 1 <= page_size <= 200:
        raise InvalidInput("page >= 1 and page_size 1..200", field="page_size")
    case_ids = visible_cases(actor(request), Case.objects.filter(state="closed")).values("pk")
    qs = Effect.objects.filter(case__in=case_ids).select_related("case__region", "case__owner_region").order_by(
        "-confirmed_at", "-id")
    total = qs.count()
    rows = qs[(page - 1) * page_size : page * page_size]
    return {"count": total, "page": page, "page_size": page_size, "results": [effect_dict(e, actor(request)) for e in rows]}
