"""The whole journey through the pages, with the real PDFs:
positive test -> Required Assessment and RA1 -> the provider sees it at once ->
non-attendance -> breach evidence pack -> the police decision.

Each step happens at its own moment of a week that has passed (the demo's clock),
with a client signed in at that moment, so the appointment really is in the
future when it is imposed and in the past when the provider records it.
"""

import hashlib
from datetime import timedelta
from io import BytesIO

import pytest
from django.utils import timezone
from pypdf import PdfReader

from pont.audit.models import AuditEvent
from pont.demo.custody import demo_clock
from pont.drug_testing.models import BreachCase, DrugTest, Notice, OfficerTask, RequiredAssessment
from pont.referrals.models import OutboxMessage, Referral, WebhookEndpoint
from pont.testing.drug_testing import desk_form, suite_arranged
from pont.testing.http import moment_fields, post_form
from pont.testing.personas import CUSTODY, FRONTLINE, PANEL, PROV_A, PROV_B
from pont.testing.referrals import provider_service, released_person

PLACE = "DDAS, 4 Stepney Street, Llanelli SA15 3TR"


def _text(pdf: bytes) -> str:
    reader = PdfReader(BytesIO(pdf))
    return " ".join(" ".join((page.extract_text() or "").split()) for page in reader.pages)


def _pdf(response) -> bytes:
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    content = b"".join(response.streaming_content) if response.streaming else response.content
    assert content.startswith(b"%PDF-")
    return content


@pytest.fixture
def week_ago():
    """Ten in the morning, five days ago, in Wales."""
    local = timezone.localtime() - timedelta(days=5)
    return local.replace(hour=10, minute=0, second=0, microsecond=0)


def test_test_to_ra1_to_non_attendance_to_breach_pack_to_decision(
    world, as_persona, week_ago, django_capture_on_commit_callbacks
):
    suite_arranged(world)
    person = released_person(world)
    service = provider_service(world)
    WebhookEndpoint.objects.create(
        organisation=world.provider_a,
        url="http://127.0.0.1:9/pont",
        secret="s3cret",
        created_by=world.users[PROV_A],
    )

    # 1. The custody officer records a positive test on the desk form.
    with demo_clock(week_ago):
        officer = as_persona(CUSTODY)
        response = post_form(
            officer,
            f"/custody/drug-tests/new?person={person.pk}",
            desk_form(
                world,
                person=str(person.pk),
                custody_record_number="LL/00777/26",
                offences="Theft from a shop",
                **moment_fields("arrested_at", week_ago - timedelta(hours=3)),
                **moment_fields("sample_taken_at", week_ago - timedelta(minutes=30)),
            ),
        )
        test = DrugTest.objects.get(custody_record_number="LL/00777/26")
        assert response.status_code == 302
        assert response["Location"] == f"/custody/drug-tests/{test.pk}"
        page = officer.get(response["Location"]).content.decode()
        assert "Impose a Required Assessment" in page

    # 2. ...imposes a Required Assessment, and prints the bilingual RA1.
    appointment = week_ago + timedelta(days=2, minutes=30)
    with demo_clock(week_ago + timedelta(minutes=40)):
        officer = as_persona(CUSTODY)
        with django_capture_on_commit_callbacks(execute=True):
            response = post_form(
                officer,
                f"/custody/drug-tests/{test.pk}/required-assessment",
                {
                    "service": str(service.pk),
                    **moment_fields("appointment_at", appointment),
                    "place": PLACE,
                },
            )
        assert response.status_code == 302, response.content.decode()[:2000]
        assessment = RequiredAssessment.objects.get(test=test)
        ra1 = Notice.objects.get(assessment=assessment, kind=Notice.Kind.RA1)
        page = officer.get(f"/custody/drug-tests/{test.pk}").content.decode()
        assert f"/custody/drug-tests/notices/{ra1.pk}.pdf" in page
        served = _pdf(officer.get(f"/custody/drug-tests/notices/{ra1.pk}.pdf"))
    assert hashlib.sha256(served).hexdigest() == ra1.sha256
    notice = _text(served)
    for words in (
        person.full_name,
        "LL/00777/26",
        "Drugs Act 2005",
        "Deddf Cyffuriau 2005",
        PLACE,
        service.name,
        timezone.localtime(appointment).strftime("%H:%M"),
        assessment.reference,
    ):
        assert words in notice, words
    assert notice.index("Deddf Cyffuriau 2005") < notice.index("Drugs Act 2005")  # Welsh first

    # 3. The provider sees the statutory referral at once, with the contact routes.
    referral = Referral.objects.get(pk=assessment.referral_id)
    assert referral.status == Referral.Status.REQUESTED
    assert referral.contact_snapshot  # what the completeness gate demanded, as sent
    message = OutboxMessage.objects.get(event_type="referral.requested")  # and to its webhook
    assert message.endpoint.organisation == world.provider_a
    assert message.payload["data"]["referral_id"] == str(referral.pk)
    with demo_clock(week_ago + timedelta(minutes=45)):
        worker = as_persona(PROV_A)
        queue = worker.get("/referrals/").content.decode()
        assert person.full_name in queue
        assert worker.get(f"/referrals/{referral.pk}").status_code == 200
        assert as_persona(PROV_B).get(f"/referrals/{referral.pk}").status_code == 404
        assert as_persona(PROV_B).get(f"/custody/drug-tests/notices/{ra1.pk}.pdf").status_code in {
            403,
            404,
        }

    # 4. The person does not come; the provider records it after the appointment.
    with demo_clock(appointment + timedelta(hours=2)):
        worker = as_persona(PROV_A)
        referral.refresh_from_db()
        post_form(
            worker,
            f"/referrals/{referral.pk}/accept",
            {"already_known": "yes", "version": str(referral.version)},
        )
        referral.refresh_from_db()
        with django_capture_on_commit_callbacks(execute=True):
            response = post_form(
                worker,
                f"/referrals/{referral.pk}/attendance",
                {
                    "appointment": str(assessment.initial_appointment_id),
                    "attendance": "did_not_attend",
                    "version": str(referral.version),
                },
            )
        assert response.status_code == 302, response.content.decode()[:2000]
    assessment.refresh_from_db()
    assert assessment.initial_attendance == RequiredAssessment.Attendance.FAILED_TO_ATTEND
    breach = BreachCase.objects.get(assessment=assessment)
    assert breach.evidence_pack_sha256  # assembled at once, by the worker's task
    assert OfficerTask.objects.filter(kind="breach_decision", done_at__isnull=True).exists()

    # 5. The officer opens the breach, reads the evidence pack and decides.
    with demo_clock(appointment + timedelta(days=1)):
        officer = as_persona(CUSTODY)
        assert breach.reference in officer.get("/custody/drug-tests/breaches").content.decode()
        page = officer.get(f"/custody/drug-tests/breaches/{breach.pk}").content.decode()
        assert "evidence-pack.pdf" in page
        pack = _pdf(officer.get(f"/custody/drug-tests/breaches/{breach.pk}/evidence-pack.pdf"))
        reader = PdfReader(BytesIO(pack))
        text = _text(pack)
        for words in (
            "Breach evidence pack",
            "The notices as served",
            "Proof of service",
            "The provider's attendance record",
            "Timeline",
            "Statement of witness",
            "s.12",
            person.full_name,
            ra1.sha256,
            "Deddf Cyffuriau 2005",  # the RA1's own pages, in the pack
        ):
            assert words in text, words
        attached = {name: files[0] for name, files in reader.attachments.items()}
        assert served in attached.values()  # the RA1 exactly as served

        assert (
            as_persona(FRONTLINE).get(f"/custody/drug-tests/breaches/{breach.pk}").status_code
            == 403
        )
        assert as_persona(PANEL).get(f"/custody/drug-tests/breaches/{breach.pk}").status_code == 403
        assert (
            as_persona(PROV_A).get(f"/custody/drug-tests/breaches/{breach.pk}").status_code == 403
        )

        breach.refresh_from_db()
        response = post_form(
            officer,
            f"/custody/drug-tests/breaches/{breach.pk}/decision",
            {
                "decision": "charge",
                "reason": "No good cause given for failing to attend.",
                "version": str(breach.version),
            },
        )
        assert response.status_code == 302
    breach.refresh_from_db()
    assert (breach.decision, breach.stage) == ("charge", "initial")
    assert not OfficerTask.objects.filter(kind="breach_decision", done_at__isnull=True).exists()
    # Who read the pack is on record.
    assert AuditEvent.objects.filter(
        object_id=str(breach.pk), detail__evidence_pack=breach.evidence_pack_sha256
    ).exists()
