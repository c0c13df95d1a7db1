"""The demo's out-of-court disposals: a dated year made through the services, and every state
the walk-through (docs/disposals-demo.md) needs, from a seeded, shorter year."""

from datetime import timedelta

import pytest
from django.utils import timezone

from pont.audit.selectors import audit_chain_verify
from pont.core.working_days import is_working_day
from pont.demo.data import PERSONAS, _organisations, _persona
from pont.demo.disposals import COUNTIES, load_disposals_year
from pont.directory.demo import load_directory_demo
from pont.disposals import documents, selectors, services
from pont.disposals.models import (
    Disposal,
    DisposalCondition,
    DisposalEvent,
    DisposalNotice,
    DisposalTask,
)
from pont.referrals import services as referrals
from pont.referrals.models import Referral
from pont.referrals.selectors import referral_scope

Status = Disposal.Status
FAKE_PDF = b"%PDF-1.7\n% a stand-in: the notice itself is tested in disposals\n%%EOF\n"
COUNT = 60  # the demo loads 130 (and real notices); the states are the same


@pytest.fixture
def demo(db, monkeypatch):
    """The organisations, personas and directory of the demo, then its disposals."""
    monkeypatch.setattr(documents, "notice_pdf", lambda data: FAKE_PDF)
    organisations = _organisations()
    users = {persona.username: _persona(persona, organisations) for persona in PERSONAS}
    load_directory_demo()
    created = load_disposals_year(users, count=COUNT)
    return users, created


def test_the_year_is_made_once_dated_over_the_year_in_every_county(demo):
    users, created = demo
    disposals = Disposal.objects.select_related("scheme", "area")
    assert created == disposals.count() == COUNT + COUNT // 5 + 7
    assert load_disposals_year(users, count=COUNT) == 0

    assert {d.area.slug for d in disposals} == set(COUNTIES)
    schemes = [d.scheme.code for d in disposals]
    assert set(schemes) == {"community_resolution", "conditional_caution", "outcome_22"}
    assert schemes.count("community_resolution") > len(schemes) / 2
    differing = [d for d in disposals if d.recommended != d.scheme.code]
    assert differing
    assert all(d.decision_reason for d in differing)
    assert len({d.victim_views for d in disposals}) >= 3
    assert disposals.values("person").distinct().count() < created  # some come back
    assert DisposalEvent.objects.filter(kind="breach_decided").exists()
    # Later notices: with more time, and for a condition sent to another service; and more
    # time over a referral the service had closed sends the condition to it again.
    occasions = set(DisposalNotice.objects.values_list("occasion", flat=True))
    assert occasions == {"issue", "more_time", "new_service"}
    sent_again = [
        e for e in DisposalEvent.objects.filter(kind="breach_decided") if e.detail.get("sent_to")
    ]
    assert sent_again
    for event in sent_again:
        for condition_id in event.detail["sent_to"]:
            referrals_of = Referral.objects.filter(
                source_kind="disposal", source_id=str(event.disposal_id)
            )
            condition = DisposalCondition.objects.get(pk=condition_id)
            assert referrals_of.filter(service=condition.service).count() >= 2
    referral_states = set(
        Referral.objects.filter(source_kind="disposal").values_list("status", flat=True)
    )
    assert {"requested", "in-progress", "completed", "failed"} <= referral_states

    # Dated over the year (and the quarter before, for the reoffending figure), never ahead.
    today, now = timezone.localdate(), timezone.now()
    months = {d.decided_on.strftime("%Y-%m") for d in disposals}
    assert len(months) >= 13
    assert min(d.decided_on for d in disposals) < today - timedelta(days=365)
    for disposal in disposals:
        assert timezone.localdate(disposal.created_at) == disposal.decided_on
        steps = [
            disposal.created_at,
            disposal.submitted_at,
            disposal.authorised_at,
            disposal.issued_at,
        ]
        reached = [moment for moment in steps if moment is not None]
        assert reached == sorted(reached)
        assert reached[-1] <= now
        times = list(disposal.events.order_by("pk").values_list("at", flat=True))
        assert times == sorted(times)
        assert times[-1] <= now
        if disposal.issued_at:
            assert DisposalNotice.objects.filter(
                disposal=disposal, issued_at=disposal.issued_at
            ).exists()
    for condition in DisposalCondition.objects.select_related("referral", "disposal"):
        assert is_working_day(condition.deadline)
        assert condition.deadline > condition.disposal.decided_on
    for referral in Referral.objects.filter(source_kind="disposal"):
        times = list(referral.events.order_by("pk").values_list("at", flat=True))
        assert times == sorted(times)
        assert times[-1] <= now
    assert audit_chain_verify().ok


def test_the_walk_through_finds_each_state_waiting_for_its_persona(demo):
    """What docs/disposals-demo.md asks each persona to do is there to do, and works."""
    users, _created = demo
    frontline, inspector = users["frontline"], users["inspector"]
    mine = Disposal.objects.filter(officer=frontline)

    assert mine.filter(status=Status.DRAFT).exists()
    assert selectors.awaiting_authorisation_for(user=inspector).filter(officer=frontline).exists()

    # Issued, its condition past its deadline: the overdue job raises the officer's task.
    overdue = mine.filter(
        status=Status.ISSUED,
        conditions__status=DisposalCondition.Status.PENDING,
        conditions__deadline__lt=timezone.localdate(),
        conditions__overdue_at=None,
    ).first()
    assert overdue is not None
    assert services.overdue_conditions_flag() >= 1
    tasks = selectors.tasks_for(user=frontline)
    assert tasks.filter(disposal=overdue, kind=DisposalTask.Kind.CONDITION_OVERDUE).exists()

    # Breached: the provider closed the referral; the officer's breach decision is awaited.
    breached = mine.filter(
        status=Status.BREACHED, scheme__code="conditional_caution", breach_decision=""
    )
    assert tasks.filter(disposal__in=breached, kind=DisposalTask.Kind.CONDITION_FAILED).exists()
    assert "prosecute" in dict(services.breach_decisions_for(breached.first()))

    # Just issued: its referral waits in the provider's queue.
    provider = users["provider"]
    queue = referral_scope(actor=provider, side="provider")
    assert queue.filter(source_kind="disposal", status=Referral.Status.REQUESTED).exists()

    # Authorised: the officer issues it, the provider sees the referral and completes it.
    ready = mine.get(status=Status.AUTHORISED, person__family_name="Rowlands")
    assert ready.scheme.code == "conditional_caution"
    assert ready.authorised_by == users["inspector"]

    services.disposal_issue(
        actor=frontline,
        disposal_id=ready.pk,
        agreement_confirmed=True,
        expected_version=ready.version,
    )
    condition = DisposalCondition.objects.get(disposal=ready)
    referral = referral_scope(actor=provider, side="provider").get(pk=condition.referral_id)
    assert referral.status == Referral.Status.REQUESTED

    referrals.referral_accept(actor=provider, referral_id=referral.pk)
    appointment = referrals.appointment_book(
        actor=provider,
        referral_id=referral.pk,
        starts_at=timezone.now() - timedelta(minutes=1),
        place="DDAS Aberystwyth",
    )
    referrals.attendance_record(
        actor=provider,
        referral_id=referral.pk,
        appointment_id=appointment.pk,
        attendance="attended",
    )
    ready.refresh_from_db()
    assert ready.status == Status.COMPLETED
