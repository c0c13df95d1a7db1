"""URLs of the out-of-court disposals scrutiny panel (under /disposals/scrutiny/)."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
