"""A provider manager keeps their own service's opening times: a line for each set of days,
what is saved, what is kept from an import, the refusals and the audit."""

from datetime import date, datetime, time

import pytest
from django.urls import reverse
from django.utils import timezone

from pont.audit.models import AuditEvent
from pont.directory import hsds, services
from pont.directory.models import DirectoryOrganization, Schedule
from pont.directory.opening import open_at
from pont.testing.http import post_form
from pont.testing.personas import PROV_A, PROV_A_MGR

WEEKDAYS = ["MO", "TU", "WE", "TH", "FR"]


def opening_of(service) -> str:
    return reverse("directory:opening_service", kwargs={"service_id": service.pk})


@pytest.fixture
def own_service(provider_a_directory):
    return services.service_create(
        actor=None,
        organization=provider_a_directory,
        name="Provider A drug service",
        schedules=[
            {"byday": "MO,TU,WE,TH,FR", "opens_at": time(9), "closes_at": time(17)},
            {"byday": "TH", "opens_at": time(17), "closes_at": time(19), "description": "Late"},
        ],
    )


@pytest.fixture
def other_service(world):
    organization = DirectoryOrganization.objects.create(
        name="Provider B (directory)", pont_organisation=world.provider_b
    )
    return services.service_create(
        actor=None,
        organization=organization,
        name="Provider B alcohol service",
        schedules=[{"byday": "MO", "opens_at": time(9), "closes_at": time(12)}],
    )


def lines(service, *rows: dict) -> dict:
    form: dict = {"seen": service.updated_at.isoformat()}
    for number, row in enumerate(rows, start=1):
        for name, value in row.items():
            form[f"row_{number}_{name}"] = value
    return form


def held(service) -> list[tuple]:
    return sorted(
        (s.byday, s.opens_at, s.closes_at, s.description, s.description_cy)
        for s in service.schedules.all()
    )


def test_the_page_shows_the_times_held_a_line_each(own_service, as_persona):
    response = as_persona(PROV_A_MGR).get(opening_of(own_service))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'name="row_1_opens" type="text" value="09:00"' in html
    assert 'name="row_2_closes" type="text" value="19:00"' in html
    assert 'name="row_2_description" type="text" value="Late"' in html
    assert 'name="row_3_days"' in html  # and a blank line to add one
    assert 'id="id_row_1_days_0" name="row_1_days" type="checkbox" value="MO" checked' in html


def test_another_providers_service_does_not_exist_and_a_worker_may_not(
    own_service, other_service, as_persona
):
    before = AuditEvent.objects.count()
    manager = as_persona(PROV_A_MGR)
    assert manager.get(opening_of(other_service)).status_code == 404
    assert post_form(manager, opening_of(other_service), lines(other_service)).status_code == 404
    worker = as_persona(PROV_A)
    assert worker.get(opening_of(own_service)).status_code == 403
    assert post_form(worker, opening_of(own_service), lines(own_service)).status_code == 403
    assert other_service.schedules.count() == 1
    assert own_service.schedules.count() == 2
    assert AuditEvent.objects.count() == before


def test_a_manager_sets_the_times_and_one_event_records_it(own_service, world, as_persona):
    modified = own_service.last_modified
    before = AuditEvent.objects.count()
    response = post_form(
        as_persona(PROV_A_MGR),
        opening_of(own_service),
        lines(
            own_service,
            {"days": WEEKDAYS, "opens": "8.30", "closes": "1700"},
            {"days": ["SA"], "opens": "22:00", "closes": "02:00", "description_cy": "Nos"},
            {"description": "Closed on bank holidays"},
        ),
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("directory:settings")
    own_service.refresh_from_db()
    assert held(own_service) == [
        ("", None, None, "Closed on bank holidays", ""),
        ("MO,TU,WE,TH,FR", time(8, 30), time(17), "", ""),
        ("SA", time(22), time(2), "", "Nos"),
    ]
    assert own_service.last_modified > modified
    (event,) = AuditEvent.objects.filter(sequence__gt=before)
    assert event.operation == AuditEvent.Operation.ALTERATION
    assert event.actor_id == world.users[PROV_A_MGR].pk
    assert event.object_id == str(own_service.pk)
    assert event.detail == {"fields": ["schedules"]}
    # What officers are told at 1 a.m. on a Sunday, and what partners read.
    schedules = list(own_service.schedules.all())
    assert open_at(schedules, _local(date(2026, 12, 6), time(1))) is True
    assert open_at(schedules, _local(date(2026, 12, 6), time(3))) is False
    assert hsds.schema_problems(hsds.service_to_hsds(own_service), "service") == []


def _local(day, clock):
    return timezone.make_aware(datetime.combine(day, clock))


def test_the_same_times_sent_back_change_nothing_and_record_nothing(own_service, as_persona):
    ids = set(own_service.schedules.values_list("pk", flat=True))
    before = AuditEvent.objects.count()
    response = post_form(
        as_persona(PROV_A_MGR),
        opening_of(own_service),
        lines(
            own_service,
            {"days": ["TH"], "opens": "17:00", "closes": "19:00", "description": "Late"},
            # In another order, and the times typed otherwise: the same times.
            {"days": WEEKDAYS[::-1], "opens": "9.00", "closes": "1700"},
        ),
    )
    assert response.status_code == 302
    assert set(own_service.schedules.values_list("pk", flat=True)) == ids
    assert AuditEvent.objects.count() == before


def test_times_the_page_cannot_show_are_listed_and_kept(own_service, as_persona):
    monthly = Schedule.objects.create(
        service=own_service, freq="MONTHLY", byday="1MO", opens_at=time(10), closes_at=time(12)
    )
    dated = Schedule.objects.create(
        service=own_service,
        byday="SA",
        opens_at=time(10),
        closes_at=time(12),
        valid_to=date(2026, 12, 24),
    )
    client = as_persona(PROV_A_MGR)
    html = client.get(opening_of(own_service)).content.decode()
    assert "cannot be shown here" in html
    assert "until 24 December 2026" in html
    own_service.refresh_from_db()
    response = post_form(client, opening_of(own_service), lines(own_service))
    assert response.status_code == 302
    assert set(own_service.schedules.values_list("pk", flat=True)) == {monthly.pk, dated.pk}


@pytest.mark.parametrize(
    ("row", "field", "message"),
    [
        (
            {"days": ["MO"], "opens": "9am", "closes": "17:00"},
            "row_1_opens",
            "Line 1: enter the time like 09:00",
        ),
        (
            {"days": ["MO"], "opens": "09:00", "closes": "24:00"},
            "row_1_closes",
            "Line 1: enter the time like 09:00",
        ),
        ({"days": ["MO"], "closes": "17:00"}, "row_1_opens", "Line 1: enter the time it opens"),
        ({"days": ["MO"], "opens": "09:00"}, "row_1_closes", "Line 1: enter the time it closes"),
        (
            {"opens": "09:00", "closes": "17:00"},
            "row_1_days",
            "Line 1: select the days these times are for",
        ),
        (
            {"days": ["XX"], "opens": "09:00", "closes": "17:00"},
            "row_1_days",
            "Select the days from the list",
        ),
        (
            {"days": ["MO"], "opens": "09:00", "closes": "17:00", "description": "x" * 301},
            "row_1_description",
            "at most 300 characters",
        ),
    ],
)
def test_bad_lines_are_refused_naming_the_field(own_service, as_persona, row, field, message):
    before = AuditEvent.objects.count()
    response = post_form(as_persona(PROV_A_MGR), opening_of(own_service), lines(own_service, row))
    assert response.status_code == 400
    html = response.content.decode()
    assert f'id="id_{field}-error"' in html
    assert message in html
    assert "govuk-error-summary" in html
    assert own_service.schedules.count() == 2
    assert AuditEvent.objects.count() == before


def test_a_change_made_meanwhile_is_not_overwritten(own_service, as_persona):
    stale = lines(own_service, {"days": ["MO"], "opens": "10:00", "closes": "11:00"})
    services.service_referrals_update(actor=None, service_id=own_service.pk, accepts_referrals=True)
    response = post_form(as_persona(PROV_A_MGR), opening_of(own_service), stale)
    assert response.status_code == 409
    assert (
        "Someone else changed this service while you were editing it" in response.content.decode()
    )
    assert own_service.schedules.count() == 2
