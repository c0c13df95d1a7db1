"""The out-of-court disposals dashboard: exact figures from a small known set of disposals,
working days across bank holidays, the reoffending window, the filters, suppression for the
commissioner's office, the CSV, and who may look at whose numbers."""

import csv
import io
from datetime import date, datetime, timedelta

import pytest
from django.utils import timezone

from pont.accounts import services as accounts
from pont.accounts.roles import Role
from pont.disposals import dashboard, documents, services
from pont.disposals.models import Disposal
from pont.drug_testing.models import DrugTest
from pont.people import services as people
from pont.testing.disposals import (
    add_condition,
    attended,
    authorised,
    backdated,
    breach_decided,
    conditional_caution,
    contact_attempted,
    decision_values,
    drug_service,
    failed_condition,
    issued,
    recorded_disposal,
)
from pont.testing.drug_testing import positive_test
from pont.testing.personas import (
    CUSTODY,
    FRONTLINE,
    INSPECTOR,
    OPCC,
    OPSLEAD,
    PANEL,
    PROV_A,
    TEST_PASSWORD,
    client_for,
)
from pont.testing.referrals import reachable_person

URL = "/disposals/dashboard"
CSV_URL = "/disposals/dashboard.csv"
# The end of the data for the known set: reoffending counts disposals issued by 1 July 2025.
TODAY = date(2026, 7, 1)


@pytest.fixture(autouse=True)
def fast_notice(monkeypatch):
    """The figures are under test, not the notice: a small stand-in PDF."""
    monkeypatch.setattr(documents, "notice_pdf", lambda data: f"%PDF-1.7 {data.reference}".encode())


def _at(day: date, hour: int = 10, minute: int = 0) -> datetime:
    return timezone.make_aware(
        datetime.combine(day, datetime.min.time()).replace(hour=hour, minute=minute)
    )


def _referral(disposal: Disposal, code: str = "drug_assessment"):
    return disposal.conditions.get(condition_type__code=code).referral


def _arrested(world, person, at: datetime) -> DrugTest:
    """A drug test in custody records the person's arrest at `at`."""
    test = positive_test(world, person=person)
    DrugTest.objects.filter(pk=test.pk).update(
        arrested_at=at, sample_taken_at=at + timedelta(hours=2)
    )
    return test


def _ceredigion(world):
    return accounts.organisation_create(
        actor=None, name="Ceredigion", slug="ceredigion", kind="area", parent=world.force
    )


def _known_disposals(world) -> dict[str, Disposal]:
    """Five issued disposals over 2025, through the services, and two that do not count.

    D1  Carmarthenshire, Rhys: community resolution (lower), cocaine possession (drugs), drug
        assessment attended: completed. Issued Thursday 17 April 2025; the service's first
        attempt on Tuesday 22 April: 1 working day (Good Friday and Easter Monday between).
    D2  Carmarthenshire, Nia: conditional caution (upper), actual bodily harm (gravity 3) and
        criminal damage (2): violence. Drug assessment failed: breached, prosecuted (closed).
        Issued Monday 2 June 2025; first attempt Friday 6 June: 4 working days. Nia was
        arrested again on 1 March 2026 (a drug test in custody).
    D3  Ceredigion, Gwen: community resolution, theft from a shop (theft), no conditions:
        completed at issue, 10 June 2025. Gwen was arrested later that same day and again on
        11 June 2026, 366 days on: neither counts.
    D4  Carmarthenshire, Rhys again: community resolution for being drunk and disorderly and
        possessing cannabis (both gravity 1: the first recorded, public order), offence on
        1 August 2025, issued 5 August; apology not made: breached, awaiting the decision;
        its drug assessment referral has no contact attempt yet. A later disposal for D1.
    D5  Ceredigion, Owain: diversion (Outcome 22), cocaine possession (drugs), a drug
        awareness course: running. Issued at 00:30 on 1 September 2025 (British Summer Time:
        31 August in UTC): September. First attempt Wednesday 3 September: 2 working days.
    Not counted: a draft, and a conditional caution authorised but not yet issued.
    """
    ceredigion = _ceredigion(world)
    rhys = reachable_person(world, given_name="Rhys")
    nia = reachable_person(world, given_name="Nia")
    gwen = reachable_person(world, given_name="Gwen")
    owain = reachable_person(world, given_name="Owain")
    service = drug_service(world)

    d1 = recorded_disposal(world, person_id=rhys.pk)
    add_condition(world, d1, "drug_assessment", service_id=service.pk)
    issued(world, d1)
    attended(world, d1)

    d2 = conditional_caution(
        world,
        person=nia,
        offences=[("actual_bodily_harm", "Punched a man"), ("criminal_damage", "Broke a window")],
    )
    issued(world, d2)
    failed_condition(world, d2, "drug_assessment")
    breach_decided(world, d2, "prosecute")

    d3 = issued(
        world,
        recorded_disposal(
            world, person_id=gwen.pk, area_id=ceredigion.pk, offences=[("shop_theft", "")]
        ),
    )

    d4 = recorded_disposal(
        world,
        person_id=rhys.pk,
        offences=[("drunk_disorderly", ""), ("possession_class_b", "")],
    )
    add_condition(world, d4, "apology")
    add_condition(world, d4, "drug_assessment", service_id=service.pk)
    issued(world, d4)
    failed_condition(world, d4, "apology")

    d5 = recorded_disposal(
        world,
        person_id=owain.pk,
        area_id=ceredigion.pk,
        scheme_code="outcome_22",
        decision_reason="Diversion to the drug awareness course",
    )
    add_condition(world, d5, "drug_awareness_course", service_id=service.pk)
    issued(world, d5)

    recorded_disposal(world, person_id=owain.pk)  # a draft
    authorised(world, conditional_caution(world, person=nia))

    d1 = backdated(d1, issued_at=_at(date(2025, 4, 17)), offence_date=date(2025, 4, 15))
    contact_attempted(_referral(d1), _at(date(2025, 4, 22), 9))
    d2 = backdated(d2, issued_at=_at(date(2025, 6, 2)), offence_date=date(2025, 5, 30))
    contact_attempted(_referral(d2), _at(date(2025, 6, 6), 16))
    d3 = backdated(d3, issued_at=_at(date(2025, 6, 10), 11))
    d4 = backdated(d4, issued_at=_at(date(2025, 8, 5)), offence_date=date(2025, 8, 1))
    contact_attempted(_referral(d4), None)
    d5 = backdated(d5, issued_at=_at(date(2025, 9, 1), 0, 30), offence_date=date(2025, 8, 30))
    contact_attempted(_referral(d5, "drug_awareness_course"), _at(date(2025, 9, 3), 14))

    _arrested(world, nia, _at(date(2026, 3, 1), 22))
    _arrested(world, gwen, _at(date(2025, 6, 10), 15))  # the day of issue: not later
    _arrested(world, gwen, _at(date(2026, 6, 11), 9))  # 366 days on: outside the year
    return {"d1": d1, "d2": d2, "d3": d3, "d4": d4, "d5": d5}


@pytest.fixture
def known(world) -> dict[str, Disposal]:
    return _known_disposals(world)


def _compute(user, suppressed: bool = False, today: date = TODAY, **filters):
    return dashboard.compute_dashboard(
        dashboard.dashboard_scope(user=user),
        filters=dashboard.DashboardFilters(**filters),
        suppressed=suppressed,
        today=today,
    )


def _figures(result: dashboard.Dashboard, code: str) -> dict[str, tuple]:
    """A section's rows as code -> (count, out of, share as shown)."""
    return {f.code: (f.count, f.base, f.share_shown) for f in result.by_code[code].rows}


def _shown(result: dashboard.Dashboard, code: str) -> dict[str, tuple[str, str, str]]:
    return {f.code: (f.shown, f.base_shown, f.share_shown) for f in result.by_code[code].rows}


# The figures ------------------------------------------------------------------------


def test_issued_disposals_are_counted_by_local_month_of_issue_tier_type_group_and_area(
    world, known
):
    result = _compute(world.users[INSPECTOR])
    assert (result.total.count, result.total.shown) == (5, "5")  # not the draft nor the waiting
    assert _figures(result, "by_month") == {
        "2025-04": (1, None, ""),
        "2025-06": (2, None, ""),
        "2025-08": (1, None, ""),
        "2025-09": (1, None, ""),  # D5: 00:30 BST on 1 September
    }
    assert [str(f.label) for f in result.by_code["by_month"].rows] == [
        "April 2025",
        "June 2025",
        "August 2025",
        "September 2025",
    ]
    assert _figures(result, "by_tier") == {
        "lower": (3, 5, "60%"),
        "upper": (1, 5, "20%"),
        "diversion": (1, 5, "20%"),
    }
    assert _figures(result, "by_scheme") == {
        "community_resolution": (3, 5, "60%"),
        "conditional_caution": (1, 5, "20%"),
        "outcome_22": (1, 5, "20%"),
    }
    assert [str(f.label) for f in result.by_code["by_scheme"].rows][:2] == [
        "Community Resolution",
        "Conditional Caution",
    ]
    # The most serious offence: D2's assault (3) over its damage (2); D4's first of two 1s.
    assert _figures(result, "by_offence_group") == {
        "drugs": (2, 5, "40%"),
        "theft": (1, 5, "20%"),
        "criminal_damage": (0, 5, "0%"),
        "public_order": (1, 5, "20%"),
        "violence": (1, 5, "20%"),
        "other": (0, 5, "0%"),
    }
    assert _figures(result, "by_area") == {
        "Carmarthenshire": (3, 5, "60%"),
        "Ceredigion": (2, 5, "40%"),
    }


def test_referrals_time_to_first_contact_outcomes_and_breach_decisions_are_exact(world, known):
    result = _compute(world.users[INSPECTOR])
    assert _figures(result, "referral") == {
        "with_referral": (4, 5, "80%"),  # all but D3
        "without_referral": (1, 5, "20%"),
    }
    # D1: 1 working day (Good Friday and Easter Monday are not), D2: 4, D5: 2; D4: no attempt.
    assert (result.to_first_contact.n, result.to_first_contact.median) == (3, 2)
    assert _figures(result, "first_contact") == {
        "within_2": (2, 3, "67%"),
        "3_to_5": (1, 3, "33%"),
        "6_to_10": (0, 3, "0%"),
        "over_10": (0, 3, "0%"),
        "no_attempt": (1, None, ""),
    }
    assert _figures(result, "outcome") == {
        "completed": (2, 4, "50%"),  # D1, D3
        "breached": (2, 4, "50%"),  # D2 (closed), D4 (awaiting the decision)
        "running": (1, None, ""),  # D5
    }
    assert _figures(result, "breach_decision") == {
        "awaiting": (1, 2, "50%"),
        "prosecute": (1, 2, "50%"),
        "financial_penalty": (0, 2, "0%"),
        "no_further_action": (0, 2, "0%"),
    }
    key = result.key_figures
    assert (key["with_referral"].share_shown, key["completed"].share_shown) == ("80%", "50%")


def test_without_the_bank_holidays_the_median_would_be_another(world, known):
    """D1's 17 to 22 April 2025 spans Good Friday and Easter Monday: 1 working day, not 3."""
    from pont.core.working_days import working_days_between

    assert working_days_between(date(2025, 4, 17), date(2025, 4, 22)) == 1
    assert working_days_between(date(2025, 8, 22), date(2025, 8, 27)) == 2  # August bank holiday
    result = _compute(world.users[INSPECTOR], start=date(2025, 4, 1), end=date(2025, 5, 1))
    assert (result.to_first_contact.n, result.to_first_contact.median) == (1, 1)


def test_the_clock_to_first_contact_starts_at_the_decision_not_at_issue(world, known):
    """D1 decided on Monday 14 April 2025, issued on the 17th: 4 working days to the 22nd."""
    Disposal.objects.filter(pk=known["d1"].pk).update(decided_on=date(2025, 4, 14))
    result = _compute(world.users[INSPECTOR], start=date(2025, 4, 1), end=date(2025, 5, 1))
    assert (result.to_first_contact.n, result.to_first_contact.median) == (1, 4)


def test_reoffending_counts_a_later_arrest_or_disposal_within_the_year_of_old_enough_ones(
    world, known
):
    result = _compute(world.users[INSPECTOR])
    assert result.reoffending_cutoff == date(2025, 7, 1)
    # D1, D2 and D3 were issued by 1 July 2025; D4 and D5 too recently to count.
    # D1: Rhys's later disposal (D4, for an offence on 1 August 2025); D2: Nia's arrest on
    # 1 March 2026; D3: Gwen's arrests on the day of issue and 366 days on do not count.
    assert _figures(result, "reoffending") == {
        "arrest": (1, 3, "33%"),
        "disposal": (1, 3, "33%"),
        "any": (2, 3, "67%"),
    }
    earlier = _compute(world.users[INSPECTOR], today=date(2026, 6, 1))  # D1 only
    assert _figures(earlier, "reoffending")["any"] == (1, 1, "100%")
    assert _figures(_compute(world.users[INSPECTOR], today=date(2026, 4, 1)), "reoffending")[
        "any"
    ] == (0, 0, "–")


def test_the_reoffending_window_ends_365_days_after_the_day_of_issue(world):
    """Issued 2 January 2025: an arrest on 2 January 2026 counts, on the 3rd does not."""
    for name, arrest in (("Alun", date(2026, 1, 2)), ("Bethan", date(2026, 1, 3))):
        person = reachable_person(world, given_name=name)
        disposal = issued(world, recorded_disposal(world, person_id=person.pk))
        backdated(disposal, issued_at=_at(date(2025, 1, 2), 16))
        _arrested(world, person, _at(arrest, 8))
    inspector = world.users[INSPECTOR]
    result = _compute(inspector, today=date(2026, 1, 2))
    assert _figures(result, "reoffending")["arrest"] == (1, 2, "50%")
    assert _figures(result, "reoffending")["disposal"] == (0, 2, "0%")
    # A day before the whole year has passed, neither has had it: none is counted.
    assert _figures(_compute(inspector, today=date(2026, 1, 1)), "reoffending")["any"] == (
        0,
        0,
        "–",
    )


def test_the_area_and_month_filters_select_by_area_and_local_month_of_issue(world, known):
    inspector = world.users[INSPECTOR]
    ceredigion = known["d3"].area_id
    june = _compute(inspector, start=date(2025, 6, 1), end=date(2025, 7, 1))
    assert june.total.count == 2  # D2, D3
    assert _figures(june, "outcome")["completed"] == (1, 2, "50%")
    august = _compute(inspector, start=date(2025, 8, 1), end=date(2025, 9, 1))
    assert august.total.count == 1  # D4 only: D5 is September's in local time
    area = _compute(inspector, area_id=ceredigion)
    assert area.total.count == 2
    assert _figures(area, "by_area") == {"Ceredigion": (2, 2, "100%")}
    both = _compute(inspector, area_id=ceredigion, start=date(2025, 9, 1), end=date(2025, 10, 1))
    assert both.total.count == 1  # D5
    assert (both.to_first_contact.n, both.to_first_contact.median) == (1, 2)
    assert _compute(inspector, start=date(2025, 10, 1)).total.count == 0


def test_the_figures_take_a_handful_of_queries_however_many_disposals(
    world, known, django_assert_max_num_queries
):
    inspector = world.users[INSPECTOR]
    scope = dashboard.dashboard_scope(user=inspector)
    # Disposals, offences, referrals, areas, disposal labels, then one per kind of later event.
    with django_assert_max_num_queries(8):
        dashboard.compute_dashboard(
            scope, filters=dashboard.DashboardFilters(), suppressed=False, today=TODAY
        )


def test_the_commissioners_office_sees_every_small_number_and_share_suppressed(world, known):
    result = _compute(world.users[OPCC], suppressed=True)
    assert (result.total.count, result.total.shown) == (5, "*")
    assert _shown(result, "by_tier")["lower"] == ("*", "*", "*")
    assert _shown(result, "by_offence_group")["other"] == ("0", "*", "*")
    assert all(
        figure.share_shown in ("*", "–", "")
        for section in result.sections
        for figure in section.rows
    )
    assert (result.to_first_contact.shown, result.to_first_contact.median) == ("*", None)


# Who sees whose numbers ------------------------------------------------------------------


def _gwent(world) -> tuple[object, object]:
    """Gwent Police, its Newport area, a front-line officer and an inspector, and one disposal
    issued there (through the services, by Gwent's own officers)."""
    gwent = accounts.organisation_create(
        actor=None, name="Gwent Police", slug="gwent", kind="force"
    )
    newport = accounts.organisation_create(
        actor=None, name="Newport", slug="newport", kind="area", parent=gwent
    )
    staff = {}
    for code, role in (("officer", Role.FRONTLINE_OFFICER), ("inspector", Role.INSPECTOR)):
        user, _initial = accounts.user_create(
            actor=None,
            username=f"gwent-{code}",
            given_name="Gwent",
            family_name=code.title(),
            email=f"gwent-{code}@example.test",
            password=TEST_PASSWORD,
        )
        accounts.membership_create(actor=None, user=user, organisation=newport, role=role)
        staff[code] = user
    person = people.person_create(
        actor=staff["officer"],
        given_name="Iwan",
        family_name="Morgan",
        date_of_birth=date(1990, 1, 1),
        gender="male",
        confirmed_new=True,
    )
    disposal = services.disposal_record(
        **decision_values(world, actor=staff["officer"], person_id=person.pk, area_id=newport.pk)
    )
    disposal = services.disposal_submit(
        actor=staff["officer"], disposal_id=disposal.pk, expected_version=disposal.version
    )
    disposal = services.disposal_authorise(
        actor=staff["inspector"],
        disposal_id=disposal.pk,
        approve=True,
        expected_version=disposal.version,
    )
    services.disposal_issue(
        actor=staff["officer"],
        disposal_id=disposal.pk,
        agreement_confirmed=True,
        expected_version=disposal.version,
    )
    backdated(disposal, issued_at=_at(date(2025, 6, 20)))
    return newport, staff["inspector"]


def test_another_forces_disposals_are_not_counted_and_its_areas_cannot_be_chosen(
    world, known, as_persona
):
    newport, gwent_inspector = _gwent(world)
    assert _compute(world.users[INSPECTOR]).total.count == 5
    assert _compute(world.users[OPSLEAD]).total.count == 5
    theirs = _compute(gwent_inspector)
    assert theirs.total.count == 1
    assert _figures(theirs, "by_area") == {"Newport": (1, 1, "100%")}
    # The commissioner's office oversees the whole force area, in aggregate (as on the
    # custody dashboard and the referral funnel).
    assert _compute(world.users[OPCC], suppressed=True).total.count == 6
    page = as_persona(INSPECTOR).get(URL)
    assert page.context["dashboard"].total.count == 5
    assert "Newport" not in page.content.decode()
    refused = as_persona(INSPECTOR).get(URL, {"area": newport.pk})
    assert refused.status_code == 400
    assert "Select an area from the list." in refused.content.decode()
    csv_body = as_persona(INSPECTOR).get(CSV_URL).content.decode()
    assert "Newport" not in csv_body
    assert dict(list(csv.reader(io.StringIO(csv_body)))[1:])["disposals:total"] == "5"


# The pages ----------------------------------------------------------------------------


@pytest.mark.parametrize(("persona", "total"), [(INSPECTOR, "5"), (OPSLEAD, "5"), (OPCC, "*")])
def test_each_role_with_the_capability_sees_the_dashboard(world, known, persona, total, as_persona):
    response = as_persona(persona).get(URL)
    assert response.status_code == 200
    body = response.content.decode()
    assert f'id="total-disposals">{total}<' in body
    assert 'id="reoffending-window"' in body
    # Every chart is drawn next to a table of its figures.
    charts = [section.code for section, chart in response.context["sections"] if chart]
    assert {"by_month", "by_tier", "by_offence_group", "by_area", "reoffending"} <= set(charts)
    for section, chart in response.context["sections"]:
        if chart:
            assert f'id="chart-{section.code}"' in chart
            assert f'id="table-{section.code}"' in body


@pytest.mark.parametrize("persona", [CUSTODY, FRONTLINE, PROV_A, PANEL])
def test_roles_without_the_capability_are_refused_the_dashboard_and_its_csv(
    world, persona, as_persona
):
    client = as_persona(persona)
    assert client.get(URL).status_code == 403
    assert client.get(CSV_URL).status_code == 403


def test_the_commissioners_office_page_names_no_one_and_explains_the_suppression(world, known):
    response = client_for(world, OPCC).get(URL)
    assert response.status_code == 200
    body = response.content.decode()
    assert "Figures from 1 to 7 are shown as *" in body
    assert 'id="total-disposals">*<' in body
    assert 'id="completion-rate">*<' in body
    for name in ("Rhys", "Nia", "Gwen", "Owain", "Parry", "OOCD-"):
        assert name not in body


def test_the_page_says_which_disposals_reoffending_is_counted_for(world, known, as_persona):
    body = as_persona(INSPECTOR).get(URL).content.decode()
    cutoff = timezone.localdate() - timedelta(days=365)
    assert f"Counted only for disposals issued on or before {cutoff:%-d %B %Y}" in body


@pytest.mark.parametrize(
    ("query", "field", "message"),
    [
        ({"start": "2025-13"}, "start", "Enter the month like 2026-11"),
        ({"start": "0000-01"}, "start", "Enter the month like 2026-11"),
        ({"end": "9999-12"}, "end", "Enter the month like 2026-11"),
        ({"end": "June"}, "end", "Enter the month like 2026-11"),
        (
            {"start": "2025-10", "end": "2025-09"},
            "end",
            "The end of the period must be the same as or after its start.",
        ),
        ({"area": "abc"}, "area", "Select an area from the list."),
        ({"area": "999999"}, "area", "Select an area from the list."),
    ],
)
def test_bad_filters_are_refused_naming_the_field(world, known, as_persona, query, field, message):
    client = as_persona(INSPECTOR)
    for url in (URL, CSV_URL):
        response = client.get(url, query)
        assert response.status_code == 400
        assert response["Content-Type"].startswith("text/html")
        body = response.content.decode()
        assert "There is a problem" in body
        assert f'href="#id_{field}"' in body
        assert message in body


def test_the_csv_holds_exactly_the_figures_of_the_page(world, known, as_persona):
    client = as_persona(INSPECTOR)
    query = {"start": "2025-06", "end": "2025-09"}
    page = client.get(URL, query)
    assert page.status_code == 200
    assert 'href="/disposals/dashboard.csv?start=2025-06&amp;end=2025-09"' in (
        page.content.decode()
    )
    response = client.get(CSV_URL, query)
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == (
        'attachment; filename="pont-out-of-court-disposals.csv"'
    )
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0] == ["measure", "value"]
    assert [tuple(row) for row in rows[1:]] == dashboard.csv_rows(page.context["dashboard"])
    values = dict(rows[1:])
    assert values["disposals:total"] == "4"  # D2, D3, D4, D5
    assert values["by_month:2025-06"] == "2"
    assert values["by_tier:lower"] == "2"
    assert values["by_tier:lower:out_of"] == "4"
    assert values["by_tier:lower:share"] == "0.50"
    assert values["by_area:Ceredigion"] == "2"
    assert values["referral:with_referral"] == "3"
    assert values["outcome:completed"] == "1"
    assert values["outcome:completed:out_of"] == "3"
    assert values["first_contact:no_attempt"] == "1"
    assert values["working_days_decision_to_first_contact_attempt:referrals"] == "2"
    assert values["working_days_decision_to_first_contact_attempt:median"] == "3"  # 4 and 2
    assert (
        values["reoffending:issued_on_or_before"]
        == (timezone.localdate() - timedelta(days=365)).isoformat()
    )


def test_the_commissioners_office_csv_is_suppressed_too(world, known):
    response = client_for(world, OPCC).get(CSV_URL)
    assert response.status_code == 200
    values = dict(list(csv.reader(io.StringIO(response.content.decode())))[1:])
    assert values["disposals:total"] == "*"
    assert values["by_tier:lower"] == "*"
    assert values["by_tier:lower:share"] == ""
    assert values["working_days_decision_to_first_contact_attempt:median"] == ""


def test_an_empty_dashboard_shows_no_disposals_and_no_shares(world, as_persona):
    response = as_persona(INSPECTOR).get(URL)
    assert response.status_code == 200
    result = response.context["dashboard"]
    assert result.total.count == 0
    assert _figures(result, "outcome")["completed"] == (0, 0, "–")
    assert result.to_first_contact.median is None
    assert "No disposals match." in response.content.decode()


def test_the_dashboard_is_in_the_navigation_of_those_who_may_see_it(world, as_persona):
    link = 'href="/disposals/dashboard"'
    assert link in as_persona(OPSLEAD).get("/").content.decode()
    assert link not in as_persona(FRONTLINE).get("/").content.decode()
