"""Emails about referrals: a link only, never personal data (the email may leave secure systems).

In English and Welsh together. Queued with the change that causes them and sent by the
worker, tried again through a mail outage (`mail_outbox`).
"""

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from pont.accounts.models import User

from . import mail_outbox
from .models import QueuedEmail, Referral

Kind = QueuedEmail.Kind


def _link(referral: Referral) -> str:
    return f"{settings.PONT_BASE_URL.rstrip('/')}{referral.get_absolute_url()}"


def _both_languages(message: str, **values: str) -> str:
    parts = []
    for language in ("en", "cy"):
        with translation.override(language):
            parts.append(_(message) % values)
    return "\n\n".join(parts)


def _tell(kind: str, recipient: str, referral: Referral, subject: str, body: str) -> None:
    """Email `recipient` about the referral, in both languages: the subject names its reference,
    the body ends with the link (`%(ref)s`, `%(link)s`). Queued for the provider's email log
    or the referring organisation's, by who receives it."""
    if not recipient:
        return
    receiver = referral.referring_organisation_id
    if kind in (Kind.ARRIVED, Kind.ASSIGNED, Kind.REASON_CHANGED):  # the provider's inbox or staff
        receiver = referral.receiving_organisation_id
    mail_outbox.queue(
        recipient,
        _both_languages(subject, ref=referral.reference).replace("\n\n", " / "),
        _both_languages(body, link=_link(referral)),
        kind=kind,
        organisation_id=receiver,
    )


def referral_arrived(referral: Referral) -> None:
    """Tell the service's referral inbox that a referral has arrived (a link, nothing else)."""
    service = referral.service
    _tell(
        Kind.ARRIVED,
        service.referral_inbox_email or service.organization.email,
        referral,
        gettext_noop("New referral in Pont %(ref)s"),
        gettext_noop(
            "A new referral has been sent to your service. Sign in to Pont to see it: %(link)s"
        ),
    )


def referral_rejected(referral: Referral) -> None:
    _tell(
        Kind.REJECTED,
        referral.referred_by.email,
        referral,
        gettext_noop("Referral %(ref)s was not accepted"),
        gettext_noop(
            "The service did not accept a referral you made. Sign in to Pont to see why: %(link)s"
        ),
    )


def did_not_attend(referral: Referral) -> None:
    _tell(
        Kind.DID_NOT_ATTEND,
        referral.referred_by.email,
        referral,
        gettext_noop("Missed appointment on referral %(ref)s"),
        gettext_noop(
            "The person did not attend an appointment on a referral you made. "
            "Sign in to Pont to see what happens next: %(link)s"
        ),
    )


def attendance_corrected(referral: Referral) -> None:
    """Tell the referrer that an appointment recorded as missed was not missed after all."""
    _tell(
        Kind.ATTENDANCE_CORRECTED,
        referral.referred_by.email,
        referral,
        gettext_noop("Attendance corrected on referral %(ref)s"),
        gettext_noop(
            "The service has corrected its record of an appointment on a referral you made: "
            "it is no longer recorded as missed. Sign in to Pont to see it: %(link)s"
        ),
    )


def referral_assigned(referral: Referral, worker: User) -> None:
    """Tell a worker that a colleague gave them a referral (a link, nothing else)."""
    _tell(
        Kind.ASSIGNED,
        worker.email,
        referral,
        gettext_noop("Referral %(ref)s assigned to you"),
        gettext_noop(
            "A colleague has assigned a referral to you. Sign in to Pont to see it: %(link)s"
        ),
    )


def reason_changed(referral: Referral) -> None:
    """Tell the worker the referral is assigned to (else the service's referral inbox) that the
    referrer changed what it asks, a new deadline say (a link, nothing else)."""
    worker = referral.assigned_worker
    service = referral.service
    _tell(
        Kind.REASON_CHANGED,
        worker.email
        if worker is not None and worker.email
        else service.referral_inbox_email or service.organization.email,
        referral,
        gettext_noop("Referral %(ref)s changed by the referrer"),
        gettext_noop(
            "The referrer has changed what a referral to your service asks. Sign in to Pont "
            "to see it: %(link)s"
        ),
    )
