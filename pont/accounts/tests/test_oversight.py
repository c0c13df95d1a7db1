"""A commissioner's office oversees the forces PONT_COMMISSIONER_FORCES names (every active
force while it is unset), and sees the figures, samples and sessions of those only."""

import re
from typing import Any

import pytest
from django.urls import reverse

from pont.accounts.models import User
from pont.accounts.selectors import overseen_force_ids_for
from pont.disposals import dashboard as disposals_dashboard
from pont.drug_testing import dashboard as drug_testing_dashboard
from pont.referrals.funnel import funnel_scope
from pont.stop_search.selectors import audit_dashboard_scope, audit_samples_visible_to
from pont.testing.disposals import issued_conditional_caution
from pont.testing.drug_testing import positive_test
from pont.testing.personas import CUSTODY, INDEPENDENT, OPCC, PANEL, World
from pont.testing.referrals import referral_in
from pont.testing.stop_search import (
    drawn_sample,
    previous_month,
    searched_in,
    stop_search_reference,
)

pytestmark = pytest.mark.django_db


def _fresh(world: World, code: str) -> User:
    """The user as a new request loads them (scopes are cached on the user for a request)."""
    return User.objects.get(pk=world.users[code].pk)


def _scopes(world: World) -> dict[str, int]:
    opcc = _fresh(world, OPCC)
    return {
        "funnel": funnel_scope(user=opcc).count(),
        "drug tests": drug_testing_dashboard.dashboard_scope(user=opcc).count(),
        "disposals": disposals_dashboard.dashboard_scope(user=opcc).count(),
        "audit dashboard": audit_dashboard_scope(user=opcc).count(),
        "independent inspector's samples": audit_samples_visible_to(
            user=_fresh(world, INDEPENDENT)
        ).count(),
    }


def _searches_shown(as_persona: Any) -> str:
    """The number of searches the office's figures page gives (suppressed when small)."""
    page = as_persona(OPCC).get(reverse("stop_search:figures")).content.decode()
    found = re.search(r'id="total-searches">([^<]*)<', page)
    assert found is not None
    return found.group(1).strip()


def test_unset_every_office_oversees_every_active_force(world: World, settings: Any) -> None:
    settings.PONT_COMMISSIONER_FORCES = {}
    assert overseen_force_ids_for(user=_fresh(world, OPCC)) == {world.force.pk}
    assert overseen_force_ids_for(user=_fresh(world, PANEL)) == {world.force.pk}  # its panel
    assert overseen_force_ids_for(user=_fresh(world, CUSTODY)) == frozenset()  # works for it


def test_the_office_sees_the_figures_of_the_forces_it_oversees_and_no_others(
    world: World, settings: Any, as_persona: Any
) -> None:
    stop_search_reference()
    referral_in(world, "requested")
    positive_test(world)
    issued_conditional_caution(world)
    searched_in(world, previous_month(), day=2)
    drawn_sample(world)
    settings.PONT_COMMISSIONER_FORCES = {world.opcc.slug: [world.force.slug]}
    overseen = _scopes(world)
    assert all(count >= 1 for count in overseen.values()), overseen
    assert _searches_shown(as_persona) != "0"

    settings.PONT_COMMISSIONER_FORCES = {"another-office": [world.force.slug]}
    assert _scopes(world) == dict.fromkeys(overseen, 0)
    assert overseen_force_ids_for(user=_fresh(world, PANEL)) == frozenset()
    assert _searches_shown(as_persona) == "0"
