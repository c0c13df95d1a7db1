from django.urls import path

from . import views

app_name = "referrals"

urlpatterns = [
    path("", views.referral_list, name="list"),
    path("new", views.referral_create, name="create"),
    path("caseload.csv", views.caseload_export, name="export"),
    path("funnel", views.funnel_dashboard, name="funnel"),
    path("funnel.csv", views.funnel_csv, name="funnel_csv"),
    path("emails", views.email_log, name="email_log"),
    path("webhooks", views.webhook_list, name="webhook_list"),
    path("webhooks/new", views.webhook_create, name="webhook_create"),
    path("webhooks/<int:endpoint_id>/added", views.webhook_created, name="webhook_created"),
    path("webhooks/<int:endpoint_id>/disable", views.webhook_disable, name="webhook_disable"),
    path(
        "webhooks/<int:endpoint_id>/deliveries", views.webhook_deliveries, name="webhook_deliveries"
    ),
    path("<uuid:referral_id>", views.referral_detail, name="detail"),
    path("<uuid:referral_id>/change", views.referral_draft_change, name="change"),
    path("<uuid:referral_id>/send", views.referral_send, name="send"),
    path("<uuid:referral_id>/cancel", views.referral_cancel, name="cancel"),
    path("<uuid:referral_id>/reason", views.referral_reason, name="reason"),
    path("<uuid:referral_id>/accept", views.referral_accept, name="accept"),
    path("<uuid:referral_id>/reject", views.referral_reject, name="reject"),
    path("<uuid:referral_id>/assign-to-me", views.referral_assign_to_me, name="assign_to_me"),
    path("<uuid:referral_id>/assign", views.referral_assign, name="assign"),
    path("<uuid:referral_id>/contact-attempts", views.contact_attempt_log, name="contact_attempt"),
    path("<uuid:referral_id>/appointments", views.appointment_book, name="appointment"),
    path(
        "<uuid:referral_id>/appointments/cancel",
        views.appointment_cancel,
        name="appointment_cancel",
    ),
    path("<uuid:referral_id>/attendance", views.attendance_record, name="attendance"),
    path(
        "<uuid:referral_id>/attendance/correct",
        views.attendance_correct,
        name="attendance_correct",
    ),
    path("<uuid:referral_id>/treatment-start", views.treatment_start, name="treatment_start"),
    path("<uuid:referral_id>/close", views.referral_close, name="close"),
]
