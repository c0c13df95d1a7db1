"""The custody inspector's monthly quality-assurance sample, in the browser's shoes: drawing it
(once a month, repeatable from its seed), the sampled tests (each person shown is recorded),
and recording a finding on each."""

import random
from datetime import date, timedelta

import pytest
from django.utils import timezone

from pont.accounts import services as accounts
from pont.accounts.roles import Role
from pont.audit.models import AuditEvent
from pont.drug_testing import services
from pont.drug_testing.models import DrugTest, QaReview, QaSample
from pont.people import services as people
from pont.testing.drug_testing import positive_test, suite_arranged
from pont.testing.http import post_form
from pont.testing.personas import CUSTODY, INSPECTOR, OPSLEAD, TEST_PASSWORD, World
from pont.testing.referrals import released_person

Operation = AuditEvent.Operation
LIST_URL = "/custody/drug-tests/quality"
SHOWN_IN = {"shown_in": "drug test quality assurance sample"}


def _detail_url(sample: QaSample) -> str:
    return f"/custody/drug-tests/quality/{sample.pk}"


def _review_url(review: QaReview) -> str:
    return f"/custody/drug-tests/quality/reviews/{review.pk}"


def _month(day: date) -> dict[str, str]:
    return {"month_0": str(day.day), "month_1": str(day.month), "month_2": str(day.year)}


def _last_sequence() -> int:
    return AuditEvent.objects.order_by("-sequence").values_list("sequence", flat=True).first() or 0


def _events_since(sequence: int) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(sequence__gt=sequence).order_by("sequence"))


def _drawn(world: World, tests: int = 3) -> QaSample:
    """This month's sample, drawn by the inspector from `tests` tests of different people."""
    for index in range(tests):
        positive_test(world, person=released_person(world, given_name=f"Person{index}"))
    return services.qa_sample_draw(actor=world.users[INSPECTOR], month=timezone.localdate())


def _other_force_sample(world: World) -> QaSample:
    """Gwent Police's sample of this month, drawn by its own inspector, with one test in it."""
    gwent = accounts.organisation_create(
        actor=None, name="Gwent Police", slug="gwent", kind="force"
    )
    newport = accounts.organisation_create(
        actor=None, name="Newport custody suite", slug="newport", kind="custody_suite", parent=gwent
    )
    users = {}
    for code, role in (("custody", Role.CUSTODY_OFFICER), ("inspector", Role.INSPECTOR)):
        user, _initial = accounts.user_create(
            actor=None,
            username=f"gwent-{code}",
            given_name="Gwent",
            family_name=code.title(),
            email=f"gwent-{code}@example.test",
            password=TEST_PASSWORD,
        )
        accounts.membership_create(actor=None, user=user, organisation=newport, role=role)
        users[code] = user
    suite_arranged(world, suite=newport)
    person = people.person_create(
        actor=users["custody"],
        given_name="Iwan",
        family_name="Morgan",
        date_of_birth=date(1990, 1, 1),
        gender="male",
        confirmed_new=True,
    )
    positive_test(world, actor=users["custody"], person=person, custody_suite_id=newport.pk)
    return services.qa_sample_draw(actor=users["inspector"], month=timezone.localdate())


# Drawing the sample ----------------------------------------------------------------


def test_an_inspector_draws_the_months_sample_and_its_kept_seed_repeats_the_draw(world, as_persona):
    person = released_person(world)
    for _ in range(12):
        positive_test(world, person=person)
    client = as_persona(INSPECTOR)
    assert client.get(LIST_URL).status_code == 200
    before = _last_sequence()
    response = post_form(client, LIST_URL, _month(timezone.localdate()))
    sample = QaSample.objects.get()
    assert response.status_code == 302
    assert response["Location"] == _detail_url(sample)
    assert sample.month == timezone.localdate().replace(day=1)
    assert sample.drawn_by == world.users[INSPECTOR]
    # The sample size (reference data) is 10; anyone with the seed can repeat the draw.
    chosen = set(sample.reviews.values_list("test_id", flat=True))
    assert len(chosen) == 10
    candidates = sorted(DrugTest.objects.values_list("pk", flat=True), key=str)
    assert set(random.Random(sample.seed).sample(candidates, 10)) == chosen  # noqa: S311
    [drawn] = _events_since(before)
    assert (drawn.operation, drawn.object_type, drawn.object_id) == (
        Operation.CONSULTATION,
        "drug_testing.qasample",
        str(sample.pk),
    )
    assert drawn.detail == {"month": sample.month.isoformat(), "sampled": 10, "of": 12}
    page = client.get(response["Location"]).content.decode()
    assert "10 of the 12 tests recorded in the month" in page
    assert "Drawing again with this seed picks the same tests." in page
    assert f'<code id="sample-seed">{sample.seed}</code>' in page
    listing = client.get(LIST_URL).content.decode()
    assert f'href="{_detail_url(sample)}"' in listing


def test_a_second_draw_of_the_same_month_is_refused_with_a_clear_message(world, as_persona):
    sample = _drawn(world, tests=1)
    client = as_persona(INSPECTOR)
    response = post_form(client, LIST_URL, _month(timezone.localdate().replace(day=2)))
    assert response.status_code == 409
    body = response.content.decode()
    assert "There is a problem" in body
    assert 'href="#id_month_0"' in body
    assert "This month has already been sampled." in body
    assert QaSample.objects.get() == sample
    assert sample.reviews.count() == 1


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({}, "Enter a date in the month to sample"),
        ({"month_0": "31", "month_1": "2", "month_2": "2026"}, "The date must be a real date"),
        ("next month", "Choose this month or an earlier one."),
    ],
)
def test_a_draw_without_a_past_or_present_month_is_refused_naming_the_field(
    world, as_persona, data, message
):
    if data == "next month":
        data = _month(timezone.localdate().replace(day=1) + timedelta(days=32))
    response = post_form(as_persona(INSPECTOR), LIST_URL, data)
    assert response.status_code == 400
    body = response.content.decode()
    assert 'href="#id_month_0"' in body
    assert message in body
    assert not QaSample.objects.exists()


# The sampled tests -----------------------------------------------------------------


def test_the_sample_page_lists_the_sampled_tests_and_records_each_person_shown(world, as_persona):
    sample = _drawn(world, tests=3)
    tests = [review.test for review in sample.reviews.select_related("test__person")]
    before = _last_sequence()
    response = as_persona(INSPECTOR).get(_detail_url(sample))
    assert response.status_code == 200
    body = response.content.decode()
    for test in tests:
        assert test.custody_record_number in body
        assert test.person.full_name in body
        assert f'href="/custody/drug-tests/{test.pk}"' in body
    assert body.count("Not yet reviewed") == 3
    shown = [
        (event.operation, event.subject_person_id, event.detail) for event in _events_since(before)
    ]
    assert sorted(shown) == sorted(
        (Operation.CONSULTATION, test.person_id, SHOWN_IN) for test in tests
    )


def test_another_forces_sample_and_reviews_are_not_found(world, as_persona):
    theirs = _other_force_sample(world)
    review = theirs.reviews.get()
    client = as_persona(INSPECTOR)
    before = _last_sequence()
    assert client.get(_detail_url(theirs)).status_code == 404
    response = post_form(client, _review_url(review), {"finding": "compliant"})
    assert response.status_code == 404
    review.refresh_from_db()
    assert (review.finding, review.reviewed_by) == ("", None)
    assert _events_since(before) == []
    assert theirs.pk not in [s.pk for s in client.get(LIST_URL).context["samples"]]


@pytest.mark.parametrize("persona", [CUSTODY, OPSLEAD])
def test_without_the_review_capability_every_quality_page_is_refused(world, as_persona, persona):
    sample = _drawn(world, tests=1)
    review = sample.reviews.get()
    client = as_persona(persona)
    assert client.get(LIST_URL).status_code == 403
    assert post_form(client, LIST_URL, _month(timezone.localdate())).status_code == 403
    assert client.get(_detail_url(sample)).status_code == 403
    assert post_form(client, _review_url(review), {"finding": "compliant"}).status_code == 403
    review.refresh_from_db()
    assert review.finding == ""


# Findings ---------------------------------------------------------------------------


def test_an_inspector_records_a_finding_and_it_is_audited(world, as_persona):
    sample = _drawn(world, tests=2)
    review = sample.reviews.select_related("test").first()
    client = as_persona(INSPECTOR)
    before = _last_sequence()
    response = post_form(
        client, _review_url(review), {"finding": "minor", "notes": "  Grounds not recorded. "}
    )
    assert response.status_code == 302
    assert response["Location"] == f"{_detail_url(sample)}#review-{review.pk}"
    review.refresh_from_db()
    assert (review.finding, review.notes, review.reviewed_by) == (
        "minor",
        "Grounds not recorded.",
        world.users[INSPECTOR],
    )
    assert review.reviewed_at is not None
    [recorded] = _events_since(before)
    assert (recorded.operation, recorded.subject_person_id, recorded.object_type) == (
        Operation.CONSULTATION,
        review.test.person_id,
        "drug_testing.drugtest",
    )
    assert recorded.detail == {"qa_finding": "minor"}
    page = client.get(response["Location"]).content.decode()
    assert "The review is recorded." in page
    assert "Minor issue, recorded by" in page
    assert client.get(LIST_URL).context["samples"].get().reviewed == 1


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({}, "finding_0", "Select a finding"),
        ({"finding": "excellent"}, "finding_0", "Select a finding"),
        ({"finding": "serious", "notes": "  "}, "notes", "Describe the issue found."),
    ],
)
def test_a_finding_that_is_missing_or_unexplained_is_refused_naming_the_field(
    world, as_persona, data, field, message
):
    sample = _drawn(world, tests=2)
    review = sample.reviews.first()
    before = _last_sequence()
    response = post_form(as_persona(INSPECTOR), _review_url(review), data)
    assert response.status_code == 400
    body = response.content.decode()
    assert "There is a problem" in body
    assert f'href="#review-{review.pk}-{field}"' in body
    assert f'id="review-{review.pk}-{field}"' in body
    assert message in body
    review.refresh_from_db()
    assert (review.finding, review.reviewed_at) == ("", None)
    # The page shown again names the sampled people: only those showings are recorded.
    assert {event.detail["shown_in"] for event in _events_since(before)} == {SHOWN_IN["shown_in"]}


def test_a_finding_is_recorded_by_post_only(world, as_persona):
    review = _drawn(world, tests=1).reviews.get()
    assert as_persona(INSPECTOR).get(_review_url(review)).status_code == 405
