"""/api/v1: task forces (工作专班) on ranked topics.

``POST /insights/topics/{id}/taskforce`` adopts a topic listed by ``GET /insights/topics``
(its stable ``id``); ``GET /taskforces``, ``GET /taskforces/{id}``, ``POST /taskforces/{id}/notes``.
"""


from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema

from minqing.cases.errors import Forbidden, InvalidInput, NotFound
from minqing.insights import taskforces
from minqing.insights.models import TaskForce

from .auth import actor
from .errors import Code, Day, Id, Page, PageSize, responses, text

router = Router(tags=["taskforces"])


class TaskForceIn(Schema):
    lead: str = Field(..., max_length=64)
    members: list[Code] = Field(default_factory=list, max_length=taskforces.MAX_MEMBERS)
    due: Day
    goal: str = Field(..., max_length=taskforces.MAX_GOAL)


class WindowQuery(Schema):
    date_from: Day | None = Field(None, alias="from")
    date_to: Day | None = Field(None, alias="to")


@router.post("/insights/topics/{topic_id}/taskforce", response=responses(status=201),
             summary="Adopt a ranked topic as a task force (工作专班)")
def create_taskforce(request, topic_id: text(400), payload: TaskForceIn, q: Query[WindowQuery]):
    a = actor(request)
    if not taskforces.may_adopt(a):
        raise Forbidden(_("只有领导或调度员可以成立工作专班"))
    topic = taskforces.find_topic(a, topic_id, date_from=q.date_from, date_to=q.date_to)
    if topic is None:
        raise NotFound(_("专题不存在"))
    tf = taskforces.create(a, topic, lead=payload.lead, members=payload.members, due=payload.due,
                           goal=payload.goal)
    return 201, taskforces.as_dict(tf, full=True)


@router.get("/taskforces", response=responses(), summary="Task forces in the caller's scope, newest first")
def list_taskforces(request, page: Page = 1, page_size: PageSize(100) = 20):
    a = actor(request)
    if page < 1 or page > 100000:
        raise InvalidInput(_("页码须为正整数"), field="page")
    if not 1 <= page_size <= 100:
        raise InvalidInput(_("每页条数须在 1 到 100 之间"), field="page_size")
    qs = taskforces.visible(a, TaskForce.objects.select_related("lead", "place", "category", "topic", "created_by"))
    total = qs.count()
    start = (page - 1) * page_size
    return {"total": total, "page": page, "page_size": page_size,
            "results": [taskforces.as_dict(tf) for tf in qs.order_by("-created_at", "-id")[start:start + page_size]]}


@router.get("/taskforces/{tf_id}", response=responses(), summary="One task force: progress, notes, effect on intake")
def get_taskforce(request, tf_id: Id):
    return taskforces.as_dict(taskforces.get_visible(actor(request), tf_id), full=True)


class NoteIn(Schema):
    text: str = Field(..., max_length=taskforces.MAX_NOTE)


@router.post("/taskforces/{tf_id}/notes", response=responses(status=201), summary="Add a progress note")
def add_note(request, tf_id: Id, payload: NoteIn):
    a = actor(request)
    tf = taskforces.get_visible(a, tf_id)
    note = taskforces.add_note(a, tf, payload.text)
    return 201, {"id": note.pk, "taskforce": tf.pk, "text": note.text, "by": note.author_label,
                 "at": note.at.isoformat()}
