"""Typing for views that only signed-in, verified staff can reach."""

from django.http import HttpRequest

from .models import User


class AuthenticatedRequest(HttpRequest):
    """A request whose user is a signed-in member of staff (the middleware guarantees it)."""

    user: User
