"""Login, each role's landing page, and the role switch."""

from django.contrib.auth import views as auth_views
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from minqing.people.models import Role

from .common import ROLE_HOME, current_role, role_required, user_roles


class LoginView(auth_views.LoginView):
    template_name = "web/account/login.html"
    redirect_authenticated_user = True

    def get_default_redirect_url(self):
        return "/home/"


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
