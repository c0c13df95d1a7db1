"""View decorators shared by every module."""

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponseBase

from .refusals import lacking


def capability_required(
    *capabilities: str,
) -> Callable[[Callable[..., HttpResponseBase]], Callable[..., HttpResponseBase]]:
    """Answer 403 unless the signed-in user's roles carry one of the capabilities.

    Sign-in and the second factor are already enforced for every view by
    middleware; this adds the function-level check (ASVS 8.2.1). Object-level
    scope is the job of each module's `*_get_for_user` selector (404).
    """

    def decorator(view: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            if not any(request.user.has_perm(capability) for capability in capabilities):
                lacking(request, " or ".join(capabilities))
                raise PermissionDenied
            return view(request, *args, **kwargs)

        wrapped.capabilities = capabilities  # type: ignore[attr-defined]  # for reviewers and tests
        return wrapped

    return decorator
