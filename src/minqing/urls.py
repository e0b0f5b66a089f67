from django.contrib import admin
from django.http import JsonResponse
from django.urls import include, path, re_path

from minqing.api.main import api, api_not_found


def healthz(request):
    return JsonResponse({"ok": True})


urlpatterns = [
    path("api/v1/", api.urls),
    re_path(r"^api/v1/", api_not_found),  # an unknown API path answers JSON too
    path("admin/", admin.site.urls),
    path("healthz", healthz),
    path("open311/", include("minqing.intake.urls")),
    path("visits/", include("minqing.visits.urls")),
    path("ideas/", include("minqing.ideas.urls")),
    path("work/survey/", include("minqing.surveys.urls")),
    path("", include("minqing.web.urls")),
]
