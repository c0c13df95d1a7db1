"""URLs of the out-of-court disposals dashboard (under /disposals/dashboard)."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
