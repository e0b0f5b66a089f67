from django.contrib import admin
from django.http import JsonResponse
from django.urls import include, path, re_path

from minqing.api.main import api, api_not_found
from minqing.ideas import views as ideas_views


def healthz(request):
    return JsonResponse({"ok": True})


urlpatterns = [
    path("api/v1/", api.urls),
    re_path(r"^api/v1/", api_not_found),  # an unknown API path answers JSON too
    path("admin/", admin.site.urls),
    path("healthz", healthz),
    path("open311/", include("minqing.intake.urls")),
    path("visits/", include("minqing.visits.urls")),
    path("patrols/", include("minqing.patrols.urls")),
    path("partners/", include("minqing.partners.urls")),
    path("ideas/", include("minqing.ideas.urls")),
    path("work/survey/", include("minqing.surveys.urls")),
    path("reports/", include("minqing.reports.urls")),
    path("board/typical/", ideas_views.typical_board, name="typical_board"),
    path("work/", include("minqing.backlog.urls")),
    path("policies/", include("minqing.policies.urls")),
    path("", include("minqing.web.urls")),
    path("work/", include("minqing.imports.urls")),  # imports in the browser, staff pages
]

handler403 = "minqing.web.views.common.handler403"  # the site's own 403/404 pages instead of Django's bare English ones
handler404 = "minqing.web.views.common.handler404"
