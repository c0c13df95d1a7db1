"""Suites' notified testing arrangements: dated reference data per suite, kept by the admin."""

import re
from datetime import date, timedelta
from html import unescape

import pytest
from django.urls import reverse
from django.utils import timezone

from pont.accounts import services as accounts
from pont.accounts.reference_services import START_TOO_EARLY
from pont.audit.models import AuditEvent
from pont.core.exceptions import ApplicationError
from pont.drug_testing import selectors
from pont.drug_testing.models import SuiteArrangement
from pont.drug_testing.services import (
    ARRANGEMENT_NOT_AFTER_LATEST,
    ARRANGEMENT_SOURCE_REQUIRED,
    ARRANGEMENT_START_REQUIRED,
    ARRANGEMENT_TESTS_RELIED,
    suite_arrangement_add,
)
from pont.testing.drug_testing import positive_test
from pont.testing.http import post_form
from pont.testing.personas import CUSTODY, INSPECTOR, PROV_A_MGR, SIGNED_IN, SYSADMIN

pytestmark = pytest.mark.django_db

LIST = reverse("drug_testing:arrangements")
JAN = date(2024, 1, 1)
APR = date(2024, 4, 1)
JUL = date(2024, 7, 1)
ALL_FLAGS = {"arrest_condition": True, "charge_condition": True, "required_assessment": True}


@pytest.fixture
def admin(world):
    return world.users[SYSADMIN]


def _add_url(suite):
    return reverse("drug_testing:arrangement_add", kwargs={"suite_id": suite.pk})


def _add(actor, suite, effective_from=JAN, source="Home Office letter, 2 January 2024", **flags):
    return suite_arrangement_add(
        actor=actor,
        suite_id=suite.pk,
        effective_from=effective_from,
        source=source,
        **{**ALL_FLAGS, **flags},
    )


def _date(day):
    return {
        "effective_from_0": str(day.day),
        "effective_from_1": str(day.month),
        "effective_from_2": str(day.year),
    }


def _suite(world, name, slug):
    return accounts.organisation_create(
        actor=None, name=name, slug=slug, kind="custody_suite", parent=world.carmarthenshire
    )


def _fields(excinfo):
    return excinfo.value.extra["fields"]


def _events():
    return list(AuditEvent.objects.order_by("sequence"))


def _text(response):
    return unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode())))


def _summary(response):
    html = response.content.decode()
    return unescape(
        "".join(re.findall(r'<div class="govuk-error-summary.*?</div>\s*</div>', html, re.S))
    )


# The service


def test_a_new_arrangement_ends_the_one_in_force_the_day_before(world, admin):
    first = _add(admin, world.llanelli, effective_from=JAN)

    second = _add(admin, world.llanelli, effective_from=APR, required_assessment=False)

    first.refresh_from_db()
    assert first.effective_to == date(2024, 3, 31)
    assert (second.effective_from, second.effective_to) == (APR, None)
    assert (second.arrest_condition, second.charge_condition, second.required_assessment) == (
        True,
        True,
        False,
    )
    assert selectors.arrangement_for(suite=world.llanelli, day=date(2024, 3, 31)) == first
    assert selectors.arrangement_for(suite=world.llanelli, day=APR) == second


def test_the_first_arrangement_of_a_suite_ends_nothing(world, admin):
    arrangement = _add(admin, world.llanelli)

    assert list(SuiteArrangement.objects.all()) == [arrangement]
    assert arrangement.effective_to is None


def test_an_arrangement_with_a_set_end_is_ended_the_day_before_the_new_one(world, admin):
    first = _add(admin, world.llanelli, effective_from=JAN)
    SuiteArrangement.objects.filter(pk=first.pk).update(effective_to=date(2024, 12, 31))

    _add(admin, world.llanelli, effective_from=JUL)

    first.refresh_from_db()
    assert first.effective_to == date(2024, 6, 30)


def test_an_arrangement_that_had_already_ended_is_left_alone(world, admin):
    first = _add(admin, world.llanelli, effective_from=JAN)
    SuiteArrangement.objects.filter(pk=first.pk).update(effective_to=date(2024, 2, 29))

    _add(admin, world.llanelli, effective_from=JUL)

    first.refresh_from_db()
    assert first.effective_to == date(2024, 2, 29)
    assert selectors.arrangement_for(suite=world.llanelli, day=APR) is None


def test_withdrawn_arrangements_are_recorded_with_no_condition_notified(world, admin):
    _add(admin, world.llanelli, effective_from=JAN)

    withdrawn = _add(
        admin,
        world.llanelli,
        effective_from=APR,
        arrest_condition=False,
        charge_condition=False,
        required_assessment=False,
    )

    assert selectors.arrangement_for(suite=world.llanelli, day=APR) == withdrawn
    assert selectors.notified_for(withdrawn, "arrest") is False
    assert selectors.notified_for(withdrawn, "charge") is False


def test_each_suite_keeps_its_own_periods(world, admin):
    other = _suite(world, "Aberystwyth custody suite", "aber")
    llanelli = _add(admin, world.llanelli, effective_from=JAN)

    _add(admin, other, effective_from=APR)

    llanelli.refresh_from_db()
    assert llanelli.effective_to is None


def test_adding_an_arrangement_writes_the_alteration_of_the_old_and_the_collection_of_the_new(
    world, admin
):
    first = _add(admin, world.llanelli, effective_from=JAN)
    written = len(_events())

    second = _add(admin, world.llanelli, effective_from=APR, charge_condition=False)

    events = _events()[written:]
    assert [(e.operation, e.object_type, e.object_id, e.actor_id) for e in events] == [
        ("alteration", "drug_testing.suitearrangement", str(first.pk), admin.pk),
        ("collection", "drug_testing.suitearrangement", str(second.pk), admin.pk),
    ]
    assert events[0].detail == {
        "suite": world.llanelli.pk,
        "effective_to": "2024-03-31",
        "previous_effective_to": None,
        "superseded": True,
    }
    assert events[1].detail == {
        "suite": world.llanelli.pk,
        "effective_from": "2024-04-01",
        "arrest_condition": True,
        "charge_condition": False,
        "required_assessment": True,
    }


# Refusals name the field, and write nothing


@pytest.mark.parametrize("day", [APR, JAN, date(2023, 6, 1)])
def test_an_arrangement_cannot_start_on_or_before_the_latest_start(world, admin, day):
    latest = _add(admin, world.llanelli, effective_from=APR)
    written = len(_events())

    with pytest.raises(ApplicationError) as excinfo:
        _add(admin, world.llanelli, effective_from=day)

    message = str(ARRANGEMENT_NOT_AFTER_LATEST) % {
        "suite": "Llanelli custody suite",
        "date": "1 April 2024",
    }
    assert _fields(excinfo) == {"effective_from": [message]}
    assert list(SuiteArrangement.objects.all()) == [latest]
    latest.refresh_from_db()
    assert latest.effective_to is None
    assert len(_events()) == written


def test_an_arrangement_cannot_start_on_or_before_a_test_that_relied_on_the_one_before(
    world, admin
):
    test = positive_test(world)  # an hour ago, on the arrangement notified since 2020
    relied_on = test.arrangement
    # The day of the test's sample (yesterday, between midnight and one in the morning).
    today = timezone.localdate(test.sample_taken_at)

    with pytest.raises(ApplicationError) as excinfo:
        _add(admin, world.llanelli, effective_from=today, charge_condition=False)

    message = str(ARRANGEMENT_TESTS_RELIED) % {
        "suite": "Llanelli custody suite",
        "date": f"{today.day} {today:%B %Y}",
    }
    assert _fields(excinfo) == {"effective_from": [message]}
    relied_on.refresh_from_db()
    assert relied_on.effective_to is None

    later = _add(admin, world.llanelli, effective_from=today + timedelta(days=1))
    relied_on.refresh_from_db()
    assert relied_on.effective_to == today
    assert later.effective_from == today + timedelta(days=1)


def test_missing_details_are_refused_naming_each_field(world, admin):
    with pytest.raises(ApplicationError) as excinfo:
        _add(admin, world.llanelli, effective_from=None, source="  ")

    assert _fields(excinfo) == {
        "effective_from": [str(ARRANGEMENT_START_REQUIRED)],
        "source": [str(ARRANGEMENT_SOURCE_REQUIRED)],
    }
    assert not SuiteArrangement.objects.exists()


def test_a_start_before_1900_is_refused_as_a_typing_mistake(world, admin):
    with pytest.raises(ApplicationError) as excinfo:
        _add(admin, world.llanelli, effective_from=date(1, 1, 1))

    assert _fields(excinfo) == {"effective_from": [str(START_TOO_EARLY)]}


def test_a_source_too_long_for_the_table_is_named(world, admin):
    with pytest.raises(ApplicationError) as excinfo:
        _add(admin, world.llanelli, source="x" * 501)

    assert set(_fields(excinfo)) == {"source"}
    assert not SuiteArrangement.objects.exists()


def test_an_organisation_that_is_not_a_custody_suite_is_not_found(world, admin):
    for organisation in (world.provider_a, world.force, world.carmarthenshire):
        with pytest.raises(ApplicationError) as excinfo:
            _add(admin, organisation)
        assert excinfo.value.status == 404
    assert not SuiteArrangement.objects.exists()


@pytest.mark.parametrize("persona", [p for p in SIGNED_IN if p != SYSADMIN])
def test_only_the_system_administrator_may_add_an_arrangement(world, persona):
    with pytest.raises(ApplicationError) as excinfo:
        _add(world.users[persona], world.llanelli)

    assert excinfo.value.status == 403
    assert not SuiteArrangement.objects.exists()


# The pages


def test_the_list_shows_every_custody_suite_with_its_arrangements_current_and_past(
    world, admin, as_persona
):
    _suite(world, "Aberystwyth custody suite", "aber")
    _add(admin, world.llanelli, effective_from=JAN, source="Letter of 2 January 2024")
    _add(
        admin,
        world.llanelli,
        effective_from=APR,
        required_assessment=False,
        source="Letter of 20 March 2024",
    )
    _add(admin, world.llanelli, effective_from=timezone.localdate() + timedelta(days=30))

    response = as_persona(SYSADMIN).get(LIST)

    assert response.status_code == 200
    text = _text(response)
    assert "1 Jan 2024 to 31 Mar 2024" in text
    assert "Letter of 2 January 2024" in text
    assert "Letter of 20 March 2024" in text
    assert "Not notified" in text
    for tag in ("Ended", "In force today", "Not yet in force"):
        assert tag in text
    assert "Aberystwyth custody suite" in text
    assert "tests cannot be recorded there until one is added" in text
    assert "Provider A" not in text
    html = response.content.decode()
    assert 'id="suite-llanelli"' in html
    assert f'href="{_add_url(world.llanelli)}"' in html


def test_the_reference_data_list_links_to_the_arrangements(as_persona):
    response = as_persona(SYSADMIN).get(reverse("reference:list"))

    assert f'href="{LIST}"' in response.content.decode()
    assert "Custody suite testing arrangements" in _text(response)


def test_the_form_starts_from_what_is_notified_now(world, admin, as_persona):
    _add(admin, world.llanelli, effective_from=JAN, charge_condition=False)

    response = as_persona(SYSADMIN).get(_add_url(world.llanelli))

    assert response.status_code == 200
    html = response.content.decode()
    assert re.search(r'value="arrest_condition" checked', html)
    assert re.search(r'value="charge_condition">', html)
    assert re.search(r'value="required_assessment" checked', html)
    assert "The latest arrangement is in force from 1 January 2024" in _text(response)


def test_adding_an_arrangement_through_the_form(world, admin, as_persona):
    first = _add(admin, world.llanelli, effective_from=JAN)
    starts = timezone.localdate() + timedelta(days=10)

    response = post_form(
        as_persona(SYSADMIN),
        _add_url(world.llanelli),
        {**_date(starts), "notified": ["arrest_condition"], "source": "Home Office letter"},
    )

    assert response.status_code == 302
    assert response["Location"] == LIST + "#suite-llanelli"
    first.refresh_from_db()
    assert first.effective_to == starts - timedelta(days=1)
    new = SuiteArrangement.objects.get(suite=world.llanelli, effective_from=starts)
    assert (new.arrest_condition, new.charge_condition, new.required_assessment, new.source) == (
        True,
        False,
        False,
        "Home Office letter",
    )
    assert AuditEvent.objects.filter(
        operation="collection", object_type="drug_testing.suitearrangement", object_id=str(new.pk)
    ).exists()


def test_an_incomplete_form_is_shown_again_with_each_problem_linked_to_its_field(world, as_persona):
    response = post_form(as_persona(SYSADMIN), _add_url(world.llanelli), {"source": " "})

    assert response.status_code == 400
    summary = _summary(response)
    assert f'<a href="#id_effective_from_0">{ARRANGEMENT_START_REQUIRED}</a>' in summary
    assert f'<a href="#id_source">{ARRANGEMENT_SOURCE_REQUIRED}</a>' in summary
    assert "<title>Error:" in response.content.decode()
    assert not SuiteArrangement.objects.exists()


def test_an_overlapping_start_is_shown_on_the_date(world, admin, as_persona):
    _add(admin, world.llanelli, effective_from=APR)

    response = post_form(
        as_persona(SYSADMIN),
        _add_url(world.llanelli),
        {**_date(JAN), "notified": ["arrest_condition"], "source": "Backdated letter"},
    )

    assert response.status_code == 400
    message = str(ARRANGEMENT_NOT_AFTER_LATEST) % {
        "suite": "Llanelli custody suite",
        "date": "1 April 2024",
    }
    assert f'<a href="#id_effective_from_0">{message}</a>' in _summary(response)
    assert SuiteArrangement.objects.count() == 1


@pytest.mark.parametrize(
    ("parts", "message"),
    [
        (("1", "1", "0001"), str(START_TOO_EARLY)),
        (("31", "2", "2026"), "The date must be a real date"),
        (("1", "1", "26"), "The year must include 4 numbers"),
    ],
)
def test_an_impossible_date_is_named_not_a_server_error(world, as_persona, parts, message):
    day, month, year = parts
    response = post_form(
        as_persona(SYSADMIN),
        _add_url(world.llanelli),
        {
            "effective_from_0": day,
            "effective_from_1": month,
            "effective_from_2": year,
            "source": "x",
        },
    )

    assert response.status_code == 400
    assert f'<a href="#id_effective_from_0">{message}</a>' in _summary(response)


def test_an_unknown_condition_is_named(world, as_persona):
    response = post_form(
        as_persona(SYSADMIN),
        _add_url(world.llanelli),
        {**_date(JAN), "notified": ["stop_search"], "source": "x"},
    )

    assert response.status_code == 400
    assert 'href="#id_notified_0"' in _summary(response)
    assert not SuiteArrangement.objects.exists()


def test_an_organisation_that_is_not_a_custody_suite_has_no_arrangement_pages(world, as_persona):
    client = as_persona(SYSADMIN)
    for organisation_id in (world.provider_a.pk, world.force.pk, 999_999):
        url = reverse("drug_testing:arrangement_add", kwargs={"suite_id": organisation_id})
        assert client.get(url).status_code == 404
        response = post_form(client, url, {**_date(JAN), "source": "x"})
        assert response.status_code == 404
    assert not SuiteArrangement.objects.exists()


@pytest.mark.parametrize("persona", [CUSTODY, INSPECTOR, PROV_A_MGR])
def test_only_the_system_administrator_sees_the_pages(world, as_persona, persona):
    client = as_persona(persona)

    assert client.get(LIST).status_code == 403
    assert client.get(_add_url(world.llanelli)).status_code == 403
    response = post_form(client, _add_url(world.llanelli), {**_date(JAN), "source": "x"})
    assert response.status_code == 403
    assert not SuiteArrangement.objects.exists()
