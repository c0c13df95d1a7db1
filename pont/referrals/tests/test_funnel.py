"""The funnel and the time limits: figures straight from the referrals' own timestamps."""

import csv
import io
import re
from datetime import date, datetime, timedelta

import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone

from pont.core import figures
from pont.core.working_days import add_working_days
from pont.referrals import funnel, selectors
from pont.referrals.models import ContactAttempt, Referral, ReferralSla
from pont.testing.personas import CUSTODY, INSPECTOR, OPCC, PROV_A, PROV_A_MGR, PROV_B_MGR
from pont.testing.referrals import reachable_person, referral_in


def _at(day: date, hour: int = 10) -> datetime:
    return timezone.make_aware(datetime.combine(day, datetime.min.time()).replace(hour=hour))


def _inspectors(world) -> funnel.Funnel:
    """The whole funnel as the force's inspector sees it: exact figures, no filters."""
    return funnel.compute_funnel(
        funnel.funnel_scope(user=world.users[INSPECTOR]),
        filters=funnel.FunnelFilters(),
        suppressed=False,
    )


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
    ContactAttempt.objects.filter(referral=done).update(attempted_at=_at(wednesday))
    referral_in(world, "requested", person=reachable_person(world, given_name="Nia"))
    referral_in(world, "failed", person=reachable_person(world, given_name="Gwen"))
    referral_in(world, "draft", person=reachable_person(world, given_name="Drafft"))  # not counted
    result = _inspectors(world)
    counts = {s["code"]: s["count"] for s in result.stages}
    assert counts == {
        "requested": 3,
        "accepted": 2,
        "contacted": 2,
        # Treatment started: so they came, to an appointment (a referral counts at every
        # stage up to the furthest it reached).
        "appointment": 1,
        "attended": 1,
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


def test_a_referral_counts_at_every_stage_up_to_the_furthest_it_reached(world):
    """A person who came to a custody-booked appointment (Required Assessment) with no contact
    attempt recorded was reached; an appointment booked for someone not yet reached says
    nothing of reaching them. "Sent to reached" ends when they were first reached either way,
    and the attempts it took are those made up to then."""
    monday = date(2026, 11, 2)
    came = referral_in(world, "in-progress")
    Referral.objects.filter(pk=came.pk).update(
        requested_at=_at(monday),
        accepted_at=_at(monday, 11),
        first_contacted_at=None,
        first_appointment_booked_at=_at(monday, 10),
        first_attended_at=_at(date(2026, 11, 5)),
    )
    ContactAttempt.objects.filter(referral=came).delete()
    booked = referral_in(world, "accepted", person=reachable_person(world, given_name="Nia"))
    Referral.objects.filter(pk=booked.pk).update(
        requested_at=_at(monday),
        accepted_at=_at(monday, 11),
        first_contacted_at=None,
        first_appointment_booked_at=_at(monday, 10),
    )
    ContactAttempt.objects.filter(referral=booked).delete()
    reached = referral_in(world, "in-progress", person=reachable_person(world, given_name="Gwen"))
    Referral.objects.filter(pk=reached.pk).update(
        requested_at=_at(monday), accepted_at=_at(monday, 11), first_contacted_at=_at(monday, 14)
    )
    ContactAttempt.objects.filter(referral=reached).delete()
    for hour, result in ((12, "no_answer"), (14, "reached"), (16, "message_left")):
        ContactAttempt.objects.create(
            referral=reached, method="phone", attempted_at=_at(monday, hour), result=result
        )
    result = _inspectors(world)
    counts = {s["code"]: s["count"] for s in result.stages}
    assert counts == {
        "requested": 3,
        "accepted": 3,
        "contacted": 2,  # the one who came, and the one reached by phone
        "appointment": 2,
        "attended": 1,
        "treatment": 0,
    }
    medians = {d["code"]: (d["median"], d["n"]) for d in result.durations}
    assert medians["to_contact"] == (1.5, "2")  # 3 working days and 0 working days
    # Two attempts before the reached one was reached; the one who came needed none.
    assert result.attempts_per_person_reached == 1.0


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


@pytest.mark.parametrize(
    ("part", "whole", "shown"),
    # 27 of 63 is the only pair shown as "25" and "65" that makes 43%: the share of the counts
    # shown (25 of 65) says no more than they do.
    [(27, 63, "38%"), (21, 51, "40%"), (40, 51, "80%"), (50, 50, "100%"), (0, 12, "0%")],
)
def test_a_share_the_office_sees_is_of_the_rounded_counts_it_sees(part, whole, shown):
    counting = figures.Counting(suppressed=True)
    assert counting.share(part, whole)[1] == shown
    assert figures.Counting(suppressed=False).share(27, 63)[1] == "43%"
    # An average likewise: 23 attempts over 9 people is shown as 25 over 10.
    assert counting.average(23, 9) == (2.5, "2.5")
    assert counting.average(23, 7) == (None, "*")  # too few people
    assert figures.Counting(suppressed=False).average(23, 9)[1] == "2.6"


def test_the_office_sees_closure_reasons_in_an_order_that_does_not_rank_the_hidden_ones(world):
    """Largest first, but the suppressed (*) rows by name: their order would rank them."""
    from pont.referrals.models import ClosureReason

    for n in range(9):
        referral_in(world, "completed", person=reachable_person(world, given_name=f"Cwbl{n}"))
    failed = [
        referral_in(world, "failed", person=reachable_person(world, given_name=f"Heb{n}"))
        for n in range(7)
    ]
    # Five did not attend; two (fewer) declined.
    declined = ClosureReason.objects.current().get(code="client_declined")
    Referral.objects.filter(pk__in=[r.pk for r in failed[:2]]).update(closure_reason=declined)
    scope = funnel.funnel_scope(user=world.users[INSPECTOR])
    exact = funnel.compute_funnel(scope, filters=funnel.FunnelFilters(), suppressed=False)
    assert [c["code"] for c in exact.closures] == [
        "planned_complete",
        "dna_before_assessment",
        "client_declined",
    ]
    office = funnel.compute_funnel(scope, filters=funnel.FunnelFilters(), suppressed=True)
    assert [c["shown"] for c in office.closures] == ["10", "*", "*"]
    hidden = [str(c["label"]) for c in office.closures[1:]]
    assert hidden == sorted(hidden)


def test_every_county_of_the_force_can_be_chosen_and_one_with_no_referrals_counts_0(
    world, as_persona
):
    from pont.accounts.models import Organisation

    referral_in(world, "requested")  # from Carmarthenshire
    Organisation.objects.create(
        name="Powys", slug="powys", kind=Organisation.Kind.AREA, parent=world.force
    )
    client = as_persona(INSPECTOR)
    page = client.get("/referrals/funnel")
    counties = [value for value, _label in page.context["form"].fields["county"].choices]
    assert {"Carmarthenshire", "Powys"} <= set(counties)
    powys = client.get("/referrals/funnel", {"county": "Powys"})
    assert powys.status_code == 200
    assert powys.context["funnel"].total == 0


def test_a_draft_refused_for_missing_details_counts_in_the_share_complete_at_first_send(world):
    """Left out, the share could only ever be 100%: the drafts it is about are those whose
    sending was refused (and perhaps never sent). The stages count sent referrals only, and
    a provider never saw the draft."""
    from pont.referrals import services
    from pont.testing.referrals import draft_referral

    referral_in(world, "requested")
    unreachable = draft_referral(world, person=reachable_person(world, given_name="Neb", phone=""))
    with pytest.raises(services.ContactDetailsIncomplete):
        services.referral_send(actor=world.users[CUSTODY], referral_id=unreachable.pk)
    month = timezone.localdate().strftime("%Y-%m")
    for filters in (funnel.FunnelFilters(), funnel.FunnelFilters(month=month)):
        result = funnel.compute_funnel(
            funnel.funnel_scope(user=world.users[INSPECTOR]), filters=filters, suppressed=False
        )
        assert result.total == 1
        assert result.complete_at_first_send == 0.5
    provider = funnel.compute_funnel(
        funnel.funnel_scope(user=world.users[PROV_A_MGR]),
        filters=funnel.FunnelFilters(),
        suppressed=False,
    )
    assert (provider.total, provider.complete_at_first_send) == (1, 1.0)


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
    rows = _csv(client.get("/referrals/funnel.csv"))
    assert rows["stage:requested"] == ("1", "Sent")
    assert rows["stage:requested:share"] == ("1.00", "Sent")
    assert rows["overdue:treatment_start"] == ("0", "treatment start")
    # The closure reason by its code, and its label in the reader's language beside it.
    assert rows["closure:planned_complete"] == ("1", "Planned closure: treatment complete")
    # Another provider's manager counts none of it; a worker may not see the funnel at all.
    assert _csv(as_persona(PROV_B_MGR).get("/referrals/funnel.csv"))["stage:requested"][0] == "0"
    assert as_persona(PROV_A).get("/referrals/funnel").status_code == 403
    assert as_persona(PROV_A).get("/referrals/funnel.csv").status_code == 403


def test_the_csv_carries_closure_codes_that_do_not_change_with_the_language(world, as_persona):
    referral_in(world, "completed")
    client = as_persona(INSPECTOR)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "cy"
    rows = _csv(client.get("/referrals/funnel.csv"))
    value, label = rows["closure:planned_complete"]
    assert value == "1"
    assert label
    assert label != "Planned closure: treatment complete"  # in Welsh
    assert as_persona(PROV_A).get("/referrals/funnel.csv").status_code == 403


# The figures the page shows: the chart's values, and the text of the tables and the summary
# list (not their headings, captions or labels, nor the months naming their rows).
CHART_VALUE = re.compile(r'fill="#505a5f"[^>]*>([^<]*)</text>')
NUMBER = re.compile(r"\d+(?:\.\d+)?%?")


def _figures_section(page: str) -> str:
    start = page.index('<h2 class="govuk-heading-m"')
    return page[start : page.index("/referrals/funnel.csv", start)]


def _page_numbers(page: str) -> list[str]:
    section = _figures_section(page)
    numbers = CHART_VALUE.findall(section)
    section = re.sub(r"<svg\b.*?</svg>", " ", section, flags=re.S)
    section = re.sub(r"<(th|caption|dt)\b.*?</\1>", " ", section, flags=re.S)
    text = re.sub(r"<[^>]+>", " ", section)
    return numbers + NUMBER.findall(text)


def _csv(response) -> dict[str, tuple[str, str]]:
    assert response.status_code == 200, response.status_code
    assert response["Content-Type"].startswith("text/csv")
    reader = csv.reader(io.StringIO(response.content.decode()))
    assert next(reader) == ["measure", "value", "label"]
    return {measure: (value, label) for measure, value, label in reader}


def _says_what_of(measure: str) -> bool:
    """Whether a CSV row says what the figures are of (when produced, the filters), not one."""
    return measure in ("produced_at", "small_numbers_suppressed") or measure.startswith("filter:")


def _sent_days_ago(referral: Referral, days: int) -> date:
    """Send the referral `days` days ago (long enough, and every time limit is past)."""
    day = timezone.localdate() - timedelta(days=days)
    Referral.objects.filter(pk=referral.pk).update(requested_at=_at(day))
    return day


def test_a_filter_leaving_small_numbers_shows_none_of_them_anywhere(world, as_persona):
    """The reviewer's case: voluntary referrals of one month, each figure 1 to 7. Every figure on
    the page and in the CSV (the time limits passed, the shares, the medians, the attempts per
    person) is 0, * or nothing for the commissioner's office."""
    made = [
        referral_in(world, "requested", person=reachable_person(world, given_name="Un")),
        referral_in(world, "accepted", person=reachable_person(world, given_name="Dau")),
        referral_in(world, "in-progress", person=reachable_person(world, given_name="Tri")),
        referral_in(world, "completed", person=reachable_person(world, given_name="Pedwar")),
    ]
    for referral in made:
        day = _sent_days_ago(referral, 60)
    # One filter: the commissioner's office filters one way at a time (and these four are the
    # month's only referrals, all voluntary).
    query = {"month": day.strftime("%Y-%m")}

    # The control: the force's inspector sees the exact small numbers, overdue ones included.
    exact = as_persona(INSPECTOR).get("/referrals/funnel", query).content.decode()
    assert "acceptance: 1<br>" in exact
    assert "treatment start: 3" in exact
    assert {"1", "2", "3", "4"} <= set(_page_numbers(exact))

    client = as_persona(OPCC)
    response = client.get("/referrals/funnel", query)
    assert response.status_code == 200
    page = response.content.decode()
    numbers = _page_numbers(page)
    assert "*" in numbers
    assert set(numbers) <= {"0", "*"}, numbers
    section = _figures_section(page)
    assert "acceptance: *" in section
    assert "treatment start: *" in section
    rows = _csv(client.get("/referrals/funnel.csv", query))
    figures_ = {value for measure, (value, _label) in rows.items() if not _says_what_of(measure)}
    assert figures_ <= {"0", "*", ""}, rows
    for measure in (
        "stage:requested",
        "stage:requested:share",
        "stage:accepted:share",
        "overdue:accepted",
        "overdue:first_contact_attempt",
        "overdue:treatment_start",
        "median_working_days:to_accept",
        "median_working_days:to_accept:referrals",
        "contact_attempts_per_person_reached",
        "complete_contact_details_at_first_send",
        "closure:planned_complete",
        f"sent_in_month:{query['month']}",
    ):
        assert rows[measure][0] == "*", measure

    # Another provider's manager counts none of these; a worker may not see the funnel.
    other = _csv(as_persona(PROV_B_MGR).get("/referrals/funnel.csv", {"source": "voluntary"}))
    assert other["stage:requested"][0] == "0"
    assert other["overdue:treatment_start"][0] == "0"
    assert as_persona(PROV_A).get("/referrals/funnel", query).status_code == 403
    assert as_persona(PROV_A).get("/referrals/funnel.csv", query).status_code == 403


def _rounded_or_suppressed(value: str) -> bool:
    return value in ("0", "*") or (int(value) >= 10 and int(value) % 5 == 0)


def test_the_commissioners_office_sees_every_count_rounded_and_no_share_that_reveals_one(
    world, as_persona
):
    """Nine referrals past the treatment time limit, one of them sent with contact details
    incomplete: the office sees 10 (not 9) and no share of complete details (89% would tell it
    one was incomplete). The force's inspector sees the exact figures: the rule rounds for the
    aggregate-only audience alone (docs/referrals.md, "The funnel")."""
    made = [
        referral_in(world, "in-progress", person=reachable_person(world, given_name=f"P{n}"))
        for n in range(9)
    ]
    for referral in made:
        day = _sent_days_ago(referral, 60)
    Referral.objects.filter(pk=made[0].pk).update(complete_at_first_attempt=False)

    office = funnel.compute_funnel(
        funnel.funnel_scope(user=world.users[OPCC]), filters=funnel.FunnelFilters(), suppressed=True
    )
    assert {o["code"]: o["shown"] for o in office.overdue}["treatment_start"] == "10"
    assert office.complete_at_first_send is None
    assert office.complete_at_first_send_shown == "*"
    assert office.attempts_per_person_reached_shown == "1.0"  # 9 people, 9 attempts
    shares = {s["code"]: s["share_shown"] for s in office.stages}
    assert shares["contacted"] == "100%"  # 9 of 9: nothing small in the part or the rest

    rows = _csv(as_persona(OPCC).get("/referrals/funnel.csv", {"month": day.strftime("%Y-%m")}))
    counts = {
        measure: value
        for measure, (value, _label) in rows.items()
        if measure.endswith(":referrals")
        or (
            measure.split(":")[0] in ("stage", "overdue", "now", "closure", "sent_in_month")
            and not measure.endswith(":share")
        )
    }
    assert len(counts) > 10
    assert all(_rounded_or_suppressed(v) for v in counts.values()), counts
    assert rows["overdue:treatment_start"][0] == "10"
    assert rows["complete_contact_details_at_first_send"][0] == "*"
    page = as_persona(OPCC).get("/referrals/funnel").content.decode()
    assert "treatment start: 10" in page
    assert "89%" not in page

    exact = as_persona(INSPECTOR).get("/referrals/funnel").content.decode()
    assert "treatment start: 9" in exact
    assert "89%" in exact
    # Provider B's manager counts none of provider A's referrals; a worker gets 403.
    none = as_persona(PROV_B_MGR).get("/referrals/funnel").content.decode()
    assert "No referrals have been sent yet" in none
    assert "treatment start" not in none
    assert as_persona(PROV_A).get("/referrals/funnel").status_code == 403


def test_medians_are_written_alike_on_the_page_and_in_the_csv(world, as_persona):
    """A median of whole days is written without a decimal point (never 10.0), a half day with
    one place, whether it came out of statistics.median as an int or a float."""
    monday = date(2026, 11, 2)
    for name, treatment_day in (("Un", date(2026, 11, 16)), ("Dau", date(2026, 11, 17))):
        referral = referral_in(world, "completed", person=reachable_person(world, given_name=name))
        Referral.objects.filter(pk=referral.pk).update(
            requested_at=_at(monday),
            accepted_at=_at(monday, 15),
            first_contact_attempt_at=_at(date(2026, 11, 4)),
            first_contacted_at=_at(date(2026, 11, 4)),
            treatment_started_at=_at(treatment_day),
        )
        ContactAttempt.objects.filter(referral=referral).update(attempted_at=_at(date(2026, 11, 4)))
    assert funnel.median_shown(10) == funnel.median_shown(10.0) == "10"
    assert funnel.median_shown(10.5) == "10.5"
    client = as_persona(INSPECTOR)
    rows = _csv(client.get("/referrals/funnel.csv"))
    assert rows["median_working_days:to_accept"][0] == "0"  # median of [0, 0]: 0.0
    assert rows["median_working_days:to_contact"][0] == "2"  # median of [2, 2]: 2.0
    assert rows["median_working_days:to_treatment"][0] == "10.5"  # median of [10, 11]
    assert rows["median_working_days:to_treatment:referrals"][0] == "2"
    assert rows["contact_attempts_per_person_reached"][0] == "1.0"
    page = client.get("/referrals/funnel").content.decode()
    assert "10.5</td>" in page
    assert "2.0</td>" not in page
    # Only 2: the commissioner's office sees no median; a worker may not see the funnel.
    office = _csv(as_persona(OPCC).get("/referrals/funnel.csv"))
    assert office["median_working_days:to_treatment"][0] == "*"
    assert as_persona(PROV_A).get("/referrals/funnel.csv").status_code == 403


@pytest.mark.parametrize(
    "month",
    [
        "2026-13",
        "2026-00",
        "2026-1",
        "0000-01",
        "9999-12",
        "November",
        "2026-11-01",
        "\u0662\u0660\u0662\u0666-11",  # Arabic-Indic digits: `\d` would have matched
    ],
)
def test_a_month_that_does_not_exist_is_refused_and_named(world, as_persona, month):
    referral_in(world, "requested")
    response = as_persona(INSPECTOR).get("/referrals/funnel", {"month": month})
    assert response.status_code == 400
    page = response.content.decode()
    assert 'class="govuk-error-summary"' in page
    assert '<a href="#id_month">Enter the month like 2026-11</a>' in page
    assert 'role="img"' not in page  # no figures that look filtered and are not
    assert "<table" not in page
    # The capability is checked before the filters: a worker gets 403 all the same.
    assert as_persona(PROV_A).get("/referrals/funnel", {"month": month}).status_code == 403


def test_a_real_month_is_accepted(world, as_persona):
    referral = referral_in(world, "requested")
    month = timezone.localdate(referral.requested_at).strftime("%Y-%m")
    response = as_persona(INSPECTOR).get("/referrals/funnel", {"month": month})
    assert response.status_code == 200
    assert "<table" in response.content.decode()
    december = as_persona(INSPECTOR).get("/referrals/funnel", {"month": "2026-12"})
    assert december.status_code == 200
    # Pasted with spaces around it: the same month.
    for pasted_month in (f" {month} ", f"{month}\n"):  # a newline once counted nothing
        pasted = as_persona(INSPECTOR).get("/referrals/funnel", {"month": pasted_month})
        assert pasted.status_code == 200
        assert pasted.context["funnel"].total == 1
    # Provider A as a filter is another organisation for provider B's manager: refused, named.
    other = as_persona(PROV_B_MGR).get("/referrals/funnel", {"provider": world.provider_a.pk})
    assert other.status_code == 400
    assert '<a href="#id_provider">Select a provider from the list.</a>' in other.content.decode()
    assert as_persona(PROV_A).get("/referrals/funnel", {"month": month}).status_code == 403


def _welsh(client: Client) -> Client:
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "cy"
    return client


def test_the_csv_link_with_a_filter_that_is_not_valid_answers_the_page_with_its_error(
    world, as_persona
):
    """Not a plain-text "month: ...": the dashboard page, 400, its error summary linking to the
    field, labelled in the reader's language, and a form that shows the page once corrected."""
    referral_in(world, "requested")
    response = as_persona(OPCC).get("/referrals/funnel.csv", {"month": "2026-13"})
    assert response.status_code == 400
    assert response["Content-Type"].startswith("text/html")
    assert "Content-Disposition" not in response
    page = response.content.decode()
    assert '<a href="#id_month">Enter the month like 2026-11</a>' in page
    assert re.search(r'<label[^>]*for="id_month"[^>]*>\s*Month sent', page)
    assert 'action="/referrals/funnel"' in page
    assert "month:" not in page
    assert 'role="img"' not in page

    welsh = _welsh(as_persona(INSPECTOR)).get("/referrals/funnel.csv", {"month": "2026-13"})
    assert welsh.status_code == 400
    text = welsh.content.decode()
    assert '<a href="#id_month">Rhowch y mis fel 2026-11</a>' in text
    assert re.search(r'<label[^>]*for="id_month"[^>]*>\s*Mis anfon', text)
    assert "month:" not in text
    assert "Gwiriwch yr hidlwyr" not in text

    # Another organisation's provider named in the CSV's filter: the same page, 400.
    other = as_persona(PROV_B_MGR).get("/referrals/funnel.csv", {"provider": world.provider_a.pk})
    assert other.status_code == 400
    assert '<a href="#id_provider">Select a provider from the list.</a>' in other.content.decode()
    assert "stage:" not in other.content.decode()
    # Without the capability: 403 before any filter is read.
    assert as_persona(PROV_A).get("/referrals/funnel.csv", {"month": "2026-13"}).status_code == 403


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


def test_a_time_limit_pont_records_no_milestone_for_is_never_late(world):
    """Reference data may hold a limit no referral field answers: neither the queues'
    condition nor a page counts it (they agree, as the test above holds them to)."""
    referral = referral_in(world, "accepted")
    sent = date(2026, 3, 2)
    Referral.objects.filter(pk=referral.pk).update(
        requested_at=_at(sent), first_contact_attempt_at=_at(sent)
    )
    referral.refresh_from_db()
    ReferralSla.objects.create(
        code="appointment_offered",
        label_en="Appointment offered",
        label_cy="Apwyntiad wedi'i gynnig",
        working_days=1,
        effective_from=date(2020, 1, 1),
        source="test",
    )
    today = sent + timedelta(days=10)  # past the new limit; the 20 days are not yet up
    assert selectors.overdue_milestones(referral, today) == []
    assert not Referral.objects.filter(selectors.overdue_condition(today), pk=referral.pk).exists()


def test_due_dates_count_working_days_from_sending(world):
    referral = referral_in(world, "requested")
    Referral.objects.filter(pk=referral.pk).update(requested_at=_at(date(2026, 12, 24)))
    referral.refresh_from_db()
    due = selectors.due_dates(referral)
    # Christmas, Boxing Day (substitute Monday 28th) and the weekend are not working days.
    assert due["accepted"] == add_working_days(date(2026, 12, 24), 1) == date(2026, 12, 29)
    assert due["treatment_start"] == add_working_days(date(2026, 12, 24), 20)


def _sent_then(world, state: str, name: str) -> Referral:
    """A referral sent, then rejected by the service or cancelled by the officer."""
    from pont.referrals import services

    referral = referral_in(world, "requested", person=reachable_person(world, given_name=name))
    if state == "rejected":
        return services.referral_reject(
            actor=world.users[PROV_A], referral_id=referral.pk, reason="Outside our area"
        )
    return services.referral_cancel(
        actor=world.users[CUSTODY], referral_id=referral.pk, reason="Entered in error"
    )


def test_the_medians_are_labelled_from_sending_and_each_step_is_timed_from_the_one_before(
    world, as_persona
):
    """Each of the first table's medians runs from sending (so they are not the time between
    stages, as the page once said); the second table times each stage from the one before."""
    monday = date(2026, 11, 2)
    referral = referral_in(world, "completed")
    Referral.objects.filter(pk=referral.pk).update(
        requested_at=_at(monday),
        accepted_at=_at(monday, 15),
        first_contact_attempt_at=_at(date(2026, 11, 4)),
        first_contacted_at=_at(date(2026, 11, 4)),  # Wednesday: 2 working days after
        first_attended_at=_at(date(2026, 11, 6)),  # Friday: 2 after that
        treatment_started_at=_at(date(2026, 11, 16)),  # Monday week: 6 after that
    )
    result = _inspectors(world)
    assert {d["code"]: d["median"] for d in result.durations} == {
        "to_accept": 0,
        "to_first_attempt": 2,
        "to_contact": 2,
        "to_treatment": 10,
    }
    assert {d["code"]: d["median"] for d in result.steps} == {
        "sent_to_accepted": 0,
        "accepted_to_reached": 2,
        "reached_to_attended": 2,
        "attended_to_treatment": 6,
    }
    client = as_persona(INSPECTOR)
    page = client.get("/referrals/funnel").content.decode()
    assert "Median time between stages" not in page
    assert "Median working days from sending to each stage" in page
    assert "Median working days from one stage to the next" in page
    rows = _csv(client.get("/referrals/funnel.csv"))
    assert rows["median_working_days:attended_to_treatment"] == ("6", "Attended to treatment start")
    assert rows["median_working_days:attended_to_treatment:referrals"][0] == "1"
    # One referral: the commissioner's office sees no median of it, from sending or between.
    office = _csv(as_persona(OPCC).get("/referrals/funnel.csv"))
    assert office["median_working_days:accepted_to_reached"][0] == "*"
    assert office["median_working_days:accepted_to_reached:referrals"][0] == "*"


def test_where_referrals_are_now_adds_up_to_those_sent(world, as_persona):
    """Open, rejected, cancelled and closed (by reason): each referral sent once, so the rows
    reconcile with the number sent. A draft never sent is not among them."""
    for state, name in (("requested", "Un"), ("accepted", "Dau"), ("in-progress", "Tri")):
        referral_in(world, state, person=reachable_person(world, given_name=name))
    _sent_then(world, "rejected", "Pedwar")
    _sent_then(world, "cancelled", "Pump")
    referral_in(world, "completed", person=reachable_person(world, given_name="Chwech"))
    referral_in(world, "failed", person=reachable_person(world, given_name="Saith"))
    referral_in(world, "cancelled", person=reachable_person(world, given_name="Drafft"))
    result = _inspectors(world)
    now = {n["code"]: n["count"] for n in result.now}
    closed = {c["code"]: c["count"] for c in result.closures}
    assert now == {"open": 3, "rejected": 1, "cancelled": 1}
    assert closed == {"planned_complete": 1, "dna_before_assessment": 1}
    assert sum(now.values()) + sum(closed.values()) == result.total == 7

    client = as_persona(INSPECTOR)
    page = client.get("/referrals/funnel").content.decode()
    where = page[
        page.index("Where referrals are now</h2>") : page.index("Referrals sent each month")
    ]
    assert re.search(r"Still open</th><td[^>]*>3</td>", where)
    assert re.search(r"Rejected by the service</th><td[^>]*>1</td>", where)
    assert re.search(r"Cancelled by the referrer</th><td[^>]*>1</td>", where)
    assert re.search(r"Closed: Planned closure: treatment complete</th><td[^>]*>1</td>", where)
    assert re.search(r"All referrals sent</th><td[^>]*>7</td>", where)
    rows = _csv(client.get("/referrals/funnel.csv"))
    assert rows["now:open"] == ("3", "Still open")
    assert rows["now:rejected"][0] == rows["now:cancelled"][0] == "1"
    # The commissioner's office: each row suppressed like every other count.
    office = _csv(as_persona(OPCC).get("/referrals/funnel.csv"))
    assert {office[f"now:{code}"][0] for code in now} == {"*"}
    office_page = as_persona(OPCC).get("/referrals/funnel").content.decode()
    assert "may not add up to the total" in office_page
    assert set(_page_numbers(office_page)) <= {"0", "*"}


def test_the_office_sees_where_referrals_are_now_rounded(world):
    made = [
        referral_in(world, "requested", person=reachable_person(world, given_name=f"Ar{n}"))
        for n in range(9)
    ]
    assert made
    _sent_then(world, "rejected", "Gwrthod")
    office = funnel.compute_funnel(
        funnel.funnel_scope(user=world.users[OPCC]), filters=funnel.FunnelFilters(), suppressed=True
    )
    assert {n["code"]: n["shown"] for n in office.now} == {
        "open": "10",
        "rejected": "*",
        "cancelled": "0",
    }
    assert office.total_shown == "10"


def test_the_csv_says_when_it_was_produced_and_what_it_is_filtered_by(world, as_persona):
    """Before the figures, in the same three columns: when, whether suppressed, each filter
    (its value as in the query, and what it names in the reader's language)."""
    referral = referral_in(world, "completed")
    Referral.objects.filter(pk=referral.pk).update(requested_at=_at(date(2026, 3, 10)))
    query = {"source": "voluntary", "provider": world.provider_a.pk, "month": "2026-03"}
    before = timezone.now().replace(microsecond=0)
    response = as_persona(INSPECTOR).get("/referrals/funnel.csv", query)
    today = timezone.localdate()
    assert f'filename="pont-referral-funnel-{today:%Y%m%d}.csv"' in response["Content-Disposition"]
    reader = list(csv.reader(io.StringIO(response.content.decode())))
    assert reader[0] == ["measure", "value", "label"]
    assert [row[0] for row in reader[1:7]] == [
        "produced_at",
        "small_numbers_suppressed",
        "filter:source",
        "filter:provider",
        "filter:county",
        "filter:month",
    ]
    assert all(len(row) == 3 for row in reader)  # one table: every row the same three columns
    rows = _csv(response)
    assert before <= datetime.fromisoformat(rows["produced_at"][0]) <= timezone.now()
    assert rows["small_numbers_suppressed"][0] == "no"
    assert rows["filter:source"][0] == "voluntary"
    assert rows["filter:provider"] == (str(world.provider_a.pk), world.provider_a.display_name)
    assert rows["filter:county"] == ("", "All counties")
    assert rows["filter:month"] == ("2026-03", "March 2026")
    assert rows["stage:requested"][0] == "1"

    office = _csv(as_persona(OPCC).get("/referrals/funnel.csv"))
    assert office["small_numbers_suppressed"][0] == "yes"
    assert office["filter:month"] == ("", "All months")
    welsh = _csv(_welsh(as_persona(INSPECTOR)).get("/referrals/funnel.csv", query))
    assert welsh["filter:month"] == ("2026-03", "Mawrth 2026")


def test_names_in_the_csv_never_run_as_formulas(world, as_persona):
    """A provider's or a closure reason's name is typed by people: a spreadsheet must not run
    one that starts like a formula."""
    from pont.referrals.models import ClosureReason

    referral_in(world, "completed")
    type(world.provider_a).objects.filter(pk=world.provider_a.pk).update(
        name='=HYPERLINK("http://example.com","Click")'
    )
    ClosureReason.objects.filter(code="planned_complete").update(label_en="@SUM(1+1)")
    rows = _csv(
        as_persona(INSPECTOR).get("/referrals/funnel.csv", {"provider": world.provider_a.pk})
    )
    assert rows["filter:provider"][1] == '\'=HYPERLINK("http://example.com","Click")'
    assert rows["closure:planned_complete"] == ("1", "'@SUM(1+1)")


def test_months_are_named_and_an_empty_month_in_the_range_counts_0(world, as_persona):
    for name, day in (("Un", date(2026, 8, 12)), ("Dau", date(2026, 10, 5))):
        referral = referral_in(world, "requested", person=reachable_person(world, given_name=name))
        Referral.objects.filter(pk=referral.pk).update(requested_at=_at(day))
    result = _inspectors(world)
    assert [(m["month"], m["count"]) for m in result.by_month] == [
        ("2026-08", 1),
        ("2026-09", 0),
        ("2026-10", 1),
    ]
    client = as_persona(INSPECTOR)
    page = client.get("/referrals/funnel").content.decode()
    months = page[page.index("Referrals sent each month</h2>") :]
    assert re.search(r"August 2026</th><td[^>]*>1</td>", months)
    assert re.search(r"September 2026</th><td[^>]*>0</td>", months)
    assert "2026-09" not in months
    welsh = _welsh(as_persona(INSPECTOR)).get("/referrals/funnel").content.decode()
    assert "Medi 2026</th>" in welsh
    # The CSV keeps the code, the label names the month; the office sees 1 as * and 0 as 0.
    rows = _csv(client.get("/referrals/funnel.csv"))
    assert rows["sent_in_month:2026-09"] == ("0", "September 2026")
    office = _csv(as_persona(OPCC).get("/referrals/funnel.csv"))
    assert [office[f"sent_in_month:2026-{m}"][0] for m in ("08", "09", "10")] == ["*", "0", "*"]


def test_filters_matching_nothing_say_so_instead_of_empty_tables(world, as_persona):
    referral_in(world, "requested")
    client = as_persona(INSPECTOR)
    response = client.get("/referrals/funnel", {"source": "stop_search"})
    assert response.status_code == 200
    page = response.content.decode()
    assert "No referrals match these filters" in page
    assert 'role="img"' not in page
    assert "<table" not in page
    assert "/referrals/funnel.csv?source=stop_search" in page  # a file of zeros, if wanted
    # With no filters and nothing sent: said plainly, not as a filter's fault.
    none = as_persona(PROV_B_MGR).get("/referrals/funnel").content.decode()
    assert "No referrals have been sent yet" in none
    assert "No referrals match these filters" not in none
    assert "<table" not in none
    # Something to show: no such message.
    assert "No referrals" not in client.get("/referrals/funnel").content.decode()


def test_each_section_has_its_heading_and_the_chart_keeps_readable_text(world, as_persona):
    referral_in(world, "completed")
    page = as_persona(INSPECTOR).get("/referrals/funnel").content.decode()
    main = page[page.index("<main") : page.index("</main>")]
    headings = re.findall(r"<h2 [^>]*>([^<]*)</h2>", main)
    assert headings == [
        "From referral to treatment",
        "How long each step takes",
        "Contact and time limits",
        "Where referrals are now",
        "Referrals sent each month",
        "Download",
    ]
    # Drawn at its own size (text 16px), in a region that scrolls sideways and takes focus,
    # named by its section's heading; never shrunk to fit a narrow screen.
    region = re.search(
        r'<div class="pont-table-scroll" tabindex="0" role="region" '
        r'aria-labelledby="funnel-stages"><svg [^>]*>',
        page,
    )
    assert region
    assert 'width="640"' in region.group(0)
    assert 'width="100%"' not in region.group(0)
    assert 'font-size="16"' in page


def test_those_who_see_figures_rounded_filter_one_way_at_a_time(world, as_persona):
    """A county's figures by source, beside the county's and each source's, differenced
    through the exact zeros, gave back a hidden cell exactly (a walk's solver did)."""
    referral_in(world, "requested")
    office = as_persona(OPCC)
    both = {"source": "voluntary", "county": "Carmarthenshire"}
    for path in ("/referrals/funnel", "/referrals/funnel.csv"):
        refused = office.get(path, both)
        assert refused.status_code == 400
        assert "Choose one filter at a time" in refused.content.decode()
    assert office.get("/referrals/funnel", {"source": "voluntary"}).status_code == 200
    assert office.get("/referrals/funnel", {"county": "Carmarthenshire"}).status_code == 200
    assert "Filter by one thing at a time." in office.get("/referrals/funnel").content.decode()
    # Those who see exact figures combine them as they like.
    inspector = as_persona(INSPECTOR)
    assert inspector.get("/referrals/funnel", both).status_code == 200
    assert (
        "Filter by one thing at a time." not in inspector.get("/referrals/funnel").content.decode()
    )
    # Without the capability: refused.
    assert as_persona(CUSTODY).get("/referrals/funnel", both).status_code == 403
