"""Login, each role's landing page, and the role switch."""

from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import AuthenticationForm
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from minqing.people.models import Role

from .common import ROLE_HOME, current_role, role_required, user_roles


class LoginView(auth_views.LoginView):
    template_name = "web/account/login.html"
    redirect_authenticated_user = True

    def get_default_redirect_url(self):
        return "/home/"


def locked_out(request, original_response=None, credentials=None):
    """django-axes' answer to a login while the account or the address is locked: 429."""
    from ..edge import lock_minutes

    minutes = lock_minutes()
    message = _("登录失败次数过多，该账号或本机地址已被锁定 %(minutes)s 分钟。请稍后再试，或请管理员解锁。") % {
        "minutes": minutes}
    nxt = request.POST.get("next") or request.GET.get("next") or ""
    if not nxt.startswith("/") or nxt.startswith("//"):
        nxt = ""
    resp = render(request, "web/account/login.html",
                  {"form": AuthenticationForm(request), "locked": message, "next": nxt}, status=429)
    if minutes:
        resp["Retry-After"] = str(minutes * 60)
    return resp


def home(request):
    """The public front page; people who are logged in go to their role's page."""
    if request.user.is_authenticated:
        return redirect("web:landing")
    return render(request, "web/home.html")


@role_required()
def landing(request):
    role = current_role(request)
    if role is None:
        return redirect("web:cases")
    return redirect(ROLE_HOME[role])


@role_required()
@require_POST
def switch_role(request):
    role = request.POST.get("role")
    if role in user_roles(request):
        request.session["mq_role"] = role
        return redirect(ROLE_HOME[Role(role)])
    return redirect("web:landing")
