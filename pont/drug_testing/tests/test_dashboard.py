"""The custody drug testing dashboard: exact figures from a small known set of tests, the
filters, small-number suppression for the commissioner's office, the CSV, and who may look."""

import csv
import io
from datetime import date, datetime, timedelta

import pytest
from django.utils import timezone

from pont.accounts import services as accounts
from pont.accounts.roles import Role
from pont.core.figures import Counting
from pont.drug_testing import dashboard, documents, services
from pont.drug_testing.models import BreachCase, DrugTest, RequiredAssessment
from pont.people import services as people
from pont.referrals import services as referrals
from pont.referrals.models import Referral
from pont.testing.drug_testing import imposed_assessment, positive_test, suite_arranged
from pont.testing.personas import (
    CUSTODY,
    FRONTLINE,
    INSPECTOR,
    OPCC,
    OPSLEAD,
    PANEL,
    PROV_A,
    PROV_A_MGR,
    TEST_PASSWORD,
    client_for,
)
from pont.testing.referrals import reachable_person, released_person

URL = "/custody/drug-tests/dashboard"
CSV_URL = "/custody/drug-tests/dashboard.csv"
ABERYSTWYTH = "Aberystwyth custody suite"
LLANELLI = "Llanelli custody suite"


@pytest.fixture(autouse=True)
def fast_documents(monkeypatch):
    """The figures are under test, not the notices: a small stand-in PDF for each."""
    monkeypatch.setattr(documents, "notice_pdf", lambda data: b"%PDF-1.7 " + data.kind.encode())
    monkeypatch.setattr(documents, "breach_pack_pdf", lambda data: b"%PDF-1.7 pack")


def _at(day: date, hour: int = 10, minute: int = 0) -> datetime:
    return timezone.make_aware(
        datetime.combine(day, datetime.min.time()).replace(hour=hour, minute=minute)
    )


def _attend(world, assessment: RequiredAssessment, attendance: str, appointment=None):
    """The provider records attendance at an appointment that has just happened."""
    appointment = appointment or assessment.initial_appointment
    appointment.__class__.objects.filter(pk=appointment.pk).update(
        starts_at=timezone.now() - timedelta(hours=1)
    )
    referrals.attendance_record(
        actor=world.users[PROV_A],
        referral_id=assessment.referral_id,
        appointment_id=appointment.pk,
        attendance=attendance,
    )
    assessment.refresh_from_db()
    return assessment


def _accept(world, assessment: RequiredAssessment, already_known: bool | None) -> None:
    referrals.referral_accept(
        actor=world.users[PROV_A], referral_id=assessment.referral_id, already_known=already_known
    )


def _decide(world, assessment: RequiredAssessment, decision: str) -> BreachCase:
    breach = BreachCase.objects.get(assessment=assessment)
    services.breach_decide(
        actor=world.users[INSPECTOR],
        breach_id=breach.pk,
        decision=decision,
        reason="Considered on the evidence pack.",
        expected_version=breach.version,
    )
    breach.refresh_from_db()
    return breach


def _moved(test: DrugTest, *, sample: datetime | None, arrested: datetime | None = None) -> None:
    """Put a test (recorded just now) back in time, as if it had been recorded then."""
    DrugTest.objects.filter(pk=test.pk).update(
        sample_taken_at=sample, arrested_at=arrested or (sample - timedelta(hours=3))
    )


def _first_contact(assessment: RequiredAssessment, at: datetime | None) -> None:
    Referral.objects.filter(pk=assessment.referral_id).update(first_contact_attempt_at=at)


def _known_tests(world) -> dict[str, DrugTest]:
    """Eight tests in two suites over September and October 2026, through the services.

    T1  Llanelli, 5 Oct: cocaine. RA; already known; attended; follow-up required and
        missed (s.14 breach, charged, convicted). First contact attempt 1 working day on.
    T2  Llanelli, 1 Oct: cocaine and opiates. RA; not known before; failed to attend
        (s.12 breach, no further action). First contact attempt 4 working days on.
    T3  Aberystwyth, 15 Sep: negative. The same person as T1. A Class A possession
        offence not confirmed as Class A, so the inspector's authorisation allowed it.
    T4  Llanelli, 20 Sep: opiates. RA refused: no release address at the first attempt.
    T5  Llanelli: refused, arrested at 00:30 on 1 Oct (British Summer Time): October.
    T6  Aberystwyth, 12 Oct: cocaine disputed and not confirmed: not a positive.
    T7  Llanelli, 14 Oct: cocaine. RA; nothing recorded on knowing them; left early
        (s.12 breach, not yet decided).
    T8  Aberystwyth, 20 Oct: cocaine. RA; already known; attended; requirement ceased.
    """
    area = accounts.organisation_create(
        actor=None, name="Ceredigion", slug="ceredigion", kind="area", parent=world.force
    )
    aberystwyth = accounts.organisation_create(
        actor=None, name=ABERYSTWYTH, slug="aberystwyth", kind="custody_suite", parent=area
    )
    suite_arranged(world)
    suite_arranged(world, suite=aberystwyth)
    cocaine = {"cocaine": "positive", "opiates": "negative"}
    rhys = released_person(world, given_name="Rhys")

    t1 = positive_test(world, person=rhys, results=cocaine)
    a1 = imposed_assessment(world, test=t1)
    _accept(world, a1, already_known=True)
    a1 = _attend(world, a1, "attended")
    a1 = services.follow_up_require(
        actor=world.users[PROV_A],
        assessment_id=a1.pk,
        appointment_at=timezone.now() + timedelta(days=7),
        place="Hub, Llanelli",
    )
    a1 = _attend(world, a1, "did_not_attend", a1.follow_up_appointment)
    breach = _decide(world, a1, "charge")
    services.breach_court_result_record(
        actor=world.users[INSPECTOR],
        breach_id=breach.pk,
        result="convicted",
        on=timezone.localdate(),
        expected_version=breach.version,
    )

    t2 = positive_test(
        world,
        person=released_person(world, given_name="Nia"),
        results={"cocaine": "positive", "opiates": "positive"},
    )
    a2 = imposed_assessment(world, test=t2)
    _accept(world, a2, already_known=False)
    a2 = _attend(world, a2, "did_not_attend")
    _decide(world, a2, "nfa")

    t3 = positive_test(
        world,
        person=rhys,
        custody_suite_id=aberystwyth.pk,
        offences="Possession of a controlled drug",
        trigger_offence="mda_possession",
        class_a_confirmed=False,
        authorising_inspector="Inspector Angharad Lewis",
        authorising_rank="inspector",
        authorisation_grounds="Suspects cocaine use contributed to the offence.",
        authorised_at=timezone.now() - timedelta(hours=2),
        told_of_authorisation=True,
        results={"cocaine": "negative", "opiates": "negative"},
    )

    t4 = positive_test(
        world,
        person=reachable_person(world, given_name="Gwen"),  # no release address
        results={"cocaine": "negative", "opiates": "positive"},
    )
    with pytest.raises(referrals.ContactDetailsIncomplete):
        imposed_assessment(world, test=t4)

    t5 = positive_test(
        world,
        person=released_person(world, given_name="Owain"),
        outcome="refused",
        results=None,
        sample_taken_at=None,
    )

    t6 = positive_test(
        world,
        person=released_person(world, given_name="Cerys"),
        custody_suite_id=aberystwyth.pk,
        results=cocaine,
        disputed=True,
        confirmatory_sent_at=timezone.now() - timedelta(minutes=30),
    )
    services.drug_test_confirmation_record(
        actor=world.users[CUSTODY],
        test_id=t6.pk,
        confirmed=False,
        received_at=timezone.now(),
        expected_version=t6.version,
    )

    t7 = positive_test(world, person=released_person(world, given_name="Dafydd"), results=cocaine)
    a7 = imposed_assessment(world, test=t7)
    _accept(world, a7, already_known=None)
    _attend(world, a7, "left_early")

    t8 = positive_test(
        world,
        person=released_person(world, given_name="Elin"),
        custody_suite_id=aberystwyth.pk,
        results=cocaine,
    )
    a8 = imposed_assessment(world, test=t8)
    _accept(world, a8, already_known=True)
    a8 = _attend(world, a8, "attended")
    services.follow_up_cease(actor=world.users[PROV_A], assessment_id=a8.pk)

    # Back to September and October 2026 (no bank holidays in Wales in either).
    _moved(t1, sample=_at(date(2026, 10, 5)))  # a Monday
    _first_contact(a1, _at(date(2026, 10, 6), 11))  # Tuesday: 1 working day
    _moved(t2, sample=_at(date(2026, 10, 1)))  # a Thursday
    _first_contact(a2, _at(date(2026, 10, 7), 9))  # the next Wednesday: 4 working days
    _moved(t3, sample=_at(date(2026, 9, 15)))
    _moved(t4, sample=_at(date(2026, 9, 20)))
    _moved(t5, sample=None, arrested=_at(date(2026, 10, 1), 0, 30))  # 23:30 UTC on 30 Sep
    _moved(t6, sample=_at(date(2026, 10, 12)))
    _moved(t7, sample=_at(date(2026, 10, 14)))
    _first_contact(a7, None)
    _moved(t8, sample=_at(date(2026, 10, 20)))
    _first_contact(a8, None)
    return {"t1": t1, "t2": t2, "t3": t3, "t4": t4, "t5": t5, "t6": t6, "t7": t7, "t8": t8}


@pytest.fixture
def known(world) -> dict[str, DrugTest]:
    return _known_tests(world)


def _compute(user, suppressed: bool = False, **filters) -> dashboard.Dashboard:
    return dashboard.compute_dashboard(
        dashboard.dashboard_scope(user=user),
        filters=dashboard.DashboardFilters(**filters),
        suppressed=suppressed,
    )


def _figures(result: dashboard.Dashboard, code: str) -> dict[str, tuple]:
    """A section's rows as code -> (count, out of, share as shown)."""
    return {f.code: (f.count, f.base, f.share_shown) for f in result.by_code[code].rows}


def _shown(result: dashboard.Dashboard, code: str) -> dict[str, tuple[str, str, str]]:
    """A section's rows as code -> (count, out of, share), as the page prints them."""
    return {f.code: (f.shown, f.base_shown, f.share_shown) for f in result.by_code[code].rows}


# The figures ------------------------------------------------------------------------


def test_tests_are_counted_by_month_and_suite_a_refusal_by_the_local_month_of_arrest(world, known):
    result = _compute(world.users[INSPECTOR])
    assert (result.total.count, result.total.shown) == (8, "8")
    assert _figures(result, "tests_by_month") == {
        "2026-09": (2, None, ""),
        "2026-10": (6, None, ""),
    }
    assert [str(f.label) for f in result.by_code["tests_by_month"].rows] == [
        "September 2026",
        "October 2026",
    ]
    assert _figures(result, "tests_by_suite") == {
        ABERYSTWYTH: (3, None, ""),
        LLANELLI: (5, None, ""),
    }
    assert result.suite_month.suites == [(ABERYSTWYTH, ABERYSTWYTH), (LLANELLI, LLANELLI)]
    assert result.suite_month.rows == [
        ("2026-09", "September 2026", ["1", "1"], "2"),
        ("2026-10", "October 2026", ["2", "4"], "6"),
    ]


def test_results_refusals_and_the_basis_of_each_test_are_counted_exactly(world, known):
    result = _compute(world.users[INSPECTOR])
    assert _figures(result, "outcome") == {"tested": (7, 8, "88%"), "refused": (1, 8, "12%")}
    # T3's drugs offence was not confirmed as Class A: the inspector's authorisation allowed it.
    assert _figures(result, "basis") == {
        "trigger_offence": (7, 8, "88%"),
        "inspector_authorisation": (1, 8, "12%"),
    }
    # T6 was disputed and the laboratory did not confirm it: not a positive.
    assert _figures(result, "positive") == {
        "cocaine": (4, 7, "57%"),
        "opiates": (2, 7, "29%"),
        "any": (5, 7, "71%"),
    }
    assert [str(f.label) for f in result.by_code["positive"].rows] == [
        "Cocaine",
        "Opiates (heroin)",
        "Any specified drug",
    ]


def test_what_followed_a_positive_test_is_counted_exactly(world, known):
    result = _compute(world.users[INSPECTOR])
    assert _figures(result, "required_assessment") == {
        "imposed": (4, 5, "80%"),  # T4 was positive but its referral could not be sent
        "complete_at_first_attempt": (4, 5, "80%"),
    }
    # T1: 1 working day, T2: 4; T7 and T8 have no attempt yet.
    assert (result.to_first_contact.n, result.to_first_contact.median) == (2, 2.5)
    assert _figures(result, "initial_assessment") == {
        "attended": (3, 4, "75%"),  # T1, T7 (left early), T8
        "remained": (2, 3, "67%"),
        "failed_to_attend": (1, 4, "25%"),
        "pending": (0, None, ""),
        "cancelled": (0, None, ""),
    }
    assert _figures(result, "follow_up") == {
        "required": (1, 2, "50%"),
        "ceased": (1, 2, "50%"),
        "undecided": (0, None, ""),
        "attended": (0, 1, "0%"),
        "remained": (0, 0, "–"),
    }
    assert _figures(result, "breaches") == {"initial": (2, 3, "67%"), "follow_up": (1, 3, "33%")}
    assert _figures(result, "breach_decision") == {
        "pending": (1, 3, "33%"),
        "charge": (1, 3, "33%"),
        "nfa": (1, 3, "33%"),
        "other": (0, 3, "0%"),
    }
    assert _figures(result, "court_result") == {
        "pending": (0, 1, "0%"),
        "convicted": (1, 1, "100%"),
        "acquitted": (0, 1, "0%"),
        "withdrawn": (0, 1, "0%"),
        "other": (0, 1, "0%"),
    }
    assert _figures(result, "people") == {
        "tested": (7, None, ""),
        "more_than_once": (1, 7, "14%"),  # Rhys: T1 and T3
    }
    assert _figures(result, "already_known") == {
        "yes": (2, 3, "67%"),
        "no": (1, 3, "33%"),
        "not_recorded": (1, None, ""),
    }


def test_an_assessment_cancelled_with_its_referral_is_counted_apart_from_the_outcomes(world):
    suite_arranged(world)
    came = imposed_assessment(
        world, test=positive_test(world, person=released_person(world, given_name="Rhys"))
    )
    _accept(world, came, already_known=False)
    _attend(world, came, "attended")
    ended = imposed_assessment(
        world, test=positive_test(world, person=released_person(world, given_name="Nia"))
    )
    referrals.referral_reject(
        actor=world.users[PROV_A], referral_id=ended.referral_id, reason="Not our area"
    )
    result = _compute(world.users[INSPECTOR])
    # The cancelled one is neither an outcome nor waiting for one: it is not in "out of".
    assert _figures(result, "initial_assessment") == {
        "attended": (1, 1, "100%"),
        "remained": (1, 1, "100%"),
        "failed_to_attend": (0, 1, "0%"),
        "pending": (0, None, ""),
        "cancelled": (1, None, ""),
    }


def test_the_suite_and_month_filters_select_the_tests_counted(world, known):
    inspector = world.users[INSPECTOR]
    aberystwyth = known["t3"].custody_suite_id
    october = _compute(inspector, start=date(2026, 10, 1), end=date(2026, 11, 1))
    assert october.total.count == 6  # the refusal at 00:30 BST on 1 October included
    assert _figures(october, "people")["more_than_once"] == (0, 6, "0%")
    september = _compute(inspector, start=date(2026, 9, 1), end=date(2026, 10, 1))
    assert september.total.count == 2
    assert _figures(september, "outcome")["refused"] == (0, 2, "0%")
    suite = _compute(inspector, suite_id=aberystwyth)
    assert suite.total.count == 3
    assert _figures(suite, "tests_by_suite") == {ABERYSTWYTH: (3, None, "")}
    both = _compute(inspector, suite_id=aberystwyth, start=date(2026, 10, 1), end=date(2026, 11, 1))
    assert both.total.count == 2  # T6 and T8
    assert _figures(both, "positive")["any"] == (1, 2, "50%")
    assert _compute(inspector, start=date(2026, 11, 1)).total.count == 0


def test_the_commissioners_office_sees_every_small_number_and_share_suppressed(world, known):
    opcc = world.users[OPCC]
    result = _compute(opcc, suppressed=True)
    assert result.total.shown == "10"  # 8, rounded to the nearest 5
    assert _shown(result, "outcome") == {"tested": ("*", "10", "*"), "refused": ("*", "10", "*")}
    assert _shown(result, "follow_up")["remained"] == ("0", "0", "–")
    assert _shown(result, "breach_decision")["other"] == ("0", "*", "*")
    assert all(
        figure.share_shown in ("*", "–", "")
        for section in result.sections
        for figure in section.rows
    )
    assert result.suite_month.rows[0][2:] == (["*", "*"], "*")
    assert (result.to_first_contact.shown, result.to_first_contact.median) == ("*", None)


@pytest.mark.parametrize(
    ("part", "whole", "shown"),
    [(10, 20, "50%"), (10, 15, "*"), (3, 20, "*"), (20, 20, "100%"), (0, 10, "0%"), (0, 0, "–")],
)
def test_a_suppressed_share_is_shown_only_when_none_of_its_counts_is_small(part, whole, shown):
    assert Counting(suppressed=True).share(part, whole)[1] == shown


def test_another_forces_tests_are_not_counted_and_its_suites_cannot_be_chosen(
    world, known, as_persona
):
    gwent = accounts.organisation_create(
        actor=None, name="Gwent Police", slug="gwent", kind="force"
    )
    newport = accounts.organisation_create(
        actor=None, name="Newport custody suite", slug="newport", kind="custody_suite", parent=gwent
    )
    officer, _initial = accounts.user_create(
        actor=None,
        username="gwent-custody",
        given_name="Other",
        family_name="Officer",
        email="gwent@example.test",
        password=TEST_PASSWORD,
    )
    accounts.membership_create(
        actor=None, user=officer, organisation=newport, role=Role.CUSTODY_OFFICER
    )
    suite_arranged(world, suite=newport)
    person = people.person_create(
        actor=officer,
        given_name="Iwan",
        family_name="Morgan",
        date_of_birth=date(1990, 1, 1),
        gender="male",
        confirmed_new=True,
    )
    theirs = positive_test(world, actor=officer, person=person, custody_suite_id=newport.pk)
    _moved(theirs, sample=_at(date(2026, 10, 9)))
    assert _compute(world.users[INSPECTOR]).total.count == 8
    assert _compute(officer).total.count == 1
    page = as_persona(INSPECTOR).get(URL)
    assert page.context["dashboard"].total.count == 8
    assert "Newport" not in page.content.decode()
    refused = as_persona(INSPECTOR).get(URL, {"suite": newport.pk})
    assert refused.status_code == 400
    assert "Select a custody suite from the list." in refused.content.decode()


# The pages ----------------------------------------------------------------------------


@pytest.mark.parametrize("persona", [CUSTODY, INSPECTOR, OPSLEAD, OPCC])
def test_each_role_with_the_capability_sees_the_dashboard(world, persona, as_persona):
    positive_test(world)
    response = as_persona(persona).get(URL)
    assert response.status_code == 200
    body = response.content.decode()
    assert 'id="total-tests">' in body
    # Every chart is drawn next to a table of its figures.
    for section, chart in response.context["sections"]:
        if section.chart:
            assert f'id="chart-{section.code}"' in chart
            assert f'id="table-{section.code}"' in body


@pytest.mark.parametrize("persona", [FRONTLINE, PROV_A, PROV_A_MGR, PANEL])
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
    assert 'id="total-tests">10<' in body
    for name in ("Rhys", "Nia", "Gwen", "Owain", "Cerys", "Dafydd", "Elin"):
        assert name not in body


@pytest.mark.parametrize(
    ("query", "field", "message"),
    [
        ({"month": "2026-13"}, "month", "Enter the month like 2026-11"),
        ({"month": "0000-01"}, "month", "Enter the month like 2026-11"),
        ({"end": "9999-12"}, "end", "Enter the month like 2026-11"),
        ({"month": "2026-10", "start": "2026-09"}, "month", "Enter a month or a period, not both."),
        (
            {"start": "2026-10", "end": "2026-09"},
            "end",
            "The end of the period must be the same as or after its start.",
        ),
        ({"suite": "abc"}, "suite", "Select a custody suite from the list."),
    ],
)
def test_bad_filters_are_refused_naming_the_field(world, as_persona, query, field, message):
    positive_test(world)
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
    query = {"month": "2026-10"}
    page = client.get(URL, query)
    assert page.status_code == 200
    assert 'href="/custody/drug-tests/dashboard.csv?month=2026-10"' in page.content.decode()
    response = client.get(CSV_URL, query)
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == (
        'attachment; filename="pont-custody-drug-testing.csv"'
    )
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0] == ["measure", "value"]
    assert [tuple(row) for row in rows[1:]] == dashboard.csv_rows(page.context["dashboard"])
    values = dict(rows[1:])
    assert values["tests:total"] == "6"
    assert values["positive:any"] == "4"
    assert values["positive:any:out_of"] == "5"
    assert values["positive:any:share"] == "0.80"
    assert values[f"tests_by_suite_and_month:2026-10:{LLANELLI}"] == "4"
    assert values["working_days_sample_to_first_contact_attempt:median"] == "2.5"
    assert 'id="total-tests">6<' in page.content.decode()


def test_the_commissioners_office_csv_is_suppressed_too(world, known):
    response = client_for(world, OPCC).get(CSV_URL)
    assert response.status_code == 200
    values = dict(list(csv.reader(io.StringIO(response.content.decode())))[1:])
    assert values["tests:total"] == "10"
    assert values["outcome:tested"] == "*"
    assert values["outcome:tested:share"] == ""
    assert values["working_days_sample_to_first_contact_attempt:median"] == ""
