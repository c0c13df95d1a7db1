"""The reference data pages, under their own namespace ("reference:table")."""

from django.urls import path

from . import reference_views as views

app_name = "reference"

urlpatterns = [
    path("", views.table_list, name="list"),
    # <table> is the table's label, e.g. "drug_testing.drugtestingrule".
    path("<str:table>", views.table_detail, name="table"),
    path("<str:table>/add", views.row_add, name="add"),
    path("<str:table>/<int:row_id>/end", views.row_end, name="end"),
    path("<str:table>/<int:row_id>/withdraw", views.row_withdraw, name="withdraw"),
]
