from django.urls import path

from . import arrangement_views, oversight_views, views

app_name = "drug_testing"

urlpatterns = [
    path("", views.test_list, name="list"),
    path("new", views.test_create, name="create"),
    path("eligibility", views.eligibility_check, name="eligibility"),
    path("tasks", views.task_list, name="tasks"),
    path("tasks/<int:task_id>/done", views.task_done, name="task_done"),
    path("breaches", views.breach_list, name="breach_list"),
    path("breaches/<uuid:breach_id>", views.breach_detail, name="breach_detail"),
    path("breaches/<uuid:breach_id>/decision", views.breach_decide, name="breach_decide"),
    path("breaches/<uuid:breach_id>/court-result", views.breach_court_result, name="breach_court"),
    path("breaches/<uuid:breach_id>/evidence-pack.pdf", views.breach_pack, name="breach_pack"),
    path("notices/<int:notice_id>.pdf", views.notice_pdf, name="notice_pdf"),
    path("dashboard", oversight_views.dashboard, name="dashboard"),
    path("dashboard.csv", oversight_views.dashboard_csv, name="dashboard_csv"),
    path("quality", oversight_views.qa_list, name="qa_list"),
    path("quality/<int:sample_id>", oversight_views.qa_detail, name="qa_detail"),
    path("quality/reviews/<int:review_id>", oversight_views.qa_review, name="qa_review"),
    path(
        "provider/assessments/<uuid:assessment_id>",
        views.provider_assessment,
        name="provider_assessment",
    ),
    path(
        "provider/assessments/<uuid:assessment_id>/follow-up",
        views.provider_follow_up,
        name="provider_follow_up",
    ),
    path(
        "provider/assessments/<uuid:assessment_id>/cease",
        views.provider_cease,
        name="provider_cease",
    ),
    path("<uuid:test_id>", views.test_detail, name="test_detail"),
    path("<uuid:test_id>/dispute", views.test_dispute, name="dispute"),
    path("<uuid:test_id>/confirmation", views.test_confirmation, name="confirmation"),
    path("<uuid:test_id>/required-assessment", views.assessment_impose, name="impose"),
    path("<uuid:test_id>/required-assessment/vary", views.assessment_vary, name="vary"),
    # The system administrator's reference data: suites' notified testing arrangements.
    path("arrangements", arrangement_views.arrangement_list, name="arrangements"),
    path(
        "arrangements/<int:suite_id>/new",
        arrangement_views.arrangement_add,
        name="arrangement_add",
    ),
]
