"""消息提醒: a person's notices, newest first; opening one marks it read and goes to its case."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from minqing.notices import core as notices

from .common import Page, not_found, role_required


@role_required()
def notices_page(request):
    only_unread = request.GET.get("unread") == "1"
    number = request.GET.get("page", "")
    if len(number) > 6:  # Page would turn a huge number into an offset the database refuses
        return not_found(request)
    page = Page(request, notices.notices_of(request.user, unread=only_unread))
    notices.with_text(page.object_list)
    request._mq_unread = notices.unread_count(request.user)  # the header's badge reuses it
    ctx = {"page": page, "items": page.object_list, "only_unread": only_unread, "unread": request._mq_unread}
    return render(request, "web/work/notices.html", ctx)


@role_required()
def notice_open(request, pk):
    notice = notices.mark_read(request.user, pk)
    if notice is None:
        return not_found(request, _("该消息不存在。"))
    if notice.case_id:
        return redirect("web:case", notice.case_id)
    return redirect("web:notices")


@role_required()
@require_POST
def notices_read_all(request):
    n = notices.mark_all_read(request.user)
    messages.success(request, _("已将 %(n)d 条消息标为已读。") % {"n": n})
    return redirect("web:notices")
