"""police.uk import and export services and commands: whole force-months or nothing,
re-imports that replace, exports that read back the same, audit and permissions."""

import csv
import gc
import io
from collections import Counter
from datetime import UTC, date, datetime, time
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from pont.accounts import services as accounts
from pont.accounts.roles import Role
from pont.audit.models import AuditEvent
from pont.core.exceptions import ApplicationError, NotFoundError
from pont.stop_search import policeuk, services
from pont.stop_search.models import PoliceUkImport, PublishedSearch, Search, SearchTally
from pont.stop_search.policeuk import HEADER
from pont.testing.personas import ANALYST, FRONTLINE, INSPECTOR, OPSLEAD
from pont.testing.stop_search import amended, read_in_a_child, searched_in

from .test_policeuk import DATA, GOOD_ROWS, MALFORMED, NAME, REAL_FILES, csv_file, with_cell

OCTOBER = "2019-10-dyfed-powys-stop-and-search.csv"
LONDON = policeuk.LONDON
NOVEMBER_2016 = "2016-11-dyfed-powys-stop-and-search.csv"


pytestmark = pytest.mark.usefixtures("policeuk_force")  # police.uk's "dyfed-powys" is "dpp"


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
    return (
        PublishedSearch.objects.count(),
        PoliceUkImport.objects.count(),
        AuditEvent.objects.count(),
    )


def uk_day(search: PublishedSearch) -> date:
    return timezone.localtime(search.occurred_at, LONDON).date()


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
    assert record.controller == world.force
    searches = PublishedSearch.objects.filter(policeuk_import=record).order_by("pk")
    assert searches.count() == count == PublishedSearch.objects.count()
    assert not Search.objects.exists()  # published searches are not records made in Pont
    # In the file's order, each with the values the reader read from its row.
    with (DATA / name).open("rb") as stream:
        read = list(policeuk.PoliceUkReader(stream, vocabulary=services._policeuk_vocabulary()))
    fields = [name for name in services._PublishedSearchWriter.FIELDS]
    assert [tuple(getattr(s, f) for f in fields) for s in searches] == [
        tuple(getattr(row, f) for f in fields) for row in read
    ]


def test_identical_rows_are_all_kept(world):
    import_file(world)
    fields = [f.attname for f in PublishedSearch._meta.concrete_fields if f.attname != "id"]
    distinct = PublishedSearch.objects.values(*fields).distinct().count()
    assert PublishedSearch.objects.count() == 205
    assert distinct < 205  # the month has identical searches, each kept


def test_utc_dates_become_uk_days_and_the_clock_change_is_followed(world):
    import_file(world)
    import_file(world, OCTOBER)
    september = PublishedSearch.objects.filter(policeuk_import__month=date(2019, 9, 1))
    first = september.order_by("pk").first()
    assert first.occurred_at == datetime(2019, 8, 31, 23, 0, tzinfo=UTC)
    assert timezone.localtime(first.occurred_at, LONDON).time() == time(0)
    assert {uk_day(s).replace(day=1) for s in september} == {date(2019, 9, 1)}
    # Counted in the UK month (September), not in August where UTC puts the first days.
    assert SearchTally.objects.filter(month=date(2019, 8, 1)).count() == 0
    october = PublishedSearch.objects.filter(policeuk_import__month=date(2019, 10, 1))
    assert october.count() == 241
    after = [s for s in october if uk_day(s) > date(2019, 10, 27)]
    assert after
    assert {s.occurred_at.hour for s in after} == {0}
    assert {s.occurred_at.hour for s in october if uk_day(s) <= date(2019, 10, 27)} == {23}


def test_the_old_vocabulary_is_stored_as_todays_codes(world):
    import_file(world, NOVEMBER_2016)
    assert Counter(PublishedSearch.objects.values_list("outcome", flat=True)) == {
        "no_further_action": 111,
        "article_found": 64,
        "arrest": 6,
    }
    published = PublishedSearch.objects
    assert published.filter(self_defined_ethnicity="white_british").count() == 139
    assert published.filter(self_defined_ethnicity="not_stated").count() == 25


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
    again = import_file(world)
    assert (again.rows, again.replaced) == (205, 205)
    record = again.policeuk_import
    assert record.pk == first.policeuk_import.pk
    assert PoliceUkImport.objects.count() == 1
    assert PublishedSearch.objects.count() == 205
    # The import's searches are found by the keys it wrote them with.
    assert record.last_search_id - record.first_search_id + 1 == 205
    assert record.published_searches().count() == 205


def test_a_reissued_month_replaces_the_earlier_one_and_leaves_other_months_alone(world):
    import_file(world)
    import_file(world, OCTOBER)
    lines = (DATA / NAME).read_bytes().splitlines(keepends=True)
    reissued = b"".join(lines[:11])  # the header and 10 searches
    result = import_file(world, data=reissued)
    assert (result.rows, result.replaced) == (10, 205)
    months = Counter(PublishedSearch.objects.values_list("policeuk_import__month", flat=True))
    assert months == {date(2019, 9, 1): 10, date(2019, 10, 1): 241}
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


@pytest.mark.parametrize("in_child", [False, True], ids=["read here", "read in a child"])
def test_a_problem_after_searches_were_written_rolls_the_whole_file_back(
    world, monkeypatch, in_child
):
    if in_child:  # the rows come from a child process 40 at a time (reading.py)
        read_in_a_child(monkeypatch)
    monkeypatch.setattr(services, "POLICEUK_WRITE_BATCH", 500)
    written: list[int] = []
    send = services._PublishedSearchWriter.send
    monkeypatch.setattr(
        services._PublishedSearchWriter,
        "send",
        lambda self, values: written.append(len(values)) or send(self, values),
    )
    rows = [GOOD_ROWS[index % 2] for index in range(1200)]
    rows[1101] = rows[1101].replace("Arrest", "Detained")  # after two batches were written
    before = counts()
    with pytest.raises(services.PoliceUkImportError) as refused:
        import_file(world, data=csv_file(*rows))
    assert [(e.row, e.field) for e in refused.value.errors] == [(1103, "Outcome")]
    assert len(written) == 2  # 1,000 searches were written, then rolled back
    assert counts() == before


def test_the_garbage_collector_is_off_only_while_an_import_runs(world, monkeypatch):
    seen: list[bool] = []
    import_file(world, OCTOBER, on_progress=lambda rows, read: seen.append(gc.isenabled()))
    reading, finished = seen[:-1], seen[-1]
    assert reading
    assert not any(reading)  # off while reading and writing
    assert finished  # the last report, once all is written
    assert gc.isenabled()
    broken = (DATA / NAME).read_bytes().replace(b"Khat or Cannabis warning", b"Khat", 1)
    with pytest.raises(services.PoliceUkImportError):
        import_file(world, data=broken)
    assert gc.isenabled()  # on again after a refused file too
    gc.disable()
    try:
        import_file(world)
        assert not gc.isenabled()  # left as it was found
    finally:
        gc.enable()


def test_free_text_with_backslashes_and_welsh_is_stored_and_exported_as_written(world):
    """On PostgreSQL the rows go by COPY's text format, where a backslash is an escape."""
    name = "Ymgyrch Dŵr \\ Op. C:\\temp\\n"
    data = with_cell("Policing operation", name, **{"part of a policing operation": "True"})
    import_file(world, data=data)
    assert list(PublishedSearch.objects.values_list("operation_name", flat=True)) == [name, ""]
    rows = csv_rows("".join(export_lines(world, date(2019, 9, 1))))[1:]
    assert [row[3] for row in rows] == [name, ""]


@pytest.mark.parametrize("count", [1, 60, 127])
def test_every_row_is_stored_in_file_order_with_its_flags_whatever_the_count(world, count):
    """On SQLite the rows go ROWS_A_STATEMENT to an INSERT, the rest one by one, with the
    three flags given as integers: every row lands, in file order, and reads back as read."""
    flags = ["True", "False", ""]
    rows = []
    for index in range(count):
        cells = next(csv.reader([GOOD_ROWS[index % 2]]))
        cells[HEADER.index("Part of a policing operation")] = flags[index % 3]
        cells[HEADER.index("Outcome linked to object of search")] = flags[(index + 1) % 3]
        cells[HEADER.index("Removal of more than just outer clothing")] = flags[(index + 2) % 3]
        cells[HEADER.index("Policing operation")] = f"Op {index}"
        rows.append(",".join(cells))
    data = csv_file(*rows)
    read = list(
        policeuk.PoliceUkReader(io.BytesIO(data), vocabulary=services._policeuk_vocabulary())
    )
    assert len(read) == count
    import_file(world, data=data)
    stored = [
        policeuk.PoliceUkRow(row=0, **values)
        for values in PublishedSearch.objects.order_by("pk").values(*read[0].values())
    ]
    assert stored == [row._replace(row=0) for row in read]
    assert {row.outcome_linked for row in stored} == ({True, False, None} if count > 2 else {False})


def test_a_refused_reissue_leaves_the_month_as_it_was(world):
    import_file(world)
    ids = set(PublishedSearch.objects.values_list("pk", flat=True))
    broken = (DATA / NAME).read_bytes().replace(b"Khat or Cannabis warning", b"Khat", 1)
    with pytest.raises(services.PoliceUkImportError):
        import_file(world, data=broken)
    assert set(PublishedSearch.objects.values_list("pk", flat=True)) == ids


def test_each_import_finds_its_own_searches_by_its_range_of_keys(world):
    for name in REAL_FILES:
        import_file(world, name)
    import_file(world)  # September again: its keys are given again, after October's
    for record in PoliceUkImport.objects.all():
        mine = record.published_searches()
        assert mine.count() == record.rows
        assert set(mine.values_list("pk", flat=True)) == set(
            PublishedSearch.objects.filter(policeuk_import=record).values_list("pk", flat=True)
        )
    assert PublishedSearch.objects.count() == sum(REAL_FILES.values())


def test_a_month_is_replaced_whole_and_the_searches_recorded_in_pont_stay(world):
    """Published searches are never amended, sampled or judged (nothing points at them), so a
    reissue replaces them all; the searches recorded in Pont in the month are another kind of
    search and are untouched, amendments included."""
    import_file(world)
    recorded = searched_in(world, date(2019, 9, 1), day=10, outcome="no_further_action")
    amended(recorded, actor=world.user(INSPECTOR), outcome="arrest")
    lines = (DATA / NAME).read_bytes().splitlines(keepends=True)
    result = import_file(world, data=b"".join(lines[:4]))
    assert (result.rows, result.replaced) == (3, 205)
    assert PublishedSearch.objects.count() == 3
    recorded.refresh_from_db()
    assert (recorded.outcome_at_search, recorded.outcome) == ("no_further_action", "arrest")
    assert recorded.amendments.count() == 1


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
    assert not PoliceUkImport.objects.exists()


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
        PublishedSearch.objects.values_list(
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
        PublishedSearch.objects.values_list(
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


def test_a_month_exports_its_published_and_recorded_searches_in_date_order(world):
    """The searches recorded in Pont in the month join the published ones, at their moment,
    each with its outcome as it is now: an amended outcome goes out amended."""
    import_file(world)
    recorded = searched_in(
        world, date(2019, 9, 1), day=14, at=time(16, 30), outcome="no_further_action"
    )
    amended(recorded, actor=world.user(INSPECTOR), outcome="arrest", outcome_linked=True)
    rows = csv_rows("".join(export_lines(world, date(2019, 9, 1))))[1:]
    published = csv_rows((DATA / NAME).read_text(encoding="utf-8"))[1:]
    assert len(rows) == len(published) + 1
    (mine,) = [row for row in rows if row[1] == "2019-09-14T15:30:00+00:00"]
    assert (mine[12], mine[13]) == ("Arrest", "True")
    assert [row[1] for row in rows] == sorted(row[1] for row in rows)
    assert Counter(map(tuple, rows)) - Counter([tuple(mine)]) == Counter(map(tuple, published))
    recorded.refresh_from_db()
    assert recorded.outcome_at_search == "no_further_action"  # the record of the time stands


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
    assert PublishedSearch.objects.count() == 181 + 205 + 241
    call_command("import-policeuk", str(DATA / NAME), stdout=out)
    assert "They replace the 205 imported before." in out.getvalue()
    assert PublishedSearch.objects.count() == 181 + 205 + 241


def test_the_import_command_lists_every_problem_and_fails(world, tmp_path):
    bad = tmp_path / NAME
    bad.write_bytes((DATA / NAME).read_bytes().replace(b"Khat or Cannabis warning", b"=Khat()", 1))
    err, out = StringIO(), StringIO()
    with pytest.raises(CommandError, match="1 file of 2 was refused"):
        call_command("import-policeuk", str(bad), str(DATA / OCTOBER), stdout=out, stderr=err)
    assert "Row 3, Outcome: The value “=Khat()” starts with “=”" in err.getvalue()
    assert "241 searches imported" in out.getvalue()
    assert PublishedSearch.objects.count() == 241


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
