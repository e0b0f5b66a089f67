from django.contrib.auth.views import LogoutView
from django.urls import include, path

from minqing.web.views import regions_setup

from .views import account, case, dashboard, insights, intake, notices, portal, work

app_name = "web"
urlpatterns = [
    path("", account.home, name="home"),
    path("i18n/", include("django.conf.urls.i18n")),
    # reporter portal (public)
    path("report/", portal.report, name="report"),
    path("report/done/<str:code>/", portal.report_done, name="report_done"),
    path("report/regions/", portal.region_picker, name="region_picker"),
    path("report/categories/", portal.category_options, name="category_options"),
    path("report/place/", portal.place_suggestion, name="place_suggestion"),
    path("t/", portal.track_lookup, name="track_lookup"),
    path("t/<str:code>/", portal.track, name="track"),
    path("qr/region/<str:code>/", portal.qr_region, name="qr_region"),
    path("qr/campaign/<slug:slug>/", portal.qr_campaign, name="qr_campaign"),
    path("qr/<str:kind>/<str:key>.svg", portal.qr_svg, name="qr_svg"),
    path("board/", dashboard.board, name="board"),
    path("board/map.json", dashboard.board_map, name="board_map"),
    path("board/<str:code>/", dashboard.board, name="board_region"),
    # people at work
    path("login/", account.LoginView.as_view(), name="login"),
    path("logout/", LogoutView.as_view(next_page="/"), name="logout"),
    path("home/", account.landing, name="landing"),
    path("role/", account.switch_role, name="switch_role"),
    path("work/intake/", intake.intake, name="intake"),
    path("work/intake/history/", intake.history, name="intake_history"),
    path("work/intake/places/", intake.places, name="intake_places"),
    path("work/intake/suggest/", intake.suggest, name="intake_suggest"),
    path("work/inbox/", work.inbox, name="inbox"),
    path("work/inbox/assign/", work.bulk_assign, name="bulk_assign"),
    path("work/suggest/<int:pk>/", work.suggestion, name="suggestion"),
    path("work/suggest/<int:pk>/adopt/", work.adopt_suggestion, name="adopt_suggestion"),
    path("work/dept/", work.dept, name="dept"),
    path("work/visits/", work.visits_desk, name="visits_desk"),
    path("work/supervise/", work.supervise, name="supervise"),
    path("work/cases/", work.cases, name="cases"),
    path("work/notices/", notices.notices_page, name="notices"),
    path("work/notices/read_all/", notices.notices_read_all, name="notices_read_all"),
    path("work/notices/<int:pk>/", notices.notice_open, name="notice_open"),
    path("dashboard/", dashboard.dashboard, name="dashboard"),
    path("dashboard/export.xlsx", dashboard.dashboard_xlsx, name="dashboard_xlsx"),
    path("insights/topics/", insights.topic_list, name="topics"),
    path("insights/topics/<str:key>/taskforce/", insights.topic_adopt, name="topic_adopt"),
    path("insights/taskforces/<int:pk>/", insights.taskforce_page, name="taskforce"),
    path("insights/taskforces/<int:pk>/notes/", insights.taskforce_note, name="taskforce_note"),
    path("case/<int:pk>/", case.case_page, name="case"),
    path("case/<int:pk>/do/<str:action>/", case.case_action, name="case_action"),
    path("case/<int:pk>/merge/", case.merge_confirm, name="merge_confirm"),
    path("case/<int:pk>/task/", case.task_create, name="task_create"),
    path("case/<int:pk>/contact/", case.reveal_contact, name="reveal_contact"),
    path("case/<int:pk>/task/done/", case.task_done, name="task_done"),
    path("case/<int:pk>/file/<int:att>/", case.attachment, name="attachment"),
    path("work/regions/setup/", regions_setup.setup, name="regions_setup"),
    path("work/regions/setup/options/", regions_setup.options, name="regions_setup_options"),
]
