from django.urls import path

from . import audit_views, figures_views, views

app_name = "stop_search"

urlpatterns = [
    path("", views.search_list, name="list"),
    path("new", views.search_create, name="create"),
    # No sign-in: the force's figures for the public, in Welsh and English.
    path("public", figures_views.public_figures, name="public"),
    path("figures", figures_views.staff_figures, name="figures"),
    path("<uuid:search_id>", views.search_detail, name="detail"),
    path("<uuid:search_id>/outcome", views.search_amend, name="amend"),
    path("<uuid:search_id>/copy", views.search_copy, name="copy"),
    path("<uuid:search_id>/referral", views.search_refer, name="refer"),
    # The monthly audit: samples, reviews by the two inspectors, feedback, figures.
    path("audit", audit_views.sample_list, name="audit_list"),
    path("audit/<int:sample_id>", audit_views.sample_detail, name="audit_sample"),
    path("audit/searches/<int:sampled_id>", audit_views.sampled_review, name="audit_review"),
    path("audit/feedback", audit_views.officer_feedback, name="audit_feedback"),
    path("audit/dashboard", audit_views.dashboard, name="audit_dashboard"),
    path("audit/dashboard.csv", audit_views.dashboard_csv, name="audit_dashboard_csv"),
]

# police.uk data for the force's analysts: upload (imported in the background) and download.
from . import upload_views  # noqa: E402  # appended block: kept apart from the others

urlpatterns += [
    path("policeuk", upload_views.policeuk_upload, name="policeuk"),
    path("policeuk/jobs/<uuid:job_id>", upload_views.policeuk_job, name="policeuk_job"),
    path("policeuk/export", upload_views.policeuk_export, name="policeuk_export"),
]

# The commissioner's Quality Assurance Panel: sessions, cases (pseudonymised), the report.
from . import panel_views  # noqa: E402  # appended block: kept apart from the others

urlpatterns += [
    path("panel", panel_views.session_list, name="panel_list"),
    # No sign-in: the panel's published findings, in Welsh and English.
    path("panel/public", panel_views.public_summaries, name="panel_public"),
    path("panel/<int:session_id>", panel_views.session_detail, name="panel_session"),
    path("panel/<int:session_id>/status", panel_views.session_status, name="panel_status"),
    path("panel/<int:session_id>/response", panel_views.session_response, name="panel_response"),
    path("panel/<int:session_id>/summary", panel_views.session_summary, name="panel_summary"),
    path("panel/<int:session_id>/report", panel_views.session_report, name="panel_report"),
    path("panel/cases/<int:case_id>", panel_views.case_detail, name="panel_case"),
    path("panel/cases/<int:case_id>/footage", panel_views.case_footage, name="panel_footage"),
    path("panel/cases/<int:case_id>/prepare", panel_views.case_prepare, name="panel_prepare"),
]
