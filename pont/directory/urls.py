from django.urls import path

from . import views

app_name = "directory"

urlpatterns = [
    path("", views.service_search, name="search"),
    path("public", views.public_service_list, name="public_list"),
    path("<uuid:service_id>", views.service_detail, name="service"),
    path("referral-settings", views.referral_settings, name="settings"),
    path("new", views.add_service, name="add_service"),
    path("<uuid:service_id>/details", views.service_details, name="details_service"),
    path("<uuid:service_id>/places", views.service_places, name="places_service"),
    path("<uuid:service_id>/opening-times", views.service_opening_times, name="opening_service"),
    path(
        "<uuid:service_id>/referral-settings",
        views.service_referral_settings,
        name="settings_service",
    ),
]
