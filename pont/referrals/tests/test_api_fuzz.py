"""Schemathesis over the referral API (fixed seed): no input makes the server fail.

Every operation under /api/v1/referrals gets generated valid and invalid
requests, with a real key for provider A and real referrals to find. The
checks: never a 5xx, and every response matches the documented schema.
Kept small for CI; the full fuzzing campaign belongs to the quality-gates issue.
"""

import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance, status_code_conformance

from pont.accounts import services as accounts
from pont.testing.personas import SYSADMIN
from pont.testing.referrals import reachable_person, referral_in

schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", WSGIHandler())


@pytest.fixture
def _connection_kept():
    """Keep the test's database connection open across the handler's requests.

    A bare WSGIHandler closes connections at the end of each request; inside the
    test's transaction that would close the connection the test runs in (Django's
    own test client disconnects these handlers the same way).
    """
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def api_key(world, _connection_kept):
    referral_in(world, "requested")
    referral_in(world, "in-progress", person=reachable_person(world, given_name="Fuzz"))
    _client, key = accounts.api_client_create(
        actor=world.users[SYSADMIN],
        organisation=world.provider_a,
        name="fuzz",
        scopes=["referrals:read", "referrals:write"],
    )
    return key


@schema.include(path_regex="^/api/v1/referrals").parametrize()
@settings(
    max_examples=30,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.filter_too_much,
    ],
)
def test_the_referral_api_never_fails_and_answers_as_documented(case, api_key):
    case.call_and_validate(
        headers={"Authorization": f"Bearer {api_key}"},
        checks=[not_a_server_error, status_code_conformance, response_schema_conformance],
    )
