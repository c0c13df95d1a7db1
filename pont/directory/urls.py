from django.urls import path  # noqa: F401 - patterns are added with the directory's pages

app_name = "directory"

urlpatterns: list = []
