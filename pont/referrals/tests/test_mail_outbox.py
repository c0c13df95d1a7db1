"""Referral emails are queued with the change and sent by the worker, through mail outages."""

from datetime import timedelta

import pytest
from django.utils import timezone

from pont.referrals import mail_outbox
from pont.referrals.models import QueuedEmail, Referral
from pont.referrals.outbox import LEASE
from pont.testing.referrals import referral_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def mail_server_down(monkeypatch):
    def refuse(*args, **kwargs):
        raise ConnectionRefusedError("[Errno 111] Connection refused")

    monkeypatch.setattr(mail_outbox, "send_mail", refuse)


def _due_now(email: QueuedEmail) -> None:
    QueuedEmail.objects.filter(pk=email.pk).update(next_attempt_at=timezone.now())


def test_a_sent_referral_queues_its_notice_and_the_worker_sends_it(world, mailoutbox):
    referral = referral_in(world, "requested")
    (email,) = QueuedEmail.objects.all()
    assert email.status == "pending"
    assert email.recipient == referral.service.referral_inbox_email
    assert referral.get_absolute_url() in email.body
    assert mailoutbox == []  # nothing sent until the change has committed and the worker runs

    assert mail_outbox.send_due() == {"sent": 1, "failed": 0, "gave_up": 0, "skipped": 0}
    email.refresh_from_db()
    assert (email.status, email.attempts) == ("sent", 1)
    assert email.sent_at is not None
    assert [(m.to, m.subject, m.body) for m in mailoutbox] == [
        ([email.recipient], email.subject, email.body)
    ]
    assert mail_outbox.send_due()["sent"] == 0  # sent once


def test_a_mail_outage_delays_the_notice_and_never_loses_it(world, mailoutbox, monkeypatch, caplog):
    referral = referral_in(world, "requested")
    assert Referral.objects.get(pk=referral.pk).status == "requested"  # the change stands
    (email,) = QueuedEmail.objects.all()

    def refuse(*args, **kwargs):
        raise ConnectionRefusedError("[Errno 111] Connection refused")

    monkeypatch.setattr(mail_outbox, "send_mail", refuse)
    waits = []
    for attempt in (1, 2, 3):
        before = timezone.now()
        assert mail_outbox.send_due()["failed"] == 1
        email.refresh_from_db()
        assert (email.status, email.attempts) == ("pending", attempt)
        assert "ConnectionRefusedError" in email.last_error
        waits.append(email.next_attempt_at - before)
        assert mail_outbox.send_due()["failed"] == 0  # not before its time
        _due_now(email)
    # The webhooks' waits: 30 seconds, doubling.
    assert [round(w.total_seconds() / 30) for w in waits] == [1, 2, 4]
    assert "will try again" in caplog.text

    monkeypatch.undo()  # the server is back
    assert mail_outbox.send_due()["sent"] == 1
    email.refresh_from_db()
    assert (email.status, email.attempts, email.last_error) == ("sent", 4, "")
    assert len(mailoutbox) == 1


def test_after_a_day_of_failures_the_email_is_given_up_and_the_log_says_so(
    world, mail_server_down, caplog
):
    referral_in(world, "requested")
    (email,) = QueuedEmail.objects.all()
    QueuedEmail.objects.filter(pk=email.pk).update(created_at=timezone.now() - timedelta(hours=24))
    assert mail_outbox.send_due() == {"sent": 0, "failed": 0, "gave_up": 1, "skipped": 0}
    email.refresh_from_db()
    assert email.status == "gave_up"
    assert f"email {email.pk} to {email.recipient} not sent (given up)" in caplog.text
    _due_now(email)
    assert mail_outbox.send_due()["gave_up"] == 0  # not tried again


def test_an_email_another_worker_holds_is_left_to_it_until_its_lease_runs_out(world, mailoutbox):
    """A worker that died sending it (its lease still running) does not stop it for good:
    once the lease is over, the next worker sends it (at least once)."""
    referral_in(world, "requested")
    (email,) = QueuedEmail.objects.all()
    assert mail_outbox.claim(QueuedEmail, email.pk, timezone.now())  # the worker that died
    assert mail_outbox.send_due()["sent"] == 0
    QueuedEmail.objects.filter(pk=email.pk).update(
        leased_until=timezone.now() - timedelta(seconds=1)
    )
    assert mail_outbox.send_due()["sent"] == 1
    assert len(mailoutbox) == 1
    assert LEASE.total_seconds() == 60


def test_the_change_and_its_email_are_one(world):
    """Refused, the change queues nothing (the atomicity test holds this for every write)."""
    from pont.core.exceptions import ApplicationError
    from pont.referrals import services

    referral = referral_in(world, "requested")
    QueuedEmail.objects.all().delete()
    with pytest.raises(ApplicationError):
        services.referral_reject(actor=world.users["prov_a"], referral_id=referral.pk, reason="")
    assert not QueuedEmail.objects.exists()
