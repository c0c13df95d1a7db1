"""Pont's URLs plus the two reference endpoints the API benchmark compares against."""

from django.urls import path

from config.urls import urlpatterns as pont_urlpatterns

from . import views

urlpatterns = [
    path("bench/bare-json", views.bare_json),
    path("bench/bare-write", views.bare_write),
    path("bench/minimal-audited-read/<uuid:referral_id>", views.minimal_audited_read),
    *pont_urlpatterns,
]
