"""The email log: a provider's manager sees the emails Pont queued for their organisation (a
new referral's notice to the service's inbox, an assignment to a worker) and whether each
was sent; the system administrator sees every one; nobody else sees any."""

import html
from datetime import timedelta

import pytest
from django.utils import timezone

from pont.referrals import services
from pont.referrals.models import QueuedEmail
from pont.testing.personas import CUSTODY, DPO, PROV_A, PROV_A_MGR, PROV_B, PROV_B_MGR, SYSADMIN
from pont.testing.referrals import referral_in

pytestmark = pytest.mark.django_db

URL = "/referrals/emails"


@pytest.fixture
def emails(world):
    """Provider A's referral rejected (its notice to A's inbox, the rejection to the officer),
    one accepted and assigned to a worker by A's manager, and provider B's referral sent."""
    rejected = referral_in(world, "rejected")
    accepted = referral_in(world, "accepted")
    services.referral_assign(
        actor=world.users[PROV_A_MGR], referral_id=accepted.pk, worker=world.users[PROV_A]
    )
    to_b = referral_in(world, "requested", which="b")
    return {"rejected": rejected, "accepted": accepted, "to_b": to_b}


def _page(as_persona, persona: str, query: str = "") -> str:
    response = as_persona(persona).get(URL + query)
    assert response.status_code == 200
    return html.unescape(response.content.decode())


def test_each_email_is_kept_for_the_organisation_whose_inbox_or_staff_it_goes_to(world, emails):
    kept = sorted(
        (email.kind, email.organisation.slug, email.recipient)
        for email in QueuedEmail.objects.select_related("organisation")
    )
    provider_a, provider_b = world.provider_a.slug, world.provider_b.slug
    inbox_a = emails["rejected"].service.referral_inbox_email
    referrer = emails["rejected"].referring_organisation.slug
    assert kept == sorted(
        [
            ("arrived", provider_a, inbox_a),
            ("arrived", provider_a, inbox_a),
            ("arrived", provider_b, emails["to_b"].service.referral_inbox_email),
            ("assigned", provider_a, world.users[PROV_A].email),
            ("rejected", referrer, world.users[CUSTODY].email),
        ]
    )


def test_the_log_shows_each_manager_their_own_and_the_administrator_all(world, emails, as_persona):
    inbox_a = emails["rejected"].service.referral_inbox_email
    inbox_b = emails["to_b"].service.referral_inbox_email
    officer = world.users[CUSTODY].email
    worker_a = world.users[PROV_A].email

    page = _page(as_persona, PROV_A_MGR)
    assert "Emails Pont has sent your organisation" in page
    assert inbox_a in page
    assert worker_a in page
    assert emails["accepted"].reference in page  # the subject names the referral
    assert inbox_b not in page
    assert officer not in page
    assert page.count("New referral, to the service's inbox") == 2

    page = _page(as_persona, PROV_B_MGR)
    assert inbox_b in page
    assert emails["to_b"].reference in page
    assert inbox_a not in page
    assert officer not in page
    assert worker_a not in page

    page = _page(as_persona, SYSADMIN)
    assert "Emails Pont has sent" in page
    for address in (inbox_a, inbox_b, officer, worker_a):
        assert address in page
    assert world.provider_b.name in page  # whose inbox, for the administrator
    assert "Referral not accepted, to the referrer" in page


@pytest.mark.parametrize("persona", [PROV_A, PROV_B, CUSTODY, DPO])
def test_nobody_else_may_read_the_log(world, emails, as_persona, persona):
    assert as_persona(persona).get(URL).status_code == 403


def test_an_email_given_up_is_a_warning_with_what_the_mail_server_said(world, emails, as_persona):
    email = QueuedEmail.objects.filter(organisation=world.provider_a, kind="arrived").first()
    QueuedEmail.objects.filter(pk=email.pk).update(
        status=QueuedEmail.Status.GAVE_UP,
        attempts=12,
        last_error="SMTPRecipientsRefused: 550 no such mailbox",
    )
    QueuedEmail.objects.filter(kind="assigned").update(
        status=QueuedEmail.Status.SENT, attempts=1, sent_at=timezone.now()
    )

    page = _page(as_persona, PROV_A_MGR)
    assert "In the last 7 days 1 email could not be sent. Check the address it was sent to." in page
    assert "Change where notices of new referrals go" in page  # the manager may change it
    assert "550 no such mailbox" in page
    assert "12 tries" in page

    given_up = _page(as_persona, PROV_A_MGR, "?status=gave_up")
    assert "550 no such mailbox" in given_up
    assert world.users[PROV_A].email not in given_up  # the sent one is on its own tab
    sent = _page(as_persona, PROV_A_MGR, "?status=sent")
    assert world.users[PROV_A].email in sent
    assert "550 no such mailbox" not in sent
    assert "There are no emails here." in _page(as_persona, PROV_B_MGR, "?status=gave_up")
    # B's manager is not warned of A's inbox; the administrator is, without A's settings link.
    assert "could not be sent" not in _page(as_persona, PROV_B_MGR)
    admin = _page(as_persona, SYSADMIN)
    assert "1 email could not be sent" in admin
    assert "Change where notices of new referrals go" not in admin


def test_a_status_that_is_not_one_shows_every_email(world, emails, as_persona):
    page = _page(as_persona, PROV_A_MGR, "?status=%3Cscript%3E&page=x")
    assert page.count("New referral, to the service's inbox") == 2
    assert "<script>" not in page


def test_the_log_reads_in_welsh(world, emails, as_persona):
    client = as_persona(PROV_A_MGR)
    client.cookies["pont_language"] = "cy"
    page = html.unescape(client.get(URL).content.decode())
    assert 'lang="cy"' in page
    assert "Emails Pont has sent your organisation" not in page
    assert "New referral, to the service's inbox" not in page


def test_an_email_given_up_more_than_a_week_ago_is_no_longer_warned_of(world, emails, as_persona):
    QueuedEmail.objects.filter(organisation=world.provider_a, kind="arrived").update(
        status=QueuedEmail.Status.GAVE_UP, created_at=timezone.now() - timedelta(days=8)
    )
    assert "could not be sent" not in _page(as_persona, PROV_A_MGR)
    # Still listed on their tab: the two notices to A's inbox.
    given_up = _page(as_persona, PROV_A_MGR, "?status=gave_up")
    assert given_up.count("New referral, to the service's inbox") == 2
