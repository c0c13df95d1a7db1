"""pont import-hsds: services, organisations with services and list pages; all or nothing;
idempotent; every problem named by file, JSON path and reason."""

import json
import uuid
from datetime import UTC, datetime, time
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from pont.audit.models import AuditEvent
from pont.directory import hsds, selectors, services
from pont.directory.models import (
    DirectoryOrganization,
    Location,
    Phone,
    Schedule,
    Service,
    ServiceArea,
    ServiceAtLocation,
    ServiceLanguage,
)

from .conftest import DATA, import_samples, sample

HUB = "5e7a1c00-0000-4000-8000-000000000001"


def _counts():
    return {
        model.__name__: model.objects.count()
        for model in (
            DirectoryOrganization,
            Location,
            Service,
            Phone,
            Schedule,
            ServiceArea,
            ServiceLanguage,
            ServiceAtLocation,
        )
    }


def test_a_service_is_imported_with_its_organisation_places_phones_times_areas_languages_and_needs(
    db,
):
    summary = import_samples("service.json")
    assert summary.counts["services"] == {"created": 1, "updated": 0, "unchanged": 0}
    service = Service.objects.get(pk=HUB)
    assert (service.name, service.name_cy, service.status) == (
        "Llanelli recovery hub",
        "Hyb adfer Llanelli",
        "active",
    )
    assert service.description_cy == "Cymorth adfer galw heibio a mentora gan gymheiriaid."
    assert service.minimum_age == 18
    assert service.maximum_age is None
    assert service.last_modified == datetime(2026, 9, 1, 10, 30, 45, 123000, tzinfo=UTC)
    assert service.organization.name == "Recovery Cymru (example)"
    assert service.organization.name_cy == "Adferiad Cymru (enghraifft)"  # its alternate_name
    place = service.service_at_locations.get().location
    assert (place.name, place.name_cy) == ("The Hub", "Yr Hyb")  # a location's too
    assert list(service.organization.phones.values_list("number", flat=True)) == ["029 2018 0900"]
    assert sorted(service.needs.values_list("code", flat=True)) == ["alcohol", "drugs"]
    # County names match whatever their case, in English or Welsh.
    assert sorted(service.service_areas.values_list("county", flat=True)) == [
        "carmarthenshire",
        "pembrokeshire",
    ]
    # A language given only by name gets its code.
    assert sorted(service.languages.values_list("code", "name")) == [
        ("cy", "Welsh"),
        ("en", "English"),
    ]
    phone = service.phones.get()
    assert (phone.number, phone.extension, phone.description) == ("029 2018 0901", "12", "Hub desk")
    saturday = service.schedules.get(byday="SA")
    assert (saturday.opens_at, saturday.closes_at, saturday.description) == (
        time(10),
        time(12, 30),
        "Family morning",
    )
    location = service.service_at_locations.get().location
    assert (location.name, location.address_1, location.postal_code, location.latitude) == (
        "The Hub",
        "1 Stryd y Farchnad",
        "SA15 1AA",
        Decimal("51.68"),
    )
    assert location.organization == service.organization
    assert list(location.phones.values_list("number", flat=True)) == ["029 2018 0902"]
    # What Pont decides is never imported: a file cannot make a service take referrals.
    assert not service.accepts_referrals
    assert service.organization.pont_organisation is None


def test_an_organization_with_its_services_is_imported(db):
    summary = import_samples("organization.json")
    organization = DirectoryOrganization.objects.get(pk="0a6a0000-0000-4000-8000-000000000002")
    assert sorted(organization.services.values_list("name", "status")) == [
        ("Family support", "active"),
        ("Young carers group", "inactive"),
    ]
    family = organization.services.get(name="Family support")
    # The service names its place by id only; the place is in the organisation's locations.
    assert family.service_at_locations.get().location.city == "Brecon"
    assert list(family.needs.values_list("code", flat=True)) == ["families"]
    carers = organization.services.get(name="Young carers group")
    assert (carers.minimum_age, carers.maximum_age) == (8, 17)
    assert summary.counts == {
        "organizations": {"created": 1, "updated": 0, "unchanged": 0},
        "locations": {"created": 1, "updated": 0, "unchanged": 0},
        "services": {"created": 2, "updated": 0, "unchanged": 0},
    }


def test_a_list_page_is_imported(db):
    summary = import_samples("page.json")
    assert summary.counts["services"]["created"] == 2
    liaison = Service.objects.get(name="Ceredigion alcohol liaison")
    assert liaison.organization.name == "Bronglais liaison team (example)"
    assert list(liaison.languages.values_list("code", flat=True)) == ["cy"]
    assert Service.objects.get(name="Pembrokeshire tenancy support").status == "temporarily closed"


def test_importing_the_same_files_again_creates_and_changes_nothing(db):
    names = ("service.json", "organization.json", "page.json")
    import_samples(*names)
    before = _counts()
    stamps = dict(Service.objects.values_list("pk", "last_modified"))
    summary = import_samples(*names)
    assert _counts() == before
    assert dict(Service.objects.values_list("pk", "last_modified")) == stamps
    for counts in summary.counts.values():
        assert counts["created"] == counts["updated"] == 0


def test_a_changed_file_updates_only_what_changed(db):
    import_samples("service.json")
    document = json.loads((DATA / "service.json").read_text())
    document["name"] = "Llanelli recovery hub (Stepney Street)"
    document["phones"] = []
    document["service_areas"] = document["service_areas"][:1]
    del document["last_modified"]  # the source did not say: Pont stamps the change itself
    summary = services.hsds_import(actor=None, documents=[("changed", document)])
    assert summary.counts["services"] == {"created": 0, "updated": 1, "unchanged": 0}
    assert summary.counts["organizations"] == {"created": 0, "updated": 0, "unchanged": 1}
    service = Service.objects.get(pk=HUB)
    assert service.name == "Llanelli recovery hub (Stepney Street)"
    assert not service.phones.exists()
    assert list(service.service_areas.values_list("county", flat=True)) == ["carmarthenshire"]
    assert service.last_modified > datetime(2026, 9, 2, tzinfo=UTC)


def test_each_import_run_writes_one_audit_event_with_its_counts(db):
    before = AuditEvent.objects.count()
    import_samples("service.json", "page.json")
    event = AuditEvent.objects.get(sequence=before + 1)
    assert AuditEvent.objects.count() == before + 1
    assert (event.operation, event.object_type, event.actor_label) == (
        AuditEvent.Operation.COLLECTION,
        "directory.import",
        "system",
    )
    assert event.detail == {
        "documents": 2,
        "organizations": {"created": 3, "updated": 0, "unchanged": 0},
        "locations": {"created": 1, "updated": 0, "unchanged": 0},
        "services": {"created": 3, "updated": 0, "unchanged": 0},
    }


@pytest.mark.parametrize(
    ("name", "path", "reason"),
    [
        ("invalid_schema.json", "$.status", "'open' is not one of"),
        ("invalid_schema.json", "$.phones[0].id", "'not-a-uuid' is not a 'uuid'"),
        ("bad_json.json", "$", "not valid JSON: Expecting"),
        ("unknown_county.json", "$.service_areas[1].name", "unknown service area 'Gwynedd'"),
    ],
)
def test_a_bad_file_imports_nothing_and_says_which_file_where_and_why(db, name, path, reason):
    before, events = _counts(), AuditEvent.objects.count()
    with pytest.raises(services.HsdsImportError) as refused:
        # A good file in the same run is refused with it: all or nothing.
        services.hsds_import(actor=None, documents=sample("service.json", name))
    assert any(
        p.source == name and p.path == path and reason in p.reason for p in refused.value.problems
    ), refused.value.problems
    assert {p.source for p in refused.value.problems} == {name}
    assert _counts() == before
    assert AuditEvent.objects.count() == events
    assert refused.value.extra["problems"][0]["file"] == name


def _service(**changes):
    """The sample service with some changes; a change to None removes the key."""
    document = json.loads((DATA / "service.json").read_text())
    document.update(changes)
    return {key: value for key, value in document.items() if value is not None}


def _term(code, taxonomy):
    return {"id": HUB, "code": code, "name": code, "description": code, "taxonomy": taxonomy}


@pytest.mark.parametrize(
    ("document", "path", "reason"),
    [
        (_service(maximum_age=12), "$.maximum_age", "below the minimum age"),
        (_service(minimum_age=17.5), "$.minimum_age", "whole number"),
        (
            _service(attributes=[{"id": HUB, "taxonomy_term": _term("knitting", "pont-needs")}]),
            "$.attributes[0].taxonomy_term.code",
            "unknown need 'knitting'",
        ),
        (
            _service(organization_id="0a6a0000-0000-4000-8000-0000000000ff", organization=None),
            "$.organization_id",
            "neither in the files nor in the directory",
        ),
        (_service(email="not an email"), "$.email", "email"),
        (
            _service(schedules=[{"id": HUB, "byday": "MONDAY", "opens_at": "9am"}]),
            "$.schedules[0].byday",
            "'MONDAY' is not a day",
        ),
        (
            _service(languages=[{"id": HUB, "name": "Klingon"}]),
            "$.languages[0]",
            "ISO 639 code",
        ),
        ({"hello": "world"}, "$", "not an HSDS service, organization or list page"),
    ],
    ids=[
        "ages",
        "fractional-age",
        "need",
        "organization",
        "email",
        "byday",
        "language",
        "not-hsds",
    ],
)
def test_values_pont_cannot_hold_are_refused_with_their_path(db, document, path, reason):
    with pytest.raises(services.HsdsImportError) as refused:
        services.hsds_import(actor=None, documents=[("doc.json", document)])
    assert any(p.path == path and reason in p.reason for p in refused.value.problems), [
        str(p) for p in refused.value.problems
    ]
    assert not Service.objects.exists()


def test_a_time_that_is_not_a_time_is_refused(db):
    document = _service(schedules=[{"id": HUB, "byday": "MO", "opens_at": "9am"}])
    with pytest.raises(services.HsdsImportError) as refused:
        services.hsds_import(actor=None, documents=[("doc.json", document)])
    assert [str(p) for p in refused.value.problems] == [
        "doc.json: $.schedules[0].opens_at: '9am' is not a time of day (HH:MM)"
    ]


def test_round_trip_export_import_into_an_empty_directory_export_gives_the_same_document(
    demo_directory,
):
    import_samples("service.json", "organization.json", "page.json")
    first = selectors.hsds_export()
    assert first["total_items"] == 12
    ServiceAtLocation.objects.all().delete()
    Service.objects.all().delete()
    Location.objects.all().delete()
    DirectoryOrganization.objects.all().delete()
    assert not Phone.objects.exists()

    services.hsds_import(actor=None, documents=[("export.json", json.dumps(first))])
    assert selectors.hsds_export() == first


def test_the_command_imports_files_and_prints_a_summary(db):
    out = StringIO()
    call_command(
        "import-hsds", str(DATA / "service.json"), str(DATA / "organization.json"), stdout=out
    )
    text = out.getvalue()
    assert "Reading 2/2" in text
    assert "Imported 2 file(s): organizations 2 created" in text
    assert "services 3 created, 0 updated, 0 unchanged." in text
    assert Service.objects.count() == 3


def test_the_command_lists_every_problem_and_imports_nothing(db):
    err = StringIO()
    bad = str(DATA / "unknown_county.json")
    with pytest.raises(CommandError, match=r"Nothing was imported: 1 problem\(s\) in 1 of 2"):
        call_command("import-hsds", str(DATA / "service.json"), bad, stdout=StringIO(), stderr=err)
    assert f"{bad}: $.service_areas[1].name: unknown service area 'Gwynedd'" in err.getvalue()
    assert not Service.objects.exists()


def test_the_command_refuses_a_missing_file(db):
    with pytest.raises(CommandError, match="cannot be read"):
        call_command("import-hsds", str(DATA / "nope.json"))


def test_the_export_command_writes_a_list_page_that_imports_back(demo_directory, tmp_path):
    output = tmp_path / "directory.json"
    err = StringIO()
    call_command("export-hsds", "--output", str(output), stderr=err)
    assert "Exported 7 service(s)" in err.getvalue()
    page = json.loads(output.read_text(encoding="utf-8"))
    assert page["total_items"] == page["size"] == 7
    assert hsds.schema_problems(page, "page") == []
    summary = services.hsds_import(actor=None, documents=[("x", output.read_bytes())])
    assert summary.counts["services"] == {"created": 0, "updated": 0, "unchanged": 7}


def test_the_export_command_writes_to_stdout_by_default(demo_directory):
    out = StringIO()
    call_command("export-hsds", stdout=out)
    assert json.loads(out.getvalue())["total_items"] == 7


def test_a_changed_organisation_marks_its_services_changed_unless_the_file_dates_them(db):
    import_samples("organization.json", "service.json")
    stamps = dict(Service.objects.values_list("pk", "last_modified"))
    document = json.loads((DATA / "organization.json").read_text())
    document["email"] = "new@families.example.org"
    hub = json.loads((DATA / "service.json").read_text())
    hub["organization"]["email"] = "new@recovery.example.org"  # dated by the file: kept
    summary = services.hsds_import(actor=None, documents=[("org", document), ("hub", hub)])
    assert summary.counts["organizations"]["updated"] == 2
    after = dict(Service.objects.values_list("pk", "last_modified"))
    family = Service.objects.get(name="Family support").pk
    assert after[family] > stamps[family]
    assert after[uuid.UUID(HUB)] == stamps[uuid.UUID(HUB)]


def test_nan_and_infinity_are_not_json_and_are_refused(db):
    raw = (DATA / "service.json").read_text().replace('"minimum_age": 18', '"minimum_age": NaN')
    with pytest.raises(services.HsdsImportError) as refused:
        services.hsds_import(actor=None, documents=[("nan.json", raw.encode())])
    assert [p.path for p in refused.value.problems] == ["$"]
    assert "NaN is not a JSON value" in refused.value.problems[0].reason


# A file older than what it would replace


def test_a_file_older_than_a_change_made_in_pont_is_refused_unless_told_to_replace_it(world):
    import_samples("service.json")  # last_modified 2026-09-01T10:30:45.123Z
    hub = Service.objects.get(pk=HUB)
    manager = world.users["prov_a_mgr"]
    services.service_details_update(
        actor=manager,
        service_id=hub.pk,
        details={**{name: getattr(hub, name) for name in services.DETAIL_FIELDS}, "name": "Mine"},
        needs=hub.needs.values_list("code", flat=True),
        counties=hub.service_areas.values_list("county", flat=True),
        languages=hub.languages.values_list("code", flat=True),
        phones=[services.PhoneEntry(p.number, p.description) for p in hub.phones.all()],
    )
    before = _counts()
    events = AuditEvent.objects.count()
    with pytest.raises(services.HsdsImportError) as refused:
        import_samples("service.json")
    (problem,) = refused.value.problems
    assert (problem.source, problem.path) == ("service.json", "$.last_modified")
    assert "after this document's last_modified (2026-09-01T10:30:45.123Z)" in problem.reason
    assert "--replace-newer" in problem.reason
    assert Service.objects.get(pk=HUB).name == "Mine"
    assert _counts() == before
    assert AuditEvent.objects.count() == events
    # The command says so and imports nothing; told to replace it, it does.
    err = StringIO()
    with pytest.raises(CommandError, match="Nothing was imported: 1 problem"):
        call_command("import-hsds", str(DATA / "service.json"), stdout=StringIO(), stderr=err)
    assert "service.json: $.last_modified: Pont's copy of this service changed" in err.getvalue()
    assert Service.objects.get(pk=HUB).name == "Mine"
    out = StringIO()
    call_command("import-hsds", str(DATA / "service.json"), "--replace-newer", stdout=out)
    assert "services 0 created, 1 updated" in out.getvalue()
    hub.refresh_from_db()
    assert hub.name == "Llanelli recovery hub"
    assert hub.last_modified == datetime(2026, 9, 1, 10, 30, 45, 123000, tzinfo=UTC)


def test_a_file_that_does_not_say_when_it_changed_is_imported_over_a_change_in_pont(world):
    """Without last_modified nothing tells which is newer: the file is imported (see
    docs/directory.md)."""
    import_samples("service.json")
    Service.objects.filter(pk=HUB).update(name="Mine", last_modified=datetime.now(UTC))
    document = json.loads((DATA / "service.json").read_text())
    del document["last_modified"]
    services.hsds_import(actor=None, documents=[("undated.json", document)])
    assert Service.objects.get(pk=HUB).name == "Llanelli recovery hub"
