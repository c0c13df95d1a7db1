"""The funnel and the time limits: figures straight from the referrals' own timestamps."""

from datetime import date, datetime, timedelta

import pytest
from django.utils import timezone

from pont.core import figures
from pont.core.working_days import add_working_days
from pont.referrals import funnel, selectors
from pont.referrals.models import Referral
from pont.testing.personas import INSPECTOR, OPCC, PROV_A_MGR, PROV_B_MGR
from pont.testing.referrals import reachable_person, referral_in


def _at(day: date, hour: int = 10) -> datetime:
    return timezone.make_aware(datetime.combine(day, datetime.min.time()).replace(hour=hour))


def test_the_funnel_counts_each_stage_and_times_each_step_in_working_days(world):
    # Monday 2 November 2026 is a working day; Wednesday 4 is two working days later.
    monday, wednesday = date(2026, 11, 2), date(2026, 11, 4)
    done = referral_in(world, "completed")
    Referral.objects.filter(pk=done.pk).update(
        requested_at=_at(monday),
        accepted_at=_at(monday, 15),
        first_contact_attempt_at=_at(wednesday),
        first_contacted_at=_at(wednesday),
        treatment_started_at=_at(date(2026, 11, 16)),
    )
    referral_in(world, "requested", person=reachable_person(world, given_name="Nia"))
    referral_in(world, "failed", person=reachable_person(world, given_name="Gwen"))
    referral_in(world, "draft", person=reachable_person(world, given_name="Drafft"))  # not counted
    result = funnel.compute_funnel(
        funnel.funnel_scope(user=world.users[INSPECTOR]),
        filters=funnel.FunnelFilters(),
        suppressed=False,
    )
    counts = {s["code"]: s["count"] for s in result.stages}
    assert counts == {
        "requested": 3,
        "accepted": 2,
        "contacted": 2,
        "appointment": 0,
        "attended": 0,
        "treatment": 1,
    }
    medians = {d["code"]: d["median"] for d in result.durations}
    assert medians["to_treatment"] == 10  # 2 Nov to 16 Nov 2026: ten working days
    assert {c["label"] for c in result.closures} == {
        "Planned closure: treatment complete",
        "Did not attend before assessment",
    }
    assert result.attempts_per_person_reached == 1.0
    assert result.complete_at_first_send == 1.0


def test_the_commissioners_office_sees_suppressed_aggregates_only(world):
    for name in ("A", "B", "C"):
        referral_in(world, "requested", person=reachable_person(world, given_name=name))
    assert funnel.aggregate_only(world.users[OPCC])
    result = funnel.compute_funnel(
        funnel.funnel_scope(user=world.users[OPCC]), filters=funnel.FunnelFilters(), suppressed=True
    )
    shown = {s["code"]: s["shown"] for s in result.stages}
    assert shown["requested"] == "*"  # 3 is a small number
    assert shown["treatment"] == "0"
    assert all(d["median"] is None for d in result.durations)


@pytest.mark.parametrize(
    ("count", "shown"),
    [(0, "0"), (1, "*"), (7, "*"), (8, "10"), (12, "10"), (13, "15"), (102, "100")],
)
def test_small_numbers_are_suppressed_and_others_rounded_to_five(count, shown):
    assert figures.suppress(count) == shown


def test_a_provider_manager_counts_only_their_own_referrals(world):
    referral_in(world, "requested")
    referral_in(world, "requested", which="b", person=reachable_person(world, given_name="Bee"))
    assert funnel.funnel_scope(user=world.users[PROV_A_MGR]).count() == 1
    assert funnel.funnel_scope(user=world.users[PROV_B_MGR]).count() == 1
    assert funnel.funnel_scope(user=world.users[INSPECTOR]).count() == 2


def test_filters_by_source_provider_county_and_month(world):
    referral = referral_in(world, "requested")
    scope = funnel.funnel_scope(user=world.users[INSPECTOR])
    month = timezone.localdate(referral.requested_at).strftime("%Y-%m")

    def total(**f):
        return funnel.compute_funnel(
            scope, filters=funnel.FunnelFilters(**f), suppressed=False
        ).total  # noqa: E731

    assert total(source="voluntary") == 1
    assert total(source="stop_search") == 0
    assert total(provider_id=world.provider_a.pk) == 1
    assert total(provider_id=world.provider_b.pk) == 0
    assert total(county="Carmarthenshire") == 1
    assert total(county="Powys") == 0
    assert total(month=month) == 1
    assert total(month="2019-01") == 0


def test_the_dashboard_and_its_csv_show_the_same_figures(world, as_persona):
    referral_in(world, "completed")
    client = as_persona(INSPECTOR)
    page = client.get("/referrals/funnel").content.decode()
    assert 'role="img"' in page
    assert "<table" in page
    csv_text = client.get("/referrals/funnel.csv").content.decode()
    assert "stage:requested,1" in csv_text
    assert "closure:Planned closure: treatment complete,1" in csv_text


def test_overdue_in_python_and_in_the_database_agree(world):
    """The queue (a query) and the referral page (Python) must call the same referrals overdue."""
    base = date(2026, 11, 2)  # a Monday
    referrals = []
    for offset in range(0, 12):
        r = referral_in(world, "requested", person=reachable_person(world, given_name=f"P{offset}"))
        sent = base + timedelta(days=offset)
        Referral.objects.filter(pk=r.pk).update(requested_at=_at(sent))
        referrals.append(r)
    for today_offset in range(0, 16):
        today = base + timedelta(days=today_offset)
        by_query = set(
            Referral.objects.filter(selectors.overdue_condition(today)).values_list("pk", flat=True)
        )
        by_python = {
            r.pk
            for r in Referral.objects.filter(pk__in=[x.pk for x in referrals])
            if selectors.overdue_milestones(r, today)
        }
        assert by_query == by_python, today


def test_due_dates_count_working_days_from_sending(world):
    referral = referral_in(world, "requested")
    Referral.objects.filter(pk=referral.pk).update(requested_at=_at(date(2026, 12, 24)))
    referral.refresh_from_db()
    due = selectors.due_dates(referral)
    # Christmas, Boxing Day (substitute Monday 28th) and the weekend are not working days.
    assert due["accepted"] == add_working_days(date(2026, 12, 24), 1) == date(2026, 12, 29)
    assert due["treatment_start"] == add_working_days(date(2026, 12, 24), 20)
