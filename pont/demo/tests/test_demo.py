"""The demo data loads, is idempotent, and shows every state: referrals and a year of custody."""

from django.utils import timezone

from pont.audit.selectors import audit_chain_verify
from pont.demo.data import PERSONAS, load_demo
from pont.disposals.models import ScrutinyReview, ScrutinySample
from pont.drug_testing.models import (
    BreachCase,
    DrugTest,
    Notice,
    OfficerTask,
    QaReview,
    QaSample,
    RequiredAssessment,
)
from pont.referrals.models import QueuedEmail, Referral
from pont.stop_search.models import (
    PanelCase,
    PanelJudgement,
    PanelSession,
    PublishedSearch,
    Search,
    SearchReview,
)


def test_the_demo_loads_once_with_every_persona_and_every_state_of_referrals_and_custody(demo):
    assert demo["users"] == len(PERSONAS) == 13
    assert demo["referrals"] == 21  # 12 in every state, 9 refused at the first send
    voluntary = Referral.objects.filter(source_kind="voluntary")
    assert set(voluntary.values_list("status", flat=True)) == set(Referral.Status.values)
    # One cancelled after the provider booked an appointment: the appointment with it.
    withdrawn = voluntary.get(person__given_name="Nia")
    assert withdrawn.status == Referral.Status.CANCELLED
    assert list(withdrawn.appointments.values_list("attendance", flat=True)) == ["cancelled"]
    # One attendance recorded wrongly, then corrected: both answers on the timeline, in order.
    corrected = voluntary.get(person__given_name="Elin")
    assert list(corrected.appointments.values_list("attendance", flat=True)) == ["attended"]
    steps = list(
        corrected.events.filter(kind__startswith="attendance")
        .order_by("at")
        .values_list("kind", "detail__attendance")
    )
    assert steps == [
        ("attendance_recorded", "did_not_attend"),
        ("attendance_corrected", "attended"),
    ]
    assert corrected.first_attended_at is not None
    # Backdated as a whole: consent was recorded with the draft, before it was sent.
    for referral in voluntary.exclude(requested_at=None):
        assert referral.created_at <= referral.consent_recorded_at <= referral.requested_at
    # The email log's warning: one new referral's notice given up after a day of refusals.
    (given_up,) = QueuedEmail.objects.filter(status="gave_up")
    assert given_up.kind == "arrived"
    assert "550" in given_up.last_error
    assert given_up.organisation.kind == "treatment_provider"
    again = load_demo()
    assert QueuedEmail.objects.filter(status="gave_up").count() == 1
    assert again == {
        "organisations": 0,
        "users": 0,
        "people": 0,
        "services": 0,
        "referrals": 0,
        "drug_tests": 0,
        "policeuk_searches": 0,
        "recorded_searches": 0,
        "search_samples": 0,
        "panel_sessions": 0,
        "disposals": 0,
        "scrutiny_samples": 0,
    }
    assert audit_chain_verify().ok

    # The real police.uk months: 181 + 205 + 241 searches.
    assert demo["policeuk_searches"] == 627
    assert PublishedSearch.objects.count() == 627
    # Two months recorded in Pont, sampled; reviews by both inspectors, some still to do.
    assert demo["recorded_searches"] == Search.objects.count() > 0
    assert demo["search_samples"] == 2
    reviews = SearchReview.objects.all()
    assert reviews.filter(kind="local").exclude(rating="").exists()
    assert reviews.filter(kind="independent").exclude(rating="").exists()
    assert reviews.filter(rating="").exists()
    # The panel: one session published with the force's response, one open and half judged,
    # one being prepared by the force.
    assert demo["panel_sessions"] == 3
    # Out-of-court disposals (more in test_disposals_demo.py) and the scrutiny panel's
    # last three months: one closed, one half reviewed, one just drawn.
    assert demo["disposals"] > 100
    assert demo["scrutiny_samples"] == 3
    samples = list(ScrutinySample.objects.order_by("month"))
    assert samples[0].closed_at is not None
    assert samples[1].closed_at is None
    assert ScrutinyReview.objects.filter(case__sample=samples[1]).exists()
    assert not ScrutinyReview.objects.filter(case__sample=samples[2]).exists()
    published, open_now = PanelSession.objects.exclude(status="preparing").order_by("month")
    preparing = PanelSession.objects.get(status="preparing")
    assert not preparing.cases.exclude(prepared_at=None).exists()
    assert published.published_at
    assert published.force_response
    assert published.summary_cy
    assert open_now.status == "open"
    assert 0 < PanelJudgement.objects.filter(case__session=open_now).count() < 6
    assert not PanelCase.objects.filter(prepared_at=None).exclude(session=preparing).exists()

    # The custody year (one test: loading the demo takes most of a minute).
    tests = DrugTest.objects.all()
    assert demo["drug_tests"] == tests.count() >= 150
    assert tests.values("custody_suite").distinct().count() == 6
    months = {timezone.localdate(t.created_at).strftime("%Y-%m") for t in tests}
    assert len(months) >= 12
    assert tests.filter(outcome=DrugTest.Outcome.REFUSED).exists()
    assert tests.filter(trigger_offence=None).exists()  # inspector's authorisations
    assert tests.exclude(confirmation="").exists()  # disputed results
    attendance = set(RequiredAssessment.objects.values_list("initial_attendance", flat=True))
    assert attendance == set(RequiredAssessment.Attendance.values)
    # The assessment whose referral the service rejected: the officer has a task for it.
    cancelled = RequiredAssessment.objects.get(initial_attendance="cancelled")
    assert cancelled.referral.status == Referral.Status.REJECTED
    assert OfficerTask.objects.filter(kind="ra_cancelled", test=cancelled.test).exists()
    assert set(Notice.objects.values_list("kind", flat=True)) == set(Notice.Kind.values)
    assert set(BreachCase.objects.values_list("decision", flat=True)) == set(
        BreachCase.Decision.values
    )
    assert BreachCase.objects.exclude(court_result="").exists()
    assert QaSample.objects.count() >= 11
    assert QaReview.objects.exclude(finding="").exists()

    # The timelines tell the story in order and never in the future.
    now = timezone.now()
    for referral in Referral.objects.exclude(requested_at=None):
        times = list(referral.events.order_by("pk").values_list("at", flat=True))
        assert times == sorted(times), referral.status
        assert all(at <= now for at in times)
        sent = referral.events.get(kind="sent").at
        assert sent == referral.requested_at
    completed = Referral.objects.get(
        status="completed", source_kind="voluntary", person__given_name="Huw"
    )
    assert (completed.closed_at - completed.requested_at).days >= 9
    assert completed.events.get(kind="closed").at == completed.closed_at
