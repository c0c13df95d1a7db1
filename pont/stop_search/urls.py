from django.urls import path

from . import public_views, views

app_name = "stop_search"

urlpatterns = [
    path("", views.search_list, name="list"),
    path("new", views.search_create, name="create"),
    # No sign-in: the force's figures for the public, in Welsh and English.
    path("public", public_views.public_figures, name="public"),
    path("<uuid:search_id>", views.search_detail, name="detail"),
    path("<uuid:search_id>/outcome", views.search_amend, name="amend"),
    path("<uuid:search_id>/referral", views.search_refer, name="refer"),
]
