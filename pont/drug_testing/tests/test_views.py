"""The custody desk in the browser's shoes: forms, errors naming fields, and who sees what."""

from datetime import timedelta

import pytest
from django.utils import timezone

from pont.audit.models import AuditEvent
from pont.drug_testing import documents
from pont.drug_testing.models import DrugTest, OfficerTask, RequiredAssessment
from pont.people.models import Person
from pont.referrals import services as referrals
from pont.testing.drug_testing import (
    desk_form,
    imposed_assessment,
    positive_test,
    suite_arranged,
)
from pont.testing.http import moment_fields, post_form
from pont.testing.personas import CUSTODY, FRONTLINE, INSPECTOR, PROV_A, PROV_B
from pont.testing.referrals import provider_service, released_person


@pytest.fixture(autouse=True)
def fast_documents(monkeypatch):
    monkeypatch.setattr(documents, "notice_pdf", lambda data: b"%PDF-1.7 " + data.kind.encode())


def test_a_custody_officer_records_a_test_for_someone_on_pont_in_one_form(world, as_persona):
    suite_arranged(world)
    person = released_person(world)
    client = as_persona(CUSTODY)
    page = client.get(f"/custody/drug-tests/new?person={person.pk}")
    assert page.status_code == 200
    assert person.full_name in page.content.decode()
    response = post_form(
        client, f"/custody/drug-tests/new?person={person.pk}", desk_form(world, person=person.pk)
    )
    assert response.status_code == 302
    test = DrugTest.objects.get()
    assert response["Location"] == f"/custody/drug-tests/{test.pk}"
    detail = client.get(response["Location"]).content.decode()
    assert "Theft is a trigger offence" in detail
    assert "PACE 1984 s.63B(3)" in detail
    assert "Impose a Required Assessment" in detail


def test_a_new_person_is_checked_for_duplicates_before_the_test_is_recorded(world, as_persona):
    suite_arranged(world)
    existing = released_person(world, given_name="Gethin")
    client = as_persona(CUSTODY)
    dob = existing.date_of_birth
    form = desk_form(
        world,
        given_name="Gethin",
        family_name="Parry",
        date_of_birth_0=str(dob.day),
        date_of_birth_1=str(dob.month),
        date_of_birth_2=str(dob.year),
    )
    response = post_form(client, "/custody/drug-tests/new", form)
    assert response.status_code == 400
    body = response.content.decode()
    assert f"?person={existing.pk}" in body  # offered as a possible match
    assert not DrugTest.objects.exists()
    assert Person.objects.filter(given_name="Gethin").count() == 1
    confirmed = post_form(client, "/custody/drug-tests/new", {**form, "confirmed_new": "on"})
    assert confirmed.status_code == 302
    assert Person.objects.filter(given_name="Gethin").count() == 2


def test_a_test_the_law_does_not_allow_is_refused_with_the_reasons_on_the_fields(world, as_persona):
    suite_arranged(world)
    person = released_person(world)
    client = as_persona(CUSTODY)
    response = post_form(
        client,
        f"/custody/drug-tests/new?person={person.pk}",
        desk_form(world, person=person.pk, trigger_offence="", warning_given=""),
    )
    assert response.status_code == 400
    body = response.content.decode()
    assert "There is a problem" in body
    assert 'href="#id_trigger_offence"' in body
    assert "no inspector has authorised a test" in body
    assert "PACE 1984 s.63B(5)" in body
    assert not DrugTest.objects.exists()


def test_the_form_shows_the_laws_answer_before_the_test_is_recorded(world, as_persona):
    suite_arranged(world)
    person = released_person(world)
    client = as_persona(CUSTODY)
    allowed = post_form(
        client, "/custody/drug-tests/eligibility", desk_form(world, person=person.pk)
    )
    assert allowed.status_code == 200
    assert "The law allows a test in this case." in allowed.content.decode()
    refused = post_form(
        client,
        "/custody/drug-tests/eligibility",
        desk_form(world, person=person.pk, condition="charge"),
    )
    assert "The charge condition needs the person to have been charged." in refused.content.decode()
    incomplete = post_form(client, "/custody/drug-tests/eligibility", {})
    assert "the custody suite" in incomplete.content.decode()
    assert not DrugTest.objects.exists()


def test_imposing_from_the_test_page_sends_the_referral_and_offers_the_ra1(world, as_persona):
    test = positive_test(world)
    client = as_persona(CUSTODY)
    when = timezone.now() + timedelta(days=2)
    response = post_form(
        client,
        f"/custody/drug-tests/{test.pk}/required-assessment",
        {
            "service": str(provider_service(world).pk),
            **moment_fields("appointment_at", when.replace(hour=10, minute=0)),
            "place": "DDAS, Llanelli",
        },
    )
    assert response.status_code == 302
    assessment = RequiredAssessment.objects.get()
    page = client.get(f"/custody/drug-tests/{test.pk}").content.decode()
    notice = assessment.notices.get()
    assert f"/custody/drug-tests/notices/{notice.pk}.pdf" in page
    pdf = client.get(f"/custody/drug-tests/notices/{notice.pk}.pdf")
    assert pdf["Content-Type"] == "application/pdf"
    assert pdf.content == b"%PDF-1.7 RA1"
    assert AuditEvent.objects.filter(operation="consultation", object_type="drug_testing.notice")


def test_imposing_with_missing_contact_details_says_what_is_missing(world, as_persona):
    from pont.testing.referrals import reachable_person

    test = positive_test(world, person=reachable_person(world))
    response = post_form(
        as_persona(CUSTODY),
        f"/custody/drug-tests/{test.pk}/required-assessment",
        {
            "service": str(provider_service(world).pk),
            **moment_fields("appointment_at", timezone.now() + timedelta(days=2)),
            "place": "DDAS",
        },
    )
    assert response.status_code == 400
    assert "the address the person is being released to" in response.content.decode()
    assert not RequiredAssessment.objects.exists()


def test_the_provider_sees_its_assessment_steps_and_the_other_provider_gets_404(world, as_persona):
    assessment = imposed_assessment(world)
    url = f"/custody/drug-tests/provider/assessments/{assessment.pk}"
    page = as_persona(PROV_A).get(url)
    assert page.status_code == 200
    assert "Drugs Act 2005 s.9" in page.content.decode()
    assert as_persona(PROV_B).get(url).status_code == 404
    notice = assessment.notices.get()
    assert as_persona(PROV_B).get(f"/custody/drug-tests/notices/{notice.pk}.pdf").status_code == 404
    # The provider never sees the test record itself.
    assert as_persona(PROV_A).get(f"/custody/drug-tests/{assessment.test_id}").status_code == 403


def test_the_referral_page_links_each_side_to_its_own_pages(world, as_persona):
    assessment = imposed_assessment(world)
    url = f"/referrals/{assessment.referral_id}"
    police = as_persona(CUSTODY).get(url).content.decode()
    assert f"/custody/drug-tests/{assessment.test_id}" in police
    provider = as_persona(PROV_A).get(url).content.decode()
    assert f"/custody/drug-tests/provider/assessments/{assessment.pk}" in provider
    assert f'/custody/drug-tests/{assessment.test_id}"' not in provider


@pytest.mark.parametrize("persona", [FRONTLINE, PROV_A])
def test_roles_outside_custody_cannot_record_tests(world, as_persona, persona):
    assert as_persona(persona).get("/custody/drug-tests/new").status_code == 403


def test_the_inspector_sees_the_force_tests_and_the_person_page_offers_a_test(world, as_persona):
    test = positive_test(world)
    listing = as_persona(INSPECTOR).get("/custody/drug-tests/").content.decode()
    assert test.person.full_name in listing
    person_page = as_persona(CUSTODY).get(f"/people/{test.person_id}").content.decode()
    assert f"/custody/drug-tests/new?person={test.person_id}" in person_page


def test_a_persons_record_lists_their_drug_tests_for_the_police_who_read_tests_only(
    world, as_persona
):
    """Custody officers and inspectors see the person's tests on their record; the provider
    the person was referred to sees the record and the referral, never the tests; an
    officer without the drug-test capability sees no such section."""
    assessment = imposed_assessment(world)
    test = assessment.test
    record = f"/people/{test.person_id}"
    for persona in (CUSTODY, INSPECTOR):
        page = as_persona(persona).get(record).content.decode()
        assert f'href="/custody/drug-tests/{test.pk}"' in page, persona
        assert test.custody_record_number in page
        positive = ", ".join(r.substance.label_en for r in test.positive_results())
        assert f"Positive: {positive}" in page  # what the test found, not only that it was taken
    provider = as_persona(PROV_A).get(record)
    assert provider.status_code == 200
    assert test.custody_record_number not in provider.content.decode()
    assert assessment.referral.reference in provider.content.decode()
    officer = as_persona(FRONTLINE).get(record)
    assert officer.status_code == 200
    assert test.custody_record_number not in officer.content.decode()
    assert as_persona(PROV_B).get(record).status_code == 404


def test_why_the_law_allowed_the_test_is_shown_in_the_readers_language(world, as_persona):
    from django.conf import settings
    from django.utils.html import escape

    test = positive_test(world)
    url = f"/custody/drug-tests/{test.pk}"
    english = as_persona(CUSTODY).get(url).content.decode()
    assert "Arrested for an offence and not yet charged." in english
    welsh_reader = as_persona(CUSTODY)
    welsh_reader.cookies[settings.LANGUAGE_COOKIE_NAME] = "cy"
    welsh = welsh_reader.get(url).content.decode()
    kept = next(c for c in test.eligibility if c["code"] == "arrest_condition")
    assert escape(kept["explanation_cy"]) in welsh
    assert "Arrested for an offence" not in welsh
    # A test kept before the Welsh was: its English, marked as English for a screen reader.
    DrugTest.objects.filter(pk=test.pk).update(
        eligibility=[
            {k: v for k, v in c.items() if k != "explanation_cy"} for c in test.eligibility
        ]
    )
    older = welsh_reader.get(url).content.decode()
    assert '<span lang="en">Arrested for an offence and not yet charged.</span>' in older


def test_the_officer_is_told_on_their_tasks_when_the_referral_ending_cancelled_the_assessment(
    world, as_persona
):
    assessment = imposed_assessment(world)
    officer = as_persona(CUSTODY)
    before = officer.get(f"/custody/drug-tests/{assessment.test_id}").content.decode()
    assert "Change the time or place (RA2)" in before
    referrals.referral_reject(
        actor=world.users[PROV_A], referral_id=assessment.referral_id, reason="Not our area"
    )
    task = OfficerTask.objects.get()
    tasks = officer.get("/custody/drug-tests/tasks").content.decode()
    assert "Decide what follows a Required Assessment whose appointment was cancelled" in tasks
    assert f"/custody/drug-tests/{assessment.test_id}" in tasks
    detail = officer.get(f"/custody/drug-tests/{assessment.test_id}").content.decode()
    assert "Appointment cancelled when the referral ended" in detail
    assert "Change the time or place (RA2)" not in detail
    # Another officer of the force has no such task, and cannot mark it done: 404.
    inspector = as_persona(INSPECTOR)
    assert "You have no tasks." in inspector.get("/custody/drug-tests/tasks").content.decode()
    refused = post_form(inspector, f"/custody/drug-tests/tasks/{task.pk}/done", {"note": "x"})
    assert refused.status_code == 404
    # A provider's worker has no custody tasks at all: 403.
    assert as_persona(PROV_A).get("/custody/drug-tests/tasks").status_code == 403
    done = post_form(
        officer,
        f"/custody/drug-tests/tasks/{task.pk}/done",
        {"note": "New RA not needed: remanded"},
    )
    assert done.status_code == 302
    task.refresh_from_db()
    assert task.done_note == "New RA not needed: remanded"
