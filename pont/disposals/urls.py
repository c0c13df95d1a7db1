from django.urls import path

from . import dashboard_urls, scrutiny_urls, views

app_name = "disposals"

urlpatterns = [
    path("", views.disposal_list, name="list"),
    path("new", views.disposal_create, name="create"),
    path("tasks", views.task_list, name="tasks"),
    path("tasks/<int:task_id>/done", views.task_done, name="task_done"),
    path("<uuid:disposal_id>", views.disposal_detail, name="detail"),
    path("<uuid:disposal_id>/conditions/new", views.condition_new, name="condition_add"),
    path(
        "<uuid:disposal_id>/conditions/<int:condition_id>/remove",
        views.condition_delete,
        name="condition_remove",
    ),
    path(
        "<uuid:disposal_id>/conditions/<int:condition_id>/outcome",
        views.condition_outcome,
        name="condition_outcome",
    ),
    path(
        "<uuid:disposal_id>/conditions/<int:condition_id>/refer",
        views.condition_refer,
        name="condition_refer",
    ),
    path("<uuid:disposal_id>/submit", views.disposal_send_for_authorisation, name="submit"),
    path("<uuid:disposal_id>/authorise", views.disposal_authorisation, name="authorise"),
    path("<uuid:disposal_id>/issue", views.disposal_issue_view, name="issue"),
    path("<uuid:disposal_id>/breach", views.breach_decision, name="breach"),
    path("<uuid:disposal_id>/notice.pdf", views.notice_download, name="notice"),
    path(
        "<uuid:disposal_id>/notices/<int:notice_id>.pdf",
        views.notice_download,
        name="notice_kept",
    ),
    *scrutiny_urls.urlpatterns,
    *dashboard_urls.urlpatterns,
]
