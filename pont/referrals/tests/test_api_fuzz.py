"""Schemathesis over the referral API (fixed seed): no input makes the server fail.

Every operation under /api/v1/referrals gets generated valid and invalid
requests, with a real key for provider A and real referrals to find. The
checks: never a 5xx, and every response matches the documented schema.
Kept small for CI; the full fuzzing campaign belongs to the quality-gates issue.
"""

import pytest

from pont.accounts import services as accounts
from pont.testing.fuzz import CHECKS, connection_kept, fuzz_settings, schema
from pont.testing.personas import SYSADMIN
from pont.testing.referrals import reachable_person, referral_in


@pytest.fixture
def api_key(world):
    referral_in(world, "requested")
    referral_in(world, "in-progress", person=reachable_person(world, given_name="Fuzz"))
    _client, key = accounts.api_client_create(
        actor=world.users[SYSADMIN],
        organisation=world.provider_a,
        name="fuzz",
        scopes=["referrals:read", "referrals:write"],
    )
    with connection_kept():
        yield key


@schema.include(path_regex="^/api/v1/referrals").parametrize()
@fuzz_settings(30)
def test_the_referral_api_never_fails_and_answers_as_documented(case, api_key):
    case.call_and_validate(headers={"Authorization": f"Bearer {api_key}"}, checks=CHECKS)
