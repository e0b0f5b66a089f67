from django.contrib import admin
from django.http import JsonResponse
from django.urls import include, path

from minqing.api.main import api


def healthz(request):
    return JsonResponse({"ok": True})


urlpatterns = [
    path("api/v1/", api.urls),
    path("admin/", admin.site.urls),
    path("healthz", healthz),
    path("open311/", include("minqing.intake.urls")),
    path("visits/", include("minqing.visits.urls")),
    path("ideas/", include("minqing.ideas.urls")),
    path("", include("minqing.web.urls")),
]
