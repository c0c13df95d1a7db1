"""The statutory framework starts on the day the force gives, and each decision is made under
the schemes in force on its day."""

from datetime import date, timedelta

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from pont.audit.models import AuditEvent
from pont.core.exceptions import ApplicationError
from pont.disposals.frameworks import statutory_framework_commence
from pont.disposals.models import DisposalScheme
from pont.disposals.selectors import scheme_facts
from pont.testing.disposals import recorded_disposal
from pont.testing.personas import FRONTLINE, SYSADMIN

pytestmark = pytest.mark.django_db


def codes_on(day: date) -> list[str]:
    return [s.code for s in scheme_facts(day)]


def test_the_2017_framework_applies_from_adoption():
    assert codes_on(date(2019, 10, 31)) == []
    assert codes_on(date(2019, 11, 1)) == [
        "community_resolution",
        "conditional_caution",
        "outcome_22",
    ]


def test_commencing_the_statutory_framework_swaps_the_tiers_on_the_day(world):
    day = date(2027, 4, 1)
    made = statutory_framework_commence(actor=world.users[SYSADMIN], effective_from=day)
    assert [row.code for row in made] == ["community_caution", "diversionary_caution"]
    assert codes_on(day - timedelta(days=1)) == [
        "community_resolution",
        "conditional_caution",
        "outcome_22",
    ]
    assert codes_on(day) == ["outcome_22", "community_caution", "diversionary_caution"]
    assert AuditEvent.objects.filter(object_type="disposals.disposalscheme").count() == 4
    with pytest.raises(ApplicationError) as again:
        statutory_framework_commence(actor=world.users[SYSADMIN], effective_from=day)
    assert again.value.status == 409


def test_a_decision_after_commencement_is_made_under_the_statutory_schemes(world):
    today = timezone.localdate()
    statutory_framework_commence(actor=world.users[SYSADMIN], effective_from=today)
    disposal = recorded_disposal(world, scheme_code="community_caution")
    assert disposal.recommended == "community_caution"
    assert disposal.scheme.breach_consequence == DisposalScheme.Consequence.FINANCIAL_PENALTY
    with pytest.raises(ApplicationError) as refused:
        recorded_disposal(world, scheme_code="community_resolution")
    assert "scheme" in refused.value.extra["fields"]


def test_only_a_system_administrator_may_commence_it(world):
    with pytest.raises(ApplicationError) as refused:
        statutory_framework_commence(actor=world.users[FRONTLINE], effective_from=date(2027, 4, 1))
    assert refused.value.status == 403
    assert not DisposalScheme.objects.filter(framework="pcsc_2022").exists()


def test_the_command_names_a_bad_date_or_user(world):
    with pytest.raises(CommandError, match="--from"):
        call_command("disposals-statutory-framework", "--from", "April", "--by", "x")
    with pytest.raises(CommandError, match="--by"):
        call_command("disposals-statutory-framework", "--from", "2027-04-01", "--by", "nobody")
