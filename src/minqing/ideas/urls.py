from django.urls import path

from . import views

app_name = "ideas"
urlpatterns = [
    path("", views.campaign_list, name="list"),
    path("new/", views.campaign_new, name="new"),
    path("typical/<int:case_id>/", views.mark_typical, name="mark_typical"),
    path("<slug:slug>/", views.public_page, name="campaign"),
    path("<slug:slug>/edit/", views.campaign_edit, name="edit"),
    path("<slug:slug>/review/", views.review, name="review"),
    path("<slug:slug>/qr.svg", views.qr_svg, name="qr"),
    path("<slug:slug>/poster.pdf", views.poster_pdf, name="poster"),
]
