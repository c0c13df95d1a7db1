"""The partner API at /api/v1/: one ninja router per module, mounted here."""

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.views.decorators.http import require_safe
from ninja import Router, Schema
from ninja.openapi.views import openapi_json

from pont.accounts.api_auth import ApiKeyAuth
from pont.core.api import PontApi, install_error_handlers
from pont.core.api_json import JsonRenderer
from pont.core.api_reference import Reference
from pont.directory.api import router as directory_router
from pont.referrals.api import router as referrals_router


def staff_only(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """The API reference page (`/api/v1/docs`) is for signed-in staff who have given their
    second factor.

    The schema itself (openapi.json) stays public: it describes the API and
    holds no data, and partners generate their clients from it.
    """
    if getattr(view, "func", None) is openapi_json:
        return require_safe(view)  # GET, and HEAD as every GET of the API

    @wraps(view)
    @require_safe
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        user = request.user
        if not (user.is_authenticated and user.is_verified()):
            return redirect_to_login(request.get_full_path(), reverse("accounts:login"))
        return view(request, *args, **kwargs)

    return wrapped


api = PontApi(  # HEAD wherever GET, and chunked bodies: pont/core/api.py
    title="Pont API",
    version="1",
    description=(
        "The API that partner systems (treatment providers' case management, the force's "
        "systems) use to exchange referrals and outcomes with Pont. Every call needs "
        "`Authorization: Bearer <key>`; a key belongs to one organisation and sees only its "
        "records. The services directory (Open Referral HSDS 3.0, under `/hsds/`) is public "
        'and needs no key. Every error has the shape `{"message": ..., "extra": {...}}`. '
        "Every GET also answers HEAD: the status and headers GET gives, without the body."
    ),
    urls_namespace="api",
    auth=ApiKeyAuth(),
    docs=Reference(),  # Pont's own page, not Swagger UI (pont/core/api_reference.py)
    docs_url="/docs",
    openapi_url="/openapi.json",
    docs_decorator=staff_only,
    renderer=JsonRenderer(),  # orjson, in Django's formats (pont/core/api_json.py)
)
install_error_handlers(api)


class Health(Schema):
    status: str


class ClientOut(Schema):
    name: str
    organisation: str
    scopes: list[str]


class ErrorOut(Schema):
    message: str
    extra: dict[str, Any]


system = Router(tags=["system"])


@system.get("/health", auth=None, response=Health, summary="Is the API answering?")
def health(request: HttpRequest) -> dict[str, str]:
    """Answers without a key, so monitoring can call it."""
    return {"status": "ok"}


@system.get("/me", response={200: ClientOut, 401: ErrorOut}, summary="Which client is this key?")
def me(request: HttpRequest) -> dict[str, Any]:
    """Check a key: the client's name, its organisation and its scopes."""
    client = request.auth  # type: ignore[attr-defined]
    return {"name": client.name, "organisation": client.organisation.name, "scopes": client.scopes}


api.add_router("/", system)
api.add_router("/hsds/", directory_router)
api.add_router("/referrals", referrals_router)
