"""An object named in a form, a query or an API body is refused like one that does not exist (T5).

The id swap (`test_idor.py`) changes the ids in URLs. Here the id travels in
what the user sends: the person a test, a search, a referral or a disposal is
for; the custody suite or policing area it happened in; the appointment whose
attendance is recorded or corrected; the force whose searches a panel reviews or whose
police.uk file is exported; the organisation an API key is made for; the
service a referral goes to. For each, an object of another organisation (or
one not offered, like a withdrawn service) is sent, and then an id that exists
nowhere: both answers must be the same (status, and the error summary or the
whole page, less the id itself), the field must be named, nothing may be
written, and nothing of the foreign object may show.

Filter parameters (the dashboards' and the funnel's) are swept the same way at
the end. The audit log's `person` filter is not among them: only the data
protection officer reads the log, and reads all of it (DPA 2018 s.62(4)).
"""

import difflib
import json
import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any
from urllib.parse import urlencode

import pytest
from django.db import transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from pont.accounts import services as accounts
from pont.accounts.models import ApiClient, Organisation
from pont.accounts.roles import Role
from pont.audit.models import AuditEvent
from pont.directory.models import Service
from pont.disposals.models import Disposal, DisposalCondition
from pont.drug_testing.models import DrugTest
from pont.people import services as people
from pont.people.models import Person
from pont.referrals import services as referrals
from pont.referrals.models import Appointment, Referral, ReferralEvent
from pont.stop_search.models import PanelSession, Search
from pont.testing.disposals import conditional_caution, decision_form, drug_service
from pont.testing.drug_testing import desk_form, suite_arranged
from pont.testing.http import post_form
from pont.testing.personas import (
    ANALYST,
    CUSTODY,
    FRONTLINE,
    INSPECTOR,
    OPCC,
    PROV_A,
    PROV_A_MGR,
    SYSADMIN,
    World,
)
from pont.testing.referrals import provider_service, referral_in, sent_earlier
from pont.testing.stop_search import (
    officer,
    other_force,
    previous_month,
    quick_form,
    searched_in,
    stop_search_reference,
)


def _missing(value: Any) -> Any:
    """An id of the same kind that exists nowhere."""
    if isinstance(value, str):
        return "nowhere"
    return uuid.uuid4() if isinstance(value, uuid.UUID) else 2_000_000_000


CANARY = "Cwcwll-Canary"  # the foreign person's name: it must never show


@dataclass
class Foreign:
    """Objects of another organisation (or not offered), and what the cases post beside them."""

    world: World
    person: Person  # recorded by another force
    area: Organisation  # a policing area of another force
    suite: Organisation  # a custody suite of another force
    force: Organisation  # another force, overseen by another commissioner's office
    appointment_b: Appointment  # an appointment of a referral to provider B
    appointment_a: Appointment  # an appointment of another of provider A's referrals
    withdrawn: Service  # a service that no longer takes referrals
    referral: Referral  # provider A's referral, accepted, with its own appointment
    own_appointment: Appointment
    own_person: Person
    codes: dict[str, str]
    api_key: str
    disposal: Disposal


def _appointment(world: World, which: str) -> tuple[Referral, Appointment]:
    # Sent two days ago: the appointment, yesterday, came after it.
    referral = sent_earlier(referral_in(world, "accepted", which=which))
    worker = world.users[PROV_A if which == "a" else "prov_b"]
    appointment = referrals.appointment_book(
        actor=worker,
        referral_id=referral.pk,
        starts_at=timezone.now() - timedelta(days=1),
        place="4 Stepney Street, Llanelli",
    )
    return referral, appointment


@pytest.fixture
def foreign(world: World, settings: Any) -> Foreign:
    force, area = other_force()
    settings.PONT_COMMISSIONER_FORCES = {"opcc": ["dpp"], "gwent-opcc": ["gwent"]}
    accounts.organisation_create(
        actor=None, name="Gwent OPCC", slug="gwent-opcc", kind=Organisation.Kind.COMMISSIONER
    )
    suite = accounts.organisation_create(
        actor=None,
        name="Newport custody suite",
        slug="newport-suite",
        kind=Organisation.Kind.CUSTODY_SUITE,
        parent=area,
    )
    suite_arranged(world, suite)
    gwent_officer = officer(world, "gwent-custody", role=Role.CUSTODY_OFFICER, organisation=suite)
    person = people.person_create(
        actor=gwent_officer,
        given_name=CANARY,
        family_name=CANARY,
        date_of_birth=date(1991, 2, 3),
        gender="female",
        confirmed_new=True,
    )
    referral, own_appointment = _appointment(world, "a")
    _other, appointment_a = _appointment(world, "a")
    _b, appointment_b = _appointment(world, "b")
    withdrawn = provider_service(world, "b")
    Service.objects.filter(pk=withdrawn.pk).update(status=Service.Status.INACTIVE)
    suite_arranged(world)
    _client, key = accounts.api_client_create(
        actor=world.users[SYSADMIN],
        organisation=world.provider_a,
        name="A",
        scopes=["referrals:read", "referrals:write"],
    )
    drug_service(world)
    codes = stop_search_reference()
    for day in (1, 2, 3):
        searched_in(world, previous_month(), day=day)  # a month a panel can draw cases from
    return Foreign(
        world=world,
        person=person,
        area=area,
        suite=suite,
        force=force,
        appointment_b=appointment_b,
        appointment_a=appointment_a,
        withdrawn=withdrawn,
        referral=referral,
        own_appointment=own_appointment,
        own_person=referral.person,
        codes=codes,
        api_key=key,
        disposal=conditional_caution(world, person=referral.person),
    )


@dataclass(frozen=True)
class Case:
    """One field that names an object: where it is sent, by whom, and what must stay unwritten."""

    name: str
    persona: str
    field: str  # the field the refusal names ("" when the answer is a 404)
    target: Callable[[Foreign], Any]  # the foreign object's id
    own: Callable[[Foreign], Any]  # the id of one the persona may use: the same request works
    send: Callable[[Client, Foreign, Any], Any]  # sends the request with the given id
    written: Callable[[], int]  # counts what the request makes


def _form(name: str, build: Callable[[Foreign, Any], dict[str, Any]], **kwargs: Any) -> Any:
    def send(client: Client, f: Foreign, value: Any) -> Any:
        return post_form(client, reverse(name, kwargs=kwargs.get("kwargs", {})), build(f, value))

    return send


def _query_and_form(
    name: str, build: Callable[[Foreign, Any], dict[str, Any]]
) -> Callable[[Client, Foreign, Any], Any]:
    """The person named in the query and in the form, as the pages send them."""

    def send(client: Client, f: Foreign, value: Any) -> Any:
        path = f"{reverse(name)}?{urlencode({'person': value})}"
        return post_form(client, path, {**build(f, value), "person": value})

    return send


def _count(model: Any) -> Callable[[], int]:
    return lambda: model.objects.count()


def _api_outcome(client: Client, f: Foreign, value: Any) -> Any:
    return client.post(
        f"/api/v1/referrals/{f.referral.pk}/outcomes",
        json.dumps({"type": "attendance", "appointment_id": value, "attendance": "attended"}),
        content_type="application/json",
        headers={"Authorization": f"Bearer {f.api_key}", "Idempotency-Key": str(uuid.uuid4())},
    )


def _attendance(client: Client, f: Foreign, value: Any) -> Any:
    return post_form(
        client,
        reverse("referrals:attendance", kwargs={"referral_id": f.referral.pk}),
        {"appointment": value, "attendance": "attended"},
    )


def _own_answered(f: Foreign) -> None:
    """Provider A's own appointment answered first, so that its answer may be corrected."""
    if Appointment.objects.filter(pk=f.own_appointment.pk, attendance="pending").exists():
        referrals.attendance_record(
            actor=f.world.users[PROV_A],
            referral_id=f.referral.pk,
            appointment_id=f.own_appointment.pk,
            attendance="did_not_attend",
        )


def _correction(client: Client, f: Foreign, value: Any) -> Any:
    _own_answered(f)
    return post_form(
        client,
        reverse("referrals:attendance_correct", kwargs={"referral_id": f.referral.pk}),
        {"appointment": value, "attendance": "attended", "reason": "Wrong button"},
    )


def _api_correction(client: Client, f: Foreign, value: Any) -> Any:
    _own_answered(f)
    body = {
        "type": "attendance_corrected",
        "appointment_id": value,
        "attendance": "attended",
        "reason": "Wrong button",
    }
    return client.post(
        f"/api/v1/referrals/{f.referral.pk}/outcomes",
        json.dumps(body),
        content_type="application/json",
        headers={"Authorization": f"Bearer {f.api_key}", "Idempotency-Key": str(uuid.uuid4())},
    )


def _corrected() -> int:
    return ReferralEvent.objects.filter(kind="attendance_corrected").count()


def _disclosed() -> int:
    return AuditEvent.objects.filter(operation=AuditEvent.Operation.DISCLOSURE).count()


def _attended() -> int:
    return Appointment.objects.exclude(attendance=Appointment.Attendance.PENDING).count()


def _decision(world: World, **overrides: Any) -> dict[str, Any]:
    return {**decision_form(world, scheme="conditional_caution", **overrides), "action": "save"}


def _condition_body(f: Foreign, value: Any) -> dict[str, Any]:
    return {
        "condition_type": "drug_assessment",
        "service": value,
        "version": Disposal.objects.get(pk=f.disposal.pk).version,
    }


def _panel_body(f: Foreign, value: Any) -> dict[str, Any]:
    today = timezone.localdate()
    month = previous_month(today)
    return {
        "panel": f.world.panel.pk,
        "force": value,
        "month": f"{month:%Y-%m}",
        "meeting_date_0": today.day,
        "meeting_date_1": today.month,
        "meeting_date_2": today.year,
        "cases": 2,
    }


CASES = [
    Case(
        "drug test: the person",
        CUSTODY,
        "",
        lambda f: f.person.pk,
        lambda f: f.own_person.pk,
        _query_and_form("drug_testing:create", lambda f, v: desk_form(f.world)),
        _count(DrugTest),
    ),
    Case(
        "drug test: the custody suite",
        CUSTODY,
        "custody_suite",
        lambda f: f.suite.pk,
        lambda f: f.world.llanelli.pk,
        lambda c, f, v: post_form(
            c,
            f"{reverse('drug_testing:create')}?person={f.own_person.pk}",
            desk_form(f.world, person=f.own_person.pk, custody_suite=v),
        ),
        _count(DrugTest),
    ),
    Case(
        "search: the person",
        FRONTLINE,
        "",
        lambda f: f.person.pk,
        lambda f: f.own_person.pk,
        _query_and_form("stop_search:create", lambda f, v: quick_form(f.world, f.codes)),
        _count(Search),
    ),
    Case(
        "search: the policing area",
        FRONTLINE,
        "area",
        lambda f: f.area.pk,
        lambda f: f.world.carmarthenshire.pk,
        _form("stop_search:create", lambda f, v: quick_form(f.world, f.codes, area=v)),
        _count(Search),
    ),
    Case(
        "disposal: the person",
        FRONTLINE,
        "",
        lambda f: f.person.pk,
        lambda f: f.own_person.pk,
        _query_and_form("disposals:create", lambda f, v: _decision(f.world)),
        _count(Disposal),
    ),
    Case(
        "disposal: the policing area",
        FRONTLINE,
        "area",
        lambda f: f.area.pk,
        lambda f: f.world.carmarthenshire.pk,
        lambda c, f, v: post_form(
            c,
            f"{reverse('disposals:create')}?person={f.own_person.pk}",
            {**_decision(f.world, area=v), "person": f.own_person.pk},
        ),
        _count(Disposal),
    ),
    Case(
        "disposal condition: the service",
        FRONTLINE,
        "service",
        lambda f: f.withdrawn.pk,
        lambda f: drug_service(f.world).pk,
        lambda c, f, v: post_form(
            c,
            reverse("disposals:condition_add", kwargs={"disposal_id": f.disposal.pk}),
            _condition_body(f, v),
        ),
        _count(DisposalCondition),
    ),
    Case(
        "referral: the person",
        CUSTODY,
        "",
        lambda f: f.person.pk,
        lambda f: f.own_person.pk,
        _query_and_form(
            "referrals:create",
            lambda f, v: {
                "service": provider_service(f.world).pk,
                "reason": "Wants help",
                "urgency": "routine",
                "legal_basis": "consent",
                "consent_confirmed": "on",
            },
        ),
        _count(Referral),
    ),
    Case(
        "referral: the service",
        CUSTODY,
        "service",
        lambda f: f.withdrawn.pk,
        lambda f: provider_service(f.world).pk,
        lambda c, f, v: post_form(
            c,
            f"{reverse('referrals:create')}?person={f.own_person.pk}",
            {
                "service": v,
                "reason": "Wants help",
                "urgency": "routine",
                "legal_basis": "consent",
                "consent_confirmed": "on",
                "person": f.own_person.pk,
            },
        ),
        _count(Referral),
    ),
    Case(
        "attendance: another provider's appointment",
        PROV_A,
        "",
        lambda f: f.appointment_b.pk,
        lambda f: f.own_appointment.pk,
        _attendance,
        _attended,
    ),
    Case(
        "attendance: an appointment of another referral",
        PROV_A,
        "",
        lambda f: f.appointment_a.pk,
        lambda f: f.own_appointment.pk,
        _attendance,
        _attended,
    ),
    Case(
        "partner API outcome: another provider's appointment",
        "api",
        "",
        lambda f: f.appointment_b.pk,
        lambda f: f.own_appointment.pk,
        _api_outcome,
        _attended,
    ),
    Case(
        "attendance corrected: another provider's appointment",
        PROV_A,
        "appointment",
        lambda f: f.appointment_b.pk,
        lambda f: f.own_appointment.pk,
        _correction,
        _corrected,
    ),
    Case(
        "attendance corrected: an appointment of another referral",
        PROV_A,
        "appointment",
        lambda f: f.appointment_a.pk,
        lambda f: f.own_appointment.pk,
        _correction,
        _corrected,
    ),
    Case(
        "partner API correction: another provider's appointment",
        "api",
        "",
        lambda f: f.appointment_b.pk,
        lambda f: f.own_appointment.pk,
        _api_correction,
        _corrected,
    ),
    Case(
        "police.uk export: another force",
        ANALYST,
        "force",
        lambda f: "gwent",
        lambda f: f.world.force.slug,
        _form(
            "stop_search:policeuk_export",
            lambda f, v: {"force": v, "month": f"{previous_month():%Y-%m}"},
        ),
        _disclosed,
    ),
    Case(
        "panel session: a force another office oversees",
        OPCC,
        "force",
        lambda f: f.force.pk,
        lambda f: f.world.force.pk,
        _form("stop_search:panel_list", _panel_body),
        _count(PanelSession),
    ),
    Case(
        "API key: for another provider",
        PROV_A_MGR,
        "organisation",
        lambda f: f.world.provider_b.pk,
        lambda f: f.world.provider_a.pk,
        _form(
            "accounts:api_client_create",
            lambda f, v: {"name": "Theirs", "organisation": v, "scopes": ["referrals:read"]},
        ),
        _count(ApiClient),
    ),
]

SUMMARY = re.compile(r'<ul class="govuk-list govuk-error-summary__list">(.*?)</ul>', re.S)
VOLATILE = re.compile(
    r'(name="csrfmiddlewaretoken" value=")[^"]+|(nonce=")[^"]+|("request_id": ")[^"]+'
)


def _answer(response: Any, value: Any) -> tuple[int, str]:
    """What the person learns: the status, and the error summary (or the whole answer), with
    the id they sent (and the tokens that differ between any two requests) taken out."""
    text = VOLATILE.sub(r"\1\2\3", response.content.decode("utf-8", "replace"))
    summary = SUMMARY.search(text)
    if summary and response.status_code == 400:
        text = summary.group(1)
    echoed = re.escape(str(value))
    # Where a page echoes what was sent: a query (=id, %3Did), a value="id", a quoted id
    # in an error, Django's "id is not one of the available choices".
    text = re.sub(
        rf'(?<=[=“"]){echoed}(?=[”"&\s]|$)|(?<=%3D){echoed}(?!\w)|{echoed}(?= is not one of)',
        "{id}",
        text,
    )
    return response.status_code, text


def _show_difference(foreign: str, missing: str) -> None:
    """Print where the two answers differ, for the failure's report."""
    lines = difflib.unified_diff(missing.splitlines(), foreign.splitlines(), lineterm="", n=1)
    print("\n".join(list(lines)[:40]))


def _client(as_persona: Callable[[str], Client], persona: str) -> Client:
    return Client() if persona == "api" else as_persona(persona)


@pytest.mark.django_db
def test_an_object_named_in_a_body_is_refused_like_one_that_does_not_exist(
    world: World, foreign: Foreign, as_persona: Callable[[str], Client], capsys: Any
) -> None:
    compared, different = 0, []
    for case in CASES:
        before = case.written()
        answers = []
        savepoint = transaction.savepoint()
        try:
            allowed = case.send(_client(as_persona, case.persona), foreign, case.own(foreign))
            assert allowed.status_code < 400, (case.name, SUMMARY.findall(allowed.content.decode()))
            made = case.written() - before
        finally:
            transaction.savepoint_rollback(savepoint)
        assert made == 1, (case.name, made)  # the same request with one's own object works
        target = case.target(foreign)
        for value in (target, _missing(target)):
            savepoint = transaction.savepoint()
            try:
                response = case.send(_client(as_persona, case.persona), foreign, value)
                assert case.written() == before, case.name
            finally:
                transaction.savepoint_rollback(savepoint)
            assert response.status_code in (400, 404, 422), (case.name, response.status_code)
            assert CANARY not in response.content.decode("utf-8", "replace"), case.name
            answers.append(_answer(response, value))
        if case.field:
            assert f"#id_{case.field}" in answers[0][1] or case.field in answers[0][1], case.name
        compared += 1
        if answers[0] != answers[1]:
            different.append(f"{case.name}: {answers[0][0]} vs {answers[1][0]}")
            _show_difference(answers[0][1], answers[1][1])
    with capsys.disabled():
        print(f"\nobjects in bodies: {compared} fields, {len(different)} different from missing")
    assert different == []


# Filter parameters ------------------------------------------------------------------------
# Every filter that names an object: the funnel's provider, the dashboards' policing area and
# custody suite, on the page and in its CSV. The others name no object (months, a source,
# a county, an outcome basis, a queue) or public data (the services list's need, county and
# language).
FILTERS = [
    (PROV_A_MGR, "referrals:funnel", "provider", lambda f: f.world.provider_b.pk),
    (PROV_A_MGR, "referrals:funnel_csv", "provider", lambda f: f.world.provider_b.pk),
    (INSPECTOR, "disposals:dashboard", "area", lambda f: f.area.pk),
    (INSPECTOR, "drug_testing:dashboard", "suite", lambda f: f.suite.pk),
    (INSPECTOR, "drug_testing:dashboard_csv", "suite", lambda f: f.suite.pk),
]


@pytest.mark.django_db
def test_a_filter_naming_another_organisation_is_refused_like_one_that_does_not_exist(
    world: World, foreign: Foreign, as_persona: Callable[[str], Client], capsys: Any
) -> None:
    """Never answered with the other organisation's figures: 400, the field named, exactly as
    for an id that exists nowhere."""
    different = []  # provider B has a referral (the fixture's): figures to leak
    for persona, name, field, target in FILTERS:
        answers = []
        for value in (target(foreign), _missing(target(foreign))):
            response = as_persona(persona).get(reverse(name), {field: value})
            assert response.status_code == 400, (name, response.status_code)
            answers.append(_answer(response, value))
        assert field in answers[0][1], name
        if answers[0] != answers[1]:
            different.append(f"{name} ({field}): {answers[0][0]} vs {answers[1][0]}")
            _show_difference(answers[0][1], answers[1][1])
    with capsys.disabled():
        print(f"\nfilters: {len(FILTERS)} parameters, {len(different)} different from missing")
    assert different == []
