"""The browser's middleware, which a partner system's API call goes straight past.

A partner call (a path under `/api/`, but the API reference page) carries an API key and
nothing a browser brings: no session cookie, no signed-in user or second factor, no form,
no message to show, no page for a Content-Security-Policy to guard, no static file. Run
for it, the middleware below found nothing to do and still cost about a quarter of a
millisecond of CPU a call, a tenth of a partner request (docs/performance.md).

Each class here *is* the middleware it names (a subclass, so Django's own checks still
recognise it), except that a partner API request is passed straight to the next layer.
What protects the API stays on every request, in settings.MIDDLEWARE around these: the
security headers (`SecurityMiddleware`, `SecurityHeadersMiddleware`, X-Frame-Options),
the request id, the refusal of NUL characters, the Host header check
(`CommonMiddleware`), the language of error messages (`LocaleMiddleware`), CSRF (which
the API's views are exempt from: they take no cookies), the 503 for a lost database,
and django-axes.
"""

from collections.abc import Callable
from functools import wraps
from typing import Any

from csp import middleware as csp
from django.contrib.auth import middleware as auth
from django.contrib.messages import middleware as messages
from django.contrib.sessions import middleware as sessions
from django.http import HttpRequest
from django_otp import middleware as otp
from whitenoise import middleware as whitenoise

API_PREFIX = "/api/"
# The interactive API docs are a page for signed-in staff: they keep the whole stack.
API_DOCS_PREFIX = "/api/v1/docs"
_HOOKS = ("process_view", "process_exception")


def is_partner_api_request(request: HttpRequest) -> bool:
    """A call to the partner API (the docs page aside), which carries no browser state."""
    path = request.path_info
    return path.startswith(API_PREFIX) and not path.startswith(API_DOCS_PREFIX)


def _passed_by_api(hook: Callable[..., Any]) -> Callable[..., Any]:
    @wraps(hook)
    def run(self: Any, request: HttpRequest, *args: Any) -> Any:
        if is_partner_api_request(request):
            return None
        return hook(self, request, *args)

    return run


def web_only(middleware: type) -> type:
    """`middleware`, passed by for partner API requests (and its hooks with it)."""
    if hasattr(middleware, "process_template_response"):
        raise TypeError(f"{middleware.__name__}: a template-response hook is not handled here.")

    def __call__(self: Any, request: HttpRequest) -> Any:
        if is_partner_api_request(request):
            return self.get_response(request)
        return middleware.__call__(self, request)

    namespace: dict[str, Any] = {
        "__call__": __call__,
        "__module__": __name__,
        "__qualname__": middleware.__name__,
        "__doc__": f"{middleware.__module__}.{middleware.__name__}, but not for the partner API.",
    }
    for hook in _HOOKS:
        if hasattr(middleware, hook):
            namespace[hook] = _passed_by_api(getattr(middleware, hook))
    return type(middleware.__name__, (middleware,), namespace)


WhiteNoiseMiddleware = web_only(whitenoise.WhiteNoiseMiddleware)
SessionMiddleware = web_only(sessions.SessionMiddleware)
AuthenticationMiddleware = web_only(auth.AuthenticationMiddleware)
OTPMiddleware = web_only(otp.OTPMiddleware)
MessageMiddleware = web_only(messages.MessageMiddleware)
CSPMiddleware = web_only(csp.CSPMiddleware)
