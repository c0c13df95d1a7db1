from django.urls import path

from . import views

app_name = "accounts"

urlpatterns = [
    path("sign-in", views.login_view, name="login"),
    path("sign-out", views.logout_view, name="logout"),
    path("two-factor", views.otp_verify, name="otp_verify"),
    path("two-factor/set-up", views.otp_setup, name="otp_setup"),
    path("account", views.account, name="account"),
    path("account/password", views.password_change, name="password_change"),
    path("users", views.user_list, name="user_list"),
    path("users/new", views.user_create, name="user_create"),
    path("users/<int:user_id>/deactivate", views.user_deactivate, name="user_deactivate"),
    path("users/<int:user_id>/password", views.user_password_shown, name="user_password_shown"),
    path(
        "users/<int:user_id>/password/reset",
        views.user_password_reset,
        name="user_password_reset",
    ),
    path(
        "users/<int:user_id>/reset-second-factor",
        views.user_second_factor_reset,
        name="user_second_factor_reset",
    ),
    path("api-clients", views.api_client_list, name="api_client_list"),
    path("api-clients/new", views.api_client_create, name="api_client_create"),
    path("api-clients/<int:client_id>/added", views.api_client_created, name="api_client_created"),
    path("api-clients/<int:client_id>/revoke", views.api_client_revoke, name="api_client_revoke"),
]
