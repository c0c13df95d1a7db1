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
