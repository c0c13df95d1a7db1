from django.urls import path

from . import views

app_name = "people"

urlpatterns = [
    path("", views.person_search, name="search"),
    path("new", views.person_create, name="create"),
    path("<int:person_id>", views.person_detail, name="detail"),
    path("<int:person_id>/edit", views.person_edit, name="edit"),
    path("<int:person_id>/language", views.person_language_change, name="language"),
    path("<int:person_id>/contact-routes/new", views.contact_route_add, name="contact_route_add"),
    path(
        "<int:person_id>/contact-routes/<int:route_id>/remove",
        views.contact_route_end,
        name="contact_route_end",
    ),
]
