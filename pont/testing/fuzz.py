"""What the Schemathesis tests share: the schema served in-process, the checks, the settings
(fixed seed, no example database) and the database connection kept across the handler's
requests."""

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance, status_code_conformance

schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", WSGIHandler())

# Never a server error, every status documented, every response as its schema says.
CHECKS = [not_a_server_error, status_code_conformance, response_schema_conformance]

_HEALTH_CHECKS_OFF = [
    HealthCheck.function_scoped_fixture,
    HealthCheck.too_slow,
    HealthCheck.filter_too_much,
]


def fuzz_settings(max_examples: int, **overrides: Any) -> settings:
    """Hypothesis settings for a reproducible run: derandomized, no deadline, nothing kept."""
    values: dict[str, Any] = {
        "max_examples": max_examples,
        "derandomize": True,
        "deadline": None,
        "database": None,
        "suppress_health_check": _HEALTH_CHECKS_OFF,
        **overrides,
    }
    return settings(**values)


@contextmanager
def connection_kept() -> Iterator[None]:
    """Keep the test's database connection open across the handler's requests.

    A bare WSGIHandler closes connections at the end of each request; inside the
    test's transaction that would close the connection the test runs in (Django's
    own test client disconnects these handlers the same way).
    """
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)
