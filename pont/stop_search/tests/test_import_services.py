"""police.uk import and export services and commands: whole force-months or nothing,
re-imports that replace, exports that read back the same, audit and permissions."""

import csv
import io
from collections import Counter
from datetime import UTC, date, datetime
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from pont.accounts import services as accounts
from pont.accounts.roles import Role
from pont.audit.models import AuditEvent
from pont.core.exceptions import ApplicationError, NotFoundError
from pont.stop_search import policeuk, services
from pont.stop_search.models import OutcomeAmendment, PoliceUkImport, Search, SearchTally
from pont.testing.personas import ANALYST, FRONTLINE, INSPECTOR, OPSLEAD

from .test_policeuk import DATA, GOOD_ROWS, MALFORMED, NAME, REAL_FILES, csv_file

OCTOBER = "2019-10-dyfed-powys-stop-and-search.csv"
NOVEMBER_2016 = "2016-11-dyfed-powys-stop-and-search.csv"


@pytest.fixture
def world(world, settings):  # noqa: ANN001, ANN201
    """The personas, with the test force ("dpp") standing for police.uk's "dyfed-powys"."""
    settings.POLICEUK_FORCES = {"dyfed-powys": world.force.slug}
    return world


def import_file(world, name: str = NAME, data: bytes | None = None, *, user: str = ANALYST, **kw):  # noqa: ANN001, ANN201
    stream = io.BytesIO((DATA / name).read_bytes() if data is None else data)
    return services.policeuk_import(
        actor=world.user(user) if user else None, file_name=name, stream=stream, **kw
    )


def export_lines(world, month: date, *, user: str = ANALYST) -> list[str]:  # noqa: ANN001
    return list(services.policeuk_export(actor=world.user(user), force="dyfed-powys", month=month))


def csv_rows(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text, newline="")))


def last_sequence() -> int:
    return AuditEvent.objects.order_by("-sequence").values_list("sequence", flat=True).first() or 0


def counts() -> tuple[int, int, int]:
    return Search.objects.count(), PoliceUkImport.objects.count(), AuditEvent.objects.count()


# Import -------------------------------------------------------------------------------


@pytest.mark.parametrize(("name", "count"), REAL_FILES.items())
def test_each_real_file_lands_whole_as_the_forces_imported_searches(world, name, count):
    result = import_file(world, name)
    assert (result.rows, result.replaced) == (count, 0)
    record = result.policeuk_import
    assert (record.force, record.month, record.rows) == (
        "dyfed-powys",
        date(int(name[:4]), int(name[5:7]), 1),
        count,
    )
    assert record.file_name == name
    assert record.imported_by == world.user(ANALYST)
    searches = Search.objects.filter(policeuk_import=record)
    assert searches.count() == count == Search.objects.count()
    assert set(searches.values_list("source", "controller", "area", "grounds").distinct()) == {
        ("policeuk", world.force.pk, None, "")
    }
    assert sorted(searches.values_list("row_number", flat=True)) == list(range(2, count + 2))
    for search in searches:
        assert (search.outcome_at_search, search.linked_at_search) == (
            search.outcome,
            search.outcome_linked,
        )


def test_identical_rows_are_all_kept(world):
    import_file(world)
    fields = [
        f.attname
        for f in Search._meta.concrete_fields
        if f.attname not in ("id", "row_number", "created_at", "updated_at")
    ]
    distinct = Search.objects.values(*fields).distinct().count()
    assert Search.objects.count() == 205
    assert distinct < 205  # the month has identical searches, each kept


def test_utc_dates_become_uk_days_and_the_clock_change_is_followed(world):
    import_file(world)
    import_file(world, OCTOBER)
    first = Search.objects.get(row_number=2, local_date__month=9)
    assert first.occurred_at == datetime(2019, 8, 31, 23, 0, tzinfo=UTC)
    assert (first.local_date, first.day_only) == (date(2019, 9, 1), True)
    assert not Search.objects.filter(local_date__lt=date(2019, 9, 1)).exists()
    october = Search.objects.filter(local_date__month=10)
    assert october.count() == 241
    after = october.filter(local_date__gt=date(2019, 10, 27))
    assert after.exists()
    assert {s.occurred_at.hour for s in after} == {0}
    assert {s.occurred_at.hour for s in october.filter(local_date__lte=date(2019, 10, 27))} == {23}


def test_the_old_vocabulary_is_stored_as_todays_codes(world):
    import_file(world, NOVEMBER_2016)
    assert Counter(Search.objects.values_list("outcome", flat=True)) == {
        "no_further_action": 111,
        "article_found": 64,
        "arrest": 6,
    }
    assert Search.objects.filter(self_defined_ethnicity="white_british").count() == 139
    assert Search.objects.filter(self_defined_ethnicity="not_stated").count() == 25


def test_one_collection_event_records_the_import_and_names_no_person(world):
    before = last_sequence()
    result = import_file(world)
    events = list(AuditEvent.objects.filter(sequence__gt=before))
    assert len(events) == 1
    (event,) = events
    assert (event.operation, event.object_type, event.object_id) == (
        "collection",
        "stop_search.policeukimport",
        str(result.policeuk_import.pk),
    )
    assert event.subject_person_id is None
    assert event.actor == world.user(ANALYST)
    assert event.detail["rows"] == 205
    assert event.detail["month"] == "2019-09"
    assert event.detail["replaced"] == 0
    assert event.detail["sha256"].startswith("0a98aac1438560bc")


def test_importing_the_same_file_again_replaces_the_month_and_adds_nothing(world):
    first = import_file(world)
    before_ids = set(Search.objects.values_list("pk", flat=True))
    again = import_file(world)
    assert (again.rows, again.replaced) == (205, 205)
    assert again.policeuk_import.pk == first.policeuk_import.pk
    assert PoliceUkImport.objects.count() == 1
    assert Search.objects.count() == 205
    assert not before_ids & set(Search.objects.values_list("pk", flat=True))  # replaced


def test_a_reissued_month_replaces_the_earlier_one_and_leaves_other_months_alone(world):
    import_file(world)
    import_file(world, OCTOBER)
    lines = (DATA / NAME).read_bytes().splitlines(keepends=True)
    reissued = b"".join(lines[:11])  # the header and 10 searches
    result = import_file(world, data=reissued)
    assert (result.rows, result.replaced) == (10, 205)
    assert Search.objects.filter(local_date__month=9).count() == 10
    assert Search.objects.filter(local_date__month=10).count() == 241
    assert PoliceUkImport.objects.get(month=date(2019, 9, 1)).rows == 10


@pytest.mark.parametrize(
    ("data", "name", "row", "field", "reason"),
    [case[1:] for case in MALFORMED],
    ids=[case[0] for case in MALFORMED],
)
def test_a_malformed_file_writes_nothing_and_says_where_and_why(
    world, data, name, row, field, reason
):
    before = counts()
    with pytest.raises(services.PoliceUkImportError) as refused:
        import_file(world, name, data, force="dyfed-powys")
    assert counts() == before
    first = refused.value.extra["errors"][0]
    assert (first["row"], first["field"]) == (row, field)
    assert str(reason).split("%(")[0] in first["reason"]
    assert refused.value.status == 400
    assert name in refused.value.message


def test_a_problem_after_searches_were_written_rolls_the_whole_file_back(world):
    rows = [GOOD_ROWS[index % 2] for index in range(1200)]
    rows[1101] = rows[1101].replace("Arrest", "Detained")  # after two batches were written
    before = counts()
    with pytest.raises(services.PoliceUkImportError) as refused:
        import_file(world, data=csv_file(*rows))
    assert [(e.row, e.field) for e in refused.value.errors] == [(1103, "Outcome")]
    assert counts() == before


def test_a_refused_reissue_leaves_the_month_as_it_was(world):
    import_file(world)
    ids = set(Search.objects.values_list("pk", flat=True))
    broken = (DATA / NAME).read_bytes().replace(b"Khat or Cannabis warning", b"Khat", 1)
    with pytest.raises(services.PoliceUkImportError):
        import_file(world, data=broken)
    assert set(Search.objects.values_list("pk", flat=True)) == ids


def test_a_month_whose_searches_were_amended_in_pont_is_not_replaced(world):
    import_file(world)
    search = Search.objects.filter(outcome="no_further_action").first()
    OutcomeAmendment.objects.create(
        search=search,
        outcome="arrest",
        previous_outcome=search.outcome,
        reason="Arrested later for the drugs found",
        amended_by=world.user(INSPECTOR),
        amended_at=timezone.now(),
    )
    with pytest.raises(ApplicationError) as refused:
        import_file(world)
    assert refused.value.status == 409
    assert "1 search(es) of dyfed-powys 2019-09 have outcome amendments" in refused.value.message
    assert Search.objects.count() == 205


def test_a_month_with_searches_in_an_audit_sample_is_not_replaced(world):
    import_file(world)
    ids = set(Search.objects.values_list("pk", flat=True))
    tallied = sorted(SearchTally.objects.values_list("outcome", "searches"))
    sample = services.search_sample_draw(actor=None, controller=world.force, month=date(2019, 9, 1))
    assert sample.sampled.exists()
    with pytest.raises(ApplicationError) as refused:
        import_file(world)
    assert refused.value.status == 409
    assert refused.value.message == (
        "Searches of dyfed-powys 2019-09 are in an audit sample of searches, and their "
        "reviews refer to them: the month cannot be replaced."
    )
    # Nothing replaced, nothing uncounted.
    assert set(Search.objects.values_list("pk", flat=True)) == ids
    assert sorted(SearchTally.objects.values_list("outcome", "searches")) == tallied


def test_the_force_comes_from_the_name_or_the_caller_and_they_must_agree(world):
    renamed = (DATA / NAME).read_bytes()
    with pytest.raises(services.PoliceUkImportError) as refused:
        import_file(world, "searches.csv", renamed)
    assert "Say which force" in refused.value.errors[0].reason
    result = import_file(world, "searches.csv", renamed, force="dyfed-powys")
    assert (result.rows, result.policeuk_import.month) == (205, date(2019, 9, 1))
    with pytest.raises(services.PoliceUkImportError) as refused:
        import_file(world, force="gwent")
    assert "says the force is “dyfed-powys”, not “gwent”" in refused.value.errors[0].reason


def test_a_force_unknown_to_pont_is_not_found(world):
    with pytest.raises(NotFoundError):
        import_file(
            world, "2019-09-avon-and-somerset-stop-and-search.csv", (DATA / NAME).read_bytes()
        )
    assert counts()[0] == 0


@pytest.mark.parametrize("persona", [FRONTLINE, INSPECTOR, OPSLEAD])
def test_only_those_who_may_import_police_uk_data_may(world, persona):
    before = counts()
    with pytest.raises(ApplicationError) as refused:
        import_file(world, user=persona)
    assert refused.value.status == 403
    assert counts() == before
    with pytest.raises(ApplicationError) as refused:
        export_lines(world, date(2019, 9, 1), user=persona)
    assert refused.value.status == 403


def test_an_analyst_of_another_force_may_not_import_or_export_dyfed_powys(world, settings):
    gwent = accounts.organisation_create(
        actor=None, name="Gwent Police", slug="gwent", kind="force"
    )
    analyst, _password = accounts.user_create(
        actor=None,
        username="gwent-analyst",
        given_name="Gwen",
        family_name="Tester",
        email="gwen@example.test",
        password="Correct-Horse-Battery-Staple-42",
    )
    accounts.membership_create(
        actor=None, user=analyst, organisation=gwent, role=Role.INTELLIGENCE_ANALYST
    )
    with pytest.raises(ApplicationError) as refused:
        services.policeuk_import(
            actor=analyst, file_name=NAME, stream=io.BytesIO((DATA / NAME).read_bytes())
        )
    assert refused.value.status == 403
    with pytest.raises(ApplicationError) as refused:
        services.policeuk_export(actor=analyst, force="dyfed-powys", month=date(2019, 9, 1))
    assert refused.value.status == 403
    assert counts()[0] == 0


def test_progress_is_reported_as_the_file_is_read(world):
    calls: list[tuple[int, int]] = []
    import_file(world, OCTOBER, on_progress=lambda rows, read: calls.append((rows, read)))
    assert calls[-1] == (241, len((DATA / OCTOBER).read_bytes()))
    assert [rows for rows, _read in calls] == sorted(rows for rows, _read in calls)
    assert len(calls) >= 3


# Export -------------------------------------------------------------------------------


def test_the_export_of_an_unamended_month_is_the_published_file_again(world):
    import_file(world)
    exported = "".join(export_lines(world, date(2019, 9, 1)))
    published = (DATA / NAME).read_text(encoding="utf-8")
    assert exported.count("\r\n") == 206  # CRLF, as data.police.uk serves it
    assert csv_rows(exported)[0] == list(policeuk.HEADER)
    assert Counter(map(tuple, csv_rows(exported)[1:])) == Counter(
        map(tuple, csv_rows(published)[1:])
    )
    assert sorted(exported.replace("\r\n", "\n").splitlines()) == sorted(published.splitlines())


def test_an_export_reads_back_to_the_same_searches(world):
    import_file(world, OCTOBER)
    before = Counter(
        Search.objects.values_list(
            "occurred_at", "search_type", "gender", "age_range", "outcome", "outcome_linked"
        )
    )
    exported = "".join(export_lines(world, date(2019, 10, 1))).encode()
    reader = policeuk.PoliceUkReader(
        io.BytesIO(exported), vocabulary=services._policeuk_vocabulary()
    )
    rows = list(reader)
    assert reader.errors == []
    original = policeuk.PoliceUkReader(
        io.BytesIO((DATA / OCTOBER).read_bytes()), vocabulary=services._policeuk_vocabulary()
    )
    assert Counter(tuple(r.values().items()) for r in rows) == Counter(
        tuple(r.values().items()) for r in original
    )
    result = import_file(world, OCTOBER, exported)  # and imports as the same month again
    assert (result.rows, result.replaced) == (241, 241)
    after = Counter(
        Search.objects.values_list(
            "occurred_at", "search_type", "gender", "age_range", "outcome", "outcome_linked"
        )
    )
    assert after == before


def test_the_old_vocabulary_is_exported_with_todays_labels(world):
    import_file(world, NOVEMBER_2016)
    rows = csv_rows("".join(export_lines(world, date(2016, 11, 1))))[1:]
    outcomes = Counter(row[12] for row in rows)
    assert outcomes == {
        "A no further action disposal": 111,
        "Article found - Detailed outcome unavailable": 64,
        "Arrest": 6,
    }
    ethnicities = Counter(row[8] for row in rows)
    assert ethnicities["White - English/Welsh/Scottish/Northern Irish/British"] == 139
    assert ethnicities["Other ethnic group - Not stated"] == 25
    assert not any("(W1)" in row[8] for row in rows)


def test_an_amended_outcome_is_exported_as_it_is_now(world):
    import_file(world)
    search = Search.objects.filter(outcome="no_further_action", outcome_linked=None).first()
    OutcomeAmendment.objects.create(
        search=search,
        outcome="arrest",
        outcome_linked=True,
        previous_outcome=search.outcome,
        previous_linked=search.outcome_linked,
        reason="Arrested later for the drugs found",
        amended_by=world.user(INSPECTOR),
        amended_at=timezone.now(),
    )
    Search.objects.filter(pk=search.pk).update(outcome="arrest", outcome_linked=True)
    rows = csv_rows("".join(export_lines(world, date(2019, 9, 1))))[1:]
    published = csv_rows((DATA / NAME).read_text(encoding="utf-8"))[1:]
    assert Counter(row[12] for row in rows) - Counter(row[12] for row in published) == {"Arrest": 1}
    assert Counter(row[12] for row in published) - Counter(row[12] for row in rows) == {
        "A no further action disposal": 1
    }
    assert (
        Counter(row[13] for row in rows)["True"]
        == Counter(row[13] for row in published)["True"] + 1
    )
    search.refresh_from_db()
    assert search.outcome_at_search == "no_further_action"  # the record of the time stands


def test_an_export_is_audited_as_a_disclosure(world):
    import_file(world)
    before = last_sequence()
    export_lines(world, date(2019, 9, 1))
    (event,) = AuditEvent.objects.filter(sequence__gt=before)
    assert (event.operation, event.object_type, event.object_id) == (
        "disclosure",
        "stop_search.policeuk_export",
        "dyfed-powys 2019-09",
    )
    assert event.detail == {"force": "dyfed-powys", "month": "2019-09", "rows": 205}
    assert event.subject_person_id is None


def test_a_month_without_searches_exports_the_header_alone(world):
    assert export_lines(world, date(2020, 1, 1)) == [",".join(policeuk.HEADER) + "\r\n"]


# Commands -----------------------------------------------------------------------------


def test_the_import_command_imports_each_file_and_says_how_many(world):
    out = StringIO()
    call_command("import-policeuk", *(str(DATA / name) for name in REAL_FILES), stdout=out)
    assert "2019-09-dyfed-powys-stop-and-search.csv: 205 searches imported" in out.getvalue()
    assert "241 searches imported for dyfed-powys 2019-10" in out.getvalue()
    assert Search.objects.count() == 181 + 205 + 241
    call_command("import-policeuk", str(DATA / NAME), stdout=out)
    assert "They replace the 205 imported before." in out.getvalue()
    assert Search.objects.count() == 181 + 205 + 241


def test_the_import_command_lists_every_problem_and_fails(world, tmp_path):
    bad = tmp_path / NAME
    bad.write_bytes((DATA / NAME).read_bytes().replace(b"Khat or Cannabis warning", b"=Khat()", 1))
    err, out = StringIO(), StringIO()
    with pytest.raises(CommandError, match="1 file of 2 was refused"):
        call_command("import-policeuk", str(bad), str(DATA / OCTOBER), stdout=out, stderr=err)
    assert "Row 3, Outcome: The value “=Khat()” starts with “=”" in err.getvalue()
    assert "241 searches imported" in out.getvalue()
    assert Search.objects.count() == 241


def test_the_export_command_writes_a_file_that_imports_again(world, tmp_path):
    import_file(world)
    target = tmp_path / "out" / NAME
    target.parent.mkdir()
    err = StringIO()
    call_command(
        "export-policeuk",
        "--force",
        "dyfed-powys",
        "--month",
        "2019-09",
        "-o",
        str(target),
        stderr=err,
    )
    assert "Exported 205 searches" in err.getvalue()
    assert not (tmp_path / "out" / (NAME + ".part")).exists()
    out = StringIO()
    call_command("import-policeuk", str(target), stdout=out)
    assert "205 searches imported" in out.getvalue()
    out = StringIO()
    call_command("export-policeuk", "--force", "dyfed-powys", "--month", "2019-09", stdout=out)
    assert out.getvalue() == target.read_bytes().decode()
    with pytest.raises(CommandError, match="is not a month"):
        call_command("export-policeuk", "--force", "dyfed-powys", "--month", "Sept")


def test_imported_searches_get_time_ordered_version_7_ids_that_never_repeat():
    import uuid

    from pont.stop_search.services import _new_uuids

    first, second = _new_uuids(3000), _new_uuids(5)  # more than the 12-bit sequence holds
    ids = [uuid.UUID(value) for value in first + second]
    assert {value.version for value in ids} == {7}
    assert {value.variant for value in ids} == {uuid.RFC_4122}
    assert first + second == sorted(first + second)  # each later than the one before
    assert len(set(first + second)) == 3005
