"""The demo data loads, is idempotent, and shows referrals in every state."""

from pont.audit.selectors import audit_chain_verify
from pont.demo.data import PERSONAS, load_demo
from pont.referrals.models import Referral


def test_the_demo_loads_once_with_one_persona_per_role_and_referrals_in_every_state(db, settings):
    settings.PONT_DEMO_TOOLS = True
    first = load_demo()
    assert first["users"] == len(PERSONAS) == 13
    assert first["referrals"] == 11
    assert set(Referral.objects.values_list("status", flat=True)) == set(Referral.Status.values)
    again = load_demo()
    assert again == {"organisations": 0, "users": 0, "people": 0, "services": 0, "referrals": 0}
    assert audit_chain_verify().ok


def test_demo_timelines_tell_the_story_in_order_and_never_in_the_future(db, settings):
    from django.utils import timezone

    settings.PONT_DEMO_TOOLS = True
    load_demo()
    now = timezone.now()
    for referral in Referral.objects.exclude(requested_at=None):
        times = list(referral.events.order_by("pk").values_list("at", flat=True))
        assert times == sorted(times), referral.status
        assert all(at <= now for at in times)
        sent = referral.events.get(kind="sent").at
        assert sent == referral.requested_at
    completed = Referral.objects.get(status="completed")
    assert (completed.closed_at - completed.requested_at).days >= 9
    assert completed.events.get(kind="closed").at == completed.closed_at
