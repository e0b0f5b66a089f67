"""Helpers every page uses: the acting person, their current role, pagination."""

import datetime as dt
from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _

from minqing.cases.models import OPEN_STATES
from minqing.people.models import Role
from minqing.people.scoping import Actor, mask_name, mask_phone, mask_text  # noqa: F401  (mask_text: the pages' import)
from minqing.supervision.alerts import alert_level

# Each role's own page, and the order a user with several roles lands in.
ROLE_HOME = {
    Role.DISPATCHER: "web:inbox",
    Role.OPERATOR: "web:intake",
    Role.HANDLER: "web:dept",
    Role.RETURN_VISITOR: "web:visits_desk",
    Role.SUPERVISOR: "web:supervise",
    Role.LEADER: "web:dashboard",
    Role.CADRE: "web:cases",
    Role.ADMIN: "web:inbox",
    Role.SURVEYOR: "surveys:desk",
    Role.PARTNER: "partners:tasks",
}
ROLE_ORDER = [Role.DISPATCHER, Role.OPERATOR, Role.HANDLER, Role.RETURN_VISITOR, Role.SUPERVISOR, Role.LEADER, Role.CADRE, Role.ADMIN, Role.SURVEYOR]
ROLE_ORDER.append(Role.PARTNER)


def get_actor(request):
    if not hasattr(request, "_mq_actor"):
        request._mq_actor = Actor.for_user(request.user)
    return request._mq_actor


def user_roles(request):
    actor = get_actor(request)
    roles = set(actor.roles())
    if request.user.is_authenticated and request.user.is_superuser:
        roles.add(Role.ADMIN)
    return [r for r in ROLE_ORDER if r in roles]


def current_role(request):
    roles = user_roles(request)
    chosen = request.session.get("mq_role")
    if chosen in roles:
        return chosen
    return roles[0] if roles else None


def may_act_as(request, roles):
    actor = get_actor(request)
    return actor.is_admin or any(r in actor.roles() for r in roles)


def role_required(*roles):
    """Login required, and one of these roles (admins pass); otherwise a 403 page."""

    def deco(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if roles and not may_act_as(request, roles):
                return forbidden(request, _("您的角色不能打开此页面。"))
            return view(request, *args, **kwargs)

        return wrapper

    return deco


def forbidden(request, message):
    return render(request, "web/error.html", {"status": 403, "title": _("无权访问"), "message": message}, status=403)


def not_found(request, message=None):
    return render(
        request, "web/error.html",
        {"status": 404, "title": _("找不到"), "message": message or _("该页面不存在，或不在您的权限范围内。")},
        status=404,
    )


class Page:
    """Offset pagination without a COUNT: fetch one row more than shown to know
    whether a next page exists (a COUNT over a million cases is the slow part)."""

    def __init__(self, request, qs, per_page=20):
        try:
            self.number = max(1, int(request.GET.get("page", 1)))
        except ValueError:
            self.number = 1
        self.per_page = per_page
        start = (self.number - 1) * per_page
        rows = list(qs[start : start + per_page + 1])
        self.has_next = len(rows) > per_page
        self.object_list = rows[:per_page]
        self.has_previous = self.number > 1
        params = request.GET.copy()
        params.pop("page", None)
        self.base_query = params.urlencode()

    def __iter__(self):
        return iter(self.object_list)

    def __len__(self):
        return len(self.object_list)

    @property
    def next_page_number(self):
        return self.number + 1

    @property
    def previous_page_number(self):
        return self.number - 1


def live_alert(case):
    """The alert colour now (the stored one is refreshed only by the sweep)."""
    if case.state in OPEN_STATES:
        return alert_level(case.deadline)
    return ""


def reporter_view(case, actor):
    """(name, phone) as this actor may see them."""
    if case.anonymous:
        return _("匿名"), ""
    if actor.can_see_contact(case):
        return case.reporter_name, case.reporter_phone
    return mask_name(case.reporter_name), mask_phone(case.reporter_phone)


def parse_date(value):
    if not value:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        return None


def today():
    return timezone.localdate()


def client_ip(request):
    """The client's address, behind trusted proxies too (``minqing.web.edge``)."""
    from ..edge import client_address

    return getattr(request, "client_address", None) or client_address(request)


def state_in_newest_first(qs, states):
    """Cases in these states, newest first.

    On SQLite the state test is written so that it cannot use an index on state:
    the planner then walks the registration-time index backwards and stops after
    a page, where a state index would make it sort every case in those states."""
    from django.db import connection
    from django.db.models import Value
    from django.db.models.functions import Concat

    if connection.vendor == "sqlite":
        qs = qs.alias(state_text=Concat("state", Value(""))).filter(state_text__in=list(states))
    else:
        qs = qs.filter(state__in=list(states))
    return qs.order_by("-registered_at", "-id")


def handler403(request, exception=None):
    """A PermissionDenied raised by any page shows the site's own page, in the page's language."""
    message = str(exception) if exception and str(exception) else _("您的角色不能打开此页面。")
    return forbidden(request, message)


def handler404(request, exception=None):
    return not_found(request)
