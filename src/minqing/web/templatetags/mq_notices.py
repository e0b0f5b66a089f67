"""The header's unread-notice count (one indexed COUNT per page)."""

from django import template

from minqing.notices import core as notices

register = template.Library()


@register.simple_tag(takes_context=True)
def unread_notices(context):
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return 0
    if not hasattr(request, "_mq_unread"):
        request._mq_unread = notices.unread_count(user)
    return request._mq_unread
