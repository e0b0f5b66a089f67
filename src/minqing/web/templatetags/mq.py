"""Template helpers of the pages: the header's role switch, percentages, alert badges."""

from django import template
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from minqing.cases.models import Channel, Kind, Mode, State

from ..views.common import current_role, user_roles

register = template.Library()

ROLE_NAV = {
    "dispatcher": ("web:inbox", gettext_noop("调度台")),
    "operator": ("web:intake", gettext_noop("接诉登记")),
    "handler": ("web:dept", gettext_noop("部门工作台")),
    "return_visitor": ("web:visits_desk", gettext_noop("回访台")),
    "supervisor": ("web:supervise", gettext_noop("督办")),
    "leader": ("web:dashboard", gettext_noop("驾驶舱")),
    "cadre": ("web:cases", gettext_noop("案件")),
    "admin": ("web:inbox", gettext_noop("调度台")),
    "surveyor": ("surveys:desk", gettext_noop("满意度测评")),
    "partner": ("partners:tasks", gettext_noop("合伙人工作台")),
}


@register.inclusion_tag("web/_nav.html", takes_context=True)
def mq_nav(context):
    request = context.get("request")
    out = {"request": request, "user": getattr(request, "user", None)}
    if request is None or not request.user.is_authenticated:
        return out
    roles = user_roles(request)
    role = current_role(request)
    out.update({
        "roles": [(r, ROLE_NAV[r][0], _(ROLE_NAV[r][1]), r == role) for r in roles],
        "role": role,
        # the intake desk for dispatchers too (an operator has it as its role's page)
        "intake_link": "operator" not in roles and any(r in ("dispatcher", "admin") for r in roles),
    })
    return out


@register.filter
def pct(value):
    if value is None or value == "":
        return "—"
    return f"{float(value) * 100:.1f}%"


@register.filter
def points(value):
    """A change of a rate in percentage points (个百分点), without its sign: the arrow carries it."""
    if value is None or value == "":
        return "—"
    return _("%(n).1f 个百分点") % {"n": abs(float(value)) * 100}


@register.filter
def state_label(value):
    try:
        return State(value).label
    except ValueError:
        return value


@register.filter
def channel_label(value):
    try:
        return Channel(value).label
    except ValueError:
        return value or "—"


@register.filter
def kind_label(value):
    try:
        return Kind(value).label
    except ValueError:
        return value


@register.filter
def mode_label(value):
    try:
        return Mode(value).label
    except ValueError:
        return value or "—"


ALERT_LABELS = {"red": gettext_noop("红"), "yellow": gettext_noop("黄"), "green": gettext_noop("绿")}


@register.filter
def alert_label(value):
    return _(ALERT_LABELS[value]) if value in ALERT_LABELS else ""


@register.simple_tag(takes_context=True)
def query(context, **kwargs):
    """The current query string with some parameters replaced (for tabs and pages)."""
    request = context["request"]
    params = request.GET.copy()
    for k, v in kwargs.items():
        if v in (None, ""):
            params.pop(k, None)
        else:
            params[k] = v
    params.pop("page", None) if "page" not in kwargs else None
    s = params.urlencode()
    return "?" + s if s else "?"


@register.filter
def catname(category):
    """A category's name in the page's language (its English name where the deployment gave one)."""
    return category.local_name if category else ""


@register.simple_tag(takes_context=True)
def case_text(context, case, length=0, field="text"):
    """A case's free text as the viewer may see it (``people.masking`` unless they may
    see the case's contact data), cut to ``length`` characters after masking."""
    from django.utils.text import Truncator

    from minqing.people.scoping import Actor, text_masker

    from ..views.common import get_actor

    request = context.get("request")
    actor = get_actor(request) if request is not None else Actor.public()
    text = text_masker(actor, case)(getattr(case, field, ""))
    return Truncator(text).chars(int(length)) if length else text
