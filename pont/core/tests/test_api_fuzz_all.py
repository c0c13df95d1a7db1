"""Schemathesis over the whole OpenAPI schema (T8), with each partner API client's key.

Every operation of /api/v1/openapi.json, public or not, gets generated valid and
invalid requests (Schemathesis's example, coverage and fuzzing generation), with
a fixed seed, once with provider A's key and once with provider B's, against
real referrals to both. The checks: never a server error, every status code
documented, every response as its schema says. Then the stateful phase: chains of
calls on the links Schemathesis infers from the schema and the one it declares
(a referral's ETag to the If-Match of its change), with real ids from real
answers. The last test prints how many operations, cases and chained calls ran
(the referral API alone is also fuzzed in pont/referrals/tests/test_api_fuzz.py,
with more examples).
"""

import os
from collections import Counter

import pytest
from hypothesis import HealthCheck

from pont.accounts import services as accounts
from pont.testing.fuzz import CHECKS, connection_kept, fuzz_settings, schema
from pont.testing.personas import SYSADMIN
from pont.testing.referrals import provider_service, reachable_person, referral_in

# make test: 15 examples an operation; make test-full: PONT_FUZZ_EXAMPLES=200.
EXAMPLES = int(os.environ.get("PONT_FUZZ_EXAMPLES", "15"))
CASES: Counter[str] = Counter()
FAILED: Counter[str] = Counter()


@pytest.fixture(params=["provider_a", "provider_b"])
def api_key(request, world):  # noqa: ANN001, ANN201
    """A key of one provider; referrals to both providers exist, and a public service."""
    referral_in(world, "requested")
    referral_in(world, "in-progress", which="b", person=reachable_person(world, given_name="Bo"))
    provider_service(world)
    _client, key = accounts.api_client_create(
        actor=world.users[SYSADMIN],
        organisation=getattr(world, request.param),
        name=f"fuzz {request.param}",
        scopes=["referrals:read", "referrals:write"],
    )
    with connection_kept():
        yield key


@schema.parametrize()
@fuzz_settings(EXAMPLES)
def test_every_operation_never_fails_and_answers_as_documented(case, api_key):
    operation = f"{case.operation.method.upper()} {case.operation.path}"
    CASES[operation] += 1
    try:
        case.call_and_validate(headers={"Authorization": f"Bearer {api_key}"}, checks=CHECKS)
    except BaseException:
        FAILED[operation] += 1
        raise


STEPS: Counter[tuple[str, bool]] = Counter()  # (operation, answered 2xx): calls


def test_the_operations_chained_never_fail_and_answer_as_documented(api_key):
    """The stateful phase: Schemathesis chains operations on the links it infers from the
    schema (a referral listed, then read, changed with its ETag, given a contact attempt,
    an appointment and an outcome; a service listed, then read), with real ids from real
    answers, and checks each answer like the fuzzing above."""

    class Workflow(schema.as_state_machine()):  # type: ignore[misc]
        def get_call_kwargs(self, case):  # noqa: ANN001, ANN202
            return {"headers": {"Authorization": f"Bearer {api_key}"}}

        def validate_response(self, response, case, additional_checks=None, **kwargs):  # noqa: ANN001, ANN202
            operation = f"{case.operation.method.upper()} {case.operation.path}"
            STEPS[(operation, response.status_code < 300)] += 1
            case.validate_response(response, checks=CHECKS, transport_kwargs=kwargs)

    Workflow.run(
        settings=fuzz_settings(
            max(5, EXAMPLES // 2), stateful_step_count=6, suppress_health_check=list(HealthCheck)
        )
    )


def test_the_fuzzing_covered_every_operation(capsys):
    """Runs after the fuzzing above (same module, same worker): what it covered."""
    operations = {
        f"{result.ok().method.upper()} {result.ok().path}" for result in schema.get_all_operations()
    }
    with capsys.disabled():
        print(
            f"\nAPI fuzzing: {len(CASES)} of {len(operations)} operations, "
            f"{sum(CASES.values())} cases, {sum(FAILED.values())} failing (a server error, "
            "an undocumented status or a schema violation); chained (stateful): "
            f"{sum(STEPS.values())} calls over {len({op for op, _ok in STEPS})} operations, "
            f"{sum(n for (_op, ok), n in STEPS.items() if ok)} answered 2xx"
        )
    assert set(CASES) == operations
