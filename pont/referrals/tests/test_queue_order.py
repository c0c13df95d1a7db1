"""The "Closed" queue lists the latest ended first, a draft cancelled before it was sent among
them (it has no time sent, and was put on the last page)."""

import re
from datetime import timedelta

from django.utils import timezone

from pont.referrals import services
from pont.referrals.models import Referral
from pont.referrals.views import PAGE_SIZE
from pont.testing.personas import CUSTODY, OPCC, PROV_A, PROV_B
from pont.testing.referrals import reachable_person, referral_in


def _ended(referral: Referral, *, days_ago: int) -> None:
    """Move the time the referral ended (and was sent) back by `days_ago`."""
    ago = timezone.now() - timedelta(days=days_ago)
    field = {"cancelled": "cancelled_at", "rejected": "rejected_at"}.get(
        referral.status, "closed_at"
    )
    values = {field: ago}
    if referral.requested_at is not None:
        values["requested_at"] = ago - timedelta(days=10)
    Referral.objects.filter(pk=referral.pk).update(**values)


def _names_in_order(client, queue: str, page: int = 1) -> list[str]:
    response = client.get(f"/referrals/?queue={queue}&page={page}")
    assert response.status_code == 200
    return re.findall(r"(\w+) Parry", response.content.decode())


def test_an_officers_closed_queue_lists_the_latest_ended_first(world, as_persona):
    completed = referral_in(
        world, "completed", person=reachable_person(world, given_name="Cwblhau")
    )
    _ended(completed, days_ago=30)
    rejected = referral_in(world, "rejected", person=reachable_person(world, given_name="Gwrthod"))
    _ended(rejected, days_ago=20)
    failed = referral_in(world, "failed", person=reachable_person(world, given_name="Methu"))
    _ended(failed, days_ago=10)
    # Cancelled before it was sent, today: the latest to end.
    unsent = referral_in(world, "cancelled", person=reachable_person(world, given_name="Canslo"))
    assert unsent.requested_at is None
    names = _names_in_order(as_persona(CUSTODY), "closed")
    assert [n for n in names if n in {"Cwblhau", "Gwrthod", "Methu", "Canslo"}] == [
        "Canslo",
        "Methu",
        "Gwrthod",
        "Cwblhau",
    ]
    # A cancelled draft that ended long ago goes down with its time, not to the end.
    _ended(unsent, days_ago=25)
    names = _names_in_order(as_persona(CUSTODY), "closed")
    assert [n for n in names if n in {"Cwblhau", "Gwrthod", "Methu", "Canslo"}] == [
        "Methu",
        "Gwrthod",
        "Canslo",
        "Cwblhau",
    ]


def test_a_cancelled_draft_is_on_the_first_page_of_a_long_closed_queue(world, as_persona):
    person = reachable_person(world, given_name="Hen")
    for _ in range(PAGE_SIZE):
        _ended(referral_in(world, "completed", person=person), days_ago=5)
    referral_in(world, "cancelled", person=reachable_person(world, given_name="Canslo"))
    officer = as_persona(CUSTODY)
    assert "Canslo" in _names_in_order(officer, "closed", page=1)
    assert "Canslo" not in _names_in_order(officer, "closed", page=2)


def test_a_providers_closed_queue_lists_the_latest_ended_first(world, as_persona):
    completed = referral_in(
        world, "completed", person=reachable_person(world, given_name="Cwblhau")
    )
    _ended(completed, days_ago=30)
    withdrawn = referral_in(world, "accepted", person=reachable_person(world, given_name="Tynnu"))
    Referral.objects.filter(pk=withdrawn.pk).update(
        requested_at=timezone.now() - timedelta(days=60)
    )
    services.referral_cancel(
        actor=world.users[CUSTODY], referral_id=withdrawn.pk, reason="Moved away"
    )
    names = _names_in_order(as_persona(PROV_A), "closed")
    assert [n for n in names if n in {"Cwblhau", "Tynnu"}] == ["Tynnu", "Cwblhau"]
    # Another provider sees neither; those who neither refer nor work referrals are refused.
    assert _names_in_order(as_persona(PROV_B), "closed") == []
    assert as_persona(OPCC).get("/referrals/?queue=closed").status_code == 403
