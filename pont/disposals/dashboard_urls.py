"""URLs of the out-of-court disposals dashboard (under /disposals/dashboard)."""

from django.urls import URLPattern, path

from . import dashboard_views

urlpatterns: list[URLPattern] = [
    path("dashboard", dashboard_views.dashboard, name="dashboard"),
    path("dashboard.csv", dashboard_views.dashboard_csv, name="dashboard_csv"),
]
