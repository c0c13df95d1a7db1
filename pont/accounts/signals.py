"""Keep the list of signed-in sessions true when Django signs someone out."""

from typing import Any

from django.contrib.auth.signals import user_logged_out
from django.dispatch import receiver

from .services import session_ended


@receiver(user_logged_out, dispatch_uid="pont_session_ended")
def _forget_session(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    if request is not None and request.session.session_key:
        session_ended(session_key=request.session.session_key)
