"""Reading police.uk stop-and-search files: the real Dyfed-Powys months, every quirk of the
format, and a corpus of malformed files, each refused naming its row, column and reason."""

import csv
import hashlib
import io
from collections import Counter
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from pont.stop_search import policeuk, services
from pont.stop_search.policeuk import HEADER, PoliceUkReader

DATA = Path(__file__).resolve().parents[1] / "data" / "policeuk"
REAL_FILES = {
    "2016-11-dyfed-powys-stop-and-search.csv": 181,
    "2019-09-dyfed-powys-stop-and-search.csv": 205,
    "2019-10-dyfed-powys-stop-and-search.csv": 241,
}
HEADER_LINE = ",".join(HEADER)
GOOD_ROWS = [
    "Person search,2019-08-31T23:00:00+00:00,,,,,Female,over 34,"
    "White - English/Welsh/Scottish/Northern Irish/British,White,"
    "Police and Criminal Evidence Act 1984 (section 1),Anything to threaten or harm anyone,"
    "Community resolution,,False",
    "Person and Vehicle search,2019-09-02T23:00:00+00:00,,,,,Male,18-24,"
    "Other ethnic group - Not stated,White,Misuse of Drugs Act 1971 (section 23),"
    "Controlled drugs,Arrest,True,False",
]
NAME = "2019-09-dyfed-powys-stop-and-search.csv"


@pytest.fixture
def vocabulary(db) -> policeuk.Vocabulary:  # noqa: ANN001
    """The vocabulary as the import builds it: reference rows and aliases of the migration."""
    return services._policeuk_vocabulary()


def read(data: bytes, vocabulary, name: str = NAME):  # noqa: ANN001, ANN201
    """Return (rows, reader) for a file's bytes, as the import reads it."""
    named, error = policeuk.parse_file_name(name)
    assert error is None
    reader = PoliceUkReader(io.BytesIO(data), vocabulary=vocabulary, month=named.month)
    return list(reader), reader


def csv_file(*rows: str, header: str = HEADER_LINE, ending: str = "\n") -> bytes:
    return "".join(line + ending for line in (header, *rows)).encode()


def with_cell(column: str, value: str, row: int = 1, **others: str) -> bytes:
    """The two good rows, with a cell of one (1 or 2) replaced, and others named by keyword."""
    cells = next(csv.reader([GOOD_ROWS[row - 1]]))
    cells[HEADER.index(column)] = value
    for name, other in others.items():
        cells[HEADER.index(name.capitalize())] = other
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="").writerow(cells)
    rows = list(GOOD_ROWS)
    rows[row - 1] = buffer.getvalue()
    return csv_file(*rows)


# The real files ------------------------------------------------------------------------


@pytest.mark.parametrize(("name", "count"), REAL_FILES.items())
def test_every_real_file_is_read_whole_with_no_problem(vocabulary, name, count):
    rows, reader = read((DATA / name).read_bytes(), vocabulary, name)
    assert reader.errors == []
    assert len(rows) == reader.rows == count
    assert [row.row for row in rows] == list(range(2, count + 2))
    assert reader.month == date(int(name[:4]), int(name[5:7]), 1)
    assert {row.local_date.replace(day=1) for row in rows} == {reader.month}


@pytest.mark.parametrize("name", REAL_FILES)
def test_identical_rows_are_kept_as_the_separate_searches_they_are(vocabulary, name):
    with (DATA / name).open(encoding="utf-8-sig", newline="") as file:
        raw = Counter(tuple(cells) for cells in list(csv.reader(file))[1:])
    rows, _reader = read((DATA / name).read_bytes(), vocabulary, name)
    parsed = Counter(tuple(row.values().items()) for row in rows)
    assert sum(raw.values()) - len(raw) > 0  # the file does repeat rows
    assert sorted(parsed.values()) == sorted(raw.values())


def test_the_2019_09_file_starts_on_1_september_in_the_uk_though_dated_31_august_utc(vocabulary):
    rows, _reader = read((DATA / NAME).read_bytes(), vocabulary)
    first = rows[0]
    assert first.occurred_at == datetime(2019, 8, 31, 23, 0, tzinfo=UTC)
    assert first.local_date == date(2019, 9, 1)
    assert first.day_only is True
    # Dyfed-Powys gives days only: every search is at local midnight.
    assert all(row.day_only for row in rows)


def test_the_2019_10_file_switches_from_23_00_to_00_00_utc_when_the_clocks_go_back(vocabulary):
    name = "2019-10-dyfed-powys-stop-and-search.csv"
    rows, _reader = read((DATA / name).read_bytes(), vocabulary, name)
    hours = {(row.local_date, row.occurred_at.hour) for row in rows}
    assert all(hour == 23 for day, hour in hours if day <= date(2019, 10, 27))
    assert all(hour == 0 for day, hour in hours if day > date(2019, 10, 27))
    assert any(day > date(2019, 10, 27) for day, _hour in hours)
    # 27 October in the UK began at 2019-10-26T23:00Z (still summer time at midnight).
    assert all(row.occurred_at.date() != date(2019, 10, 27) for row in rows)
    assert all(row.day_only for row in rows)


def test_the_old_vocabulary_of_2016_is_mapped_to_todays_codes(vocabulary):
    name = "2016-11-dyfed-powys-stop-and-search.csv"
    rows, reader = read((DATA / name).read_bytes(), vocabulary, name)
    assert reader.errors == []
    assert Counter(row.outcome for row in rows) == {
        "no_further_action": 111,  # Nothing found - no further action
        "article_found": 64,  # Article found - Detailed outcome unavailable
        "arrest": 6,  # Suspect arrested
    }
    assert Counter(row.self_defined_ethnicity for row in rows) == {
        "white_british": 139,  # White - White British (W1)
        "not_stated": 25,  # Not Stated (NS)
        "": 6,
        "white_other": 4,  # White - Any other White ethnic background (W9)
        "black_caribbean": 2,
        "asian_other": 2,
        "black_african": 1,
        "mixed_other": 1,
        "mixed_white_black_caribbean": 1,
    }
    assert all(row.removal_more_than_outer_clothing is None for row in rows)


def test_values_become_codes_booleans_and_blanks(vocabulary):
    rows, _reader = read((DATA / NAME).read_bytes(), vocabulary)
    second = rows[1]
    assert (second.search_type, second.gender, second.age_range) == (
        "person_and_vehicle",
        "female",
        "25_34",
    )
    assert (second.legislation, second.object_of_search, second.outcome) == (
        "mda_s23",
        "controlled_drugs",
        "khat_cannabis_warning",
    )
    assert (second.outcome_linked, second.removal_more_than_outer_clothing) == (False, False)
    assert (second.part_of_operation, second.latitude, second.longitude) == (None, None, None)


def test_crlf_line_ends_and_a_byte_order_mark_read_the_same(vocabulary):
    data = (DATA / NAME).read_bytes()
    plain, _reader = read(data, vocabulary)
    crlf, reader = read(b"\xef\xbb\xbf" + data.replace(b"\n", b"\r\n"), vocabulary)
    assert reader.errors == []
    assert crlf == plain


def test_labels_are_matched_ignoring_case_and_spacing(vocabulary):
    row = (
        "PERSON AND VEHICLE SEARCH,2019-09-01T10:30:15+00:00,true,Op Tester,52.123456,-4.1,"
        "male,OVER 34,white - irish,white,Environmental Protection Act 1990 (section 34B),"
        "controlled DRUGS,arrest,TRUE,false"
    )
    (parsed,), reader = read(csv_file(row), vocabulary)
    assert reader.errors == []
    assert parsed.search_type == "person_and_vehicle"
    assert (parsed.gender, parsed.age_range, parsed.self_defined_ethnicity) == (
        "male",
        "over_34",
        "white_irish",
    )
    assert (parsed.legislation, parsed.object_of_search, parsed.outcome) == (
        "epa_s34b",
        "controlled_drugs",
        "arrest",
    )
    assert (parsed.part_of_operation, parsed.outcome_linked) == (True, True)
    assert parsed.removal_more_than_outer_clothing is False
    assert parsed.operation_name == "Op Tester"
    assert (parsed.latitude, parsed.longitude) == (Decimal("52.123456"), Decimal("-4.100000"))
    assert parsed.day_only is False  # a real time: 11:30:15 in the UK
    assert parsed.local_date == date(2019, 9, 1)


def test_a_file_named_otherwise_takes_its_month_from_its_first_search(vocabulary):
    rows, reader = read(csv_file(*GOOD_ROWS), vocabulary, name="searches.csv")
    assert reader.errors == []
    assert len(rows) == 2
    assert reader.month == date(2019, 9, 1)


def test_a_file_name_gives_month_and_force_and_a_street_file_is_named_for_what_it_is():
    named, error = policeuk.parse_file_name("uploads/x/2019-09-dyfed-powys-stop-and-search.csv")
    assert (named.month, named.force, error) == (date(2019, 9, 1), "dyfed-powys", None)
    assert policeuk.parse_file_name("upload.csv") == (policeuk.FileName(), None)
    _named, error = policeuk.parse_file_name("2019-09-dyfed-powys-street.csv")
    assert error is not None
    assert "street-level crime" in error.reason
    _named, error = policeuk.parse_file_name("2019-13-dyfed-powys-stop-and-search.csv")
    assert error is not None
    assert "does not exist" in error.reason


def test_rows_written_back_read_the_same(vocabulary):
    for name in REAL_FILES:
        rows, _reader = read((DATA / name).read_bytes(), vocabulary, name)
        labels = services._policeuk_current_labels()
        written = "".join(policeuk.write_rows(rows, labels)).encode()
        again, reader = read(written, vocabulary, name)
        assert reader.errors == []
        assert [row.values() for row in again] == [row.values() for row in rows]


def test_a_free_text_operation_name_that_a_spreadsheet_would_run_is_written_harmless(vocabulary):
    rows, _reader = read(csv_file(*GOOD_ROWS), vocabulary)
    row = policeuk.PoliceUkRow(**{**rows[0].values(), "row": 0, "operation_name": "=cmd()"})
    lines = list(policeuk.write_rows([row], services._policeuk_current_labels()))
    assert lines[0] == HEADER_LINE + "\r\n"
    assert ",'=cmd()," in lines[1]
    assert lines[1].startswith("Person search,2019-08-31T23:00:00+00:00,,")


# Malformed files: each refused, naming row, column and reason -------------------------------

MIXED = GOOD_ROWS[1].replace("2019-09-02T23:00:00", "2019-09-30T23:00:00")  # 1 October, UK
LONG_LINE = "Person search," + "x" * (policeuk.MAX_LINE_BYTES + 10)
MALFORMED = [
    # (id, bytes, file name, row, column, reason that must be in the message)
    ("empty", b"", NAME, None, "", policeuk.EMPTY_FILE),
    ("header only", csv_file(), NAME, None, "", policeuk.NO_ROWS),
    (
        "latin-1",
        csv_file(*GOOD_ROWS).replace(b"Male", "M\xe2le".encode("latin-1")),
        NAME,
        3,
        "",
        policeuk.NOT_UTF8,
    ),
    ("utf-16", csv_file(*GOOD_ROWS).decode().encode("utf-16"), NAME, 1, "", policeuk.NOT_UTF8),
    ("nul byte", csv_file(GOOD_ROWS[0] + "\x00", GOOD_ROWS[1]), NAME, 2, "", policeuk.NOT_TEXT),
    (
        "missing column",
        csv_file(*GOOD_ROWS, header=HEADER_LINE.replace(",Outcome,", ",")),
        NAME,
        1,
        "",
        "missing: Outcome",
    ),
    (
        "extra column",
        csv_file(*GOOD_ROWS, header=HEADER_LINE + ",Station"),
        NAME,
        1,
        "",
        "not expected: “Station”",
    ),
    (
        "renamed column",
        csv_file(*GOOD_ROWS, header=HEADER_LINE.replace("Self-defined ethnicity", "Ethnicity")),
        NAME,
        1,
        "",
        "missing: Self-defined ethnicity; not expected: “Ethnicity”",
    ),
    (
        "columns reordered",
        csv_file(
            *GOOD_ROWS, header=HEADER_LINE.replace("Latitude,Longitude", "Longitude,Latitude")
        ),
        NAME,
        1,
        "",
        policeuk.COLUMN_ORDER,
    ),
    (
        "street file content",
        csv_file("", header="Crime ID,Month,Reported by,Falls within,Longitude,Latitude"),
        NAME,
        1,
        "",
        "missing: Type, Date",
    ),
    (
        "street file name",
        csv_file(*GOOD_ROWS),
        "2019-09-dyfed-powys-street.csv",
        None,
        "",
        "street-level crime",
    ),
    (
        "too few values",
        csv_file(GOOD_ROWS[0], GOOD_ROWS[1][: GOOD_ROWS[1].rindex(",")]),
        NAME,
        3,
        "",
        "has 14 values",
    ),
    ("too many values", csv_file(GOOD_ROWS[0] + ",", GOOD_ROWS[1]), NAME, 2, "", "has 16 values"),
    ("blank row inside", csv_file(GOOD_ROWS[0], "", GOOD_ROWS[1]), NAME, 3, "", policeuk.BLANK_ROW),
    (
        "impossible date",
        with_cell("Date", "2019-09-31T23:00:00+00:00"),
        NAME,
        2,
        "Date",
        "is not a date",
    ),
    (
        "date without offset",
        with_cell("Date", "2019-09-01T10:00:00"),
        NAME,
        2,
        "Date",
        "no UTC offset",
    ),
    ("date day first", with_cell("Date", "01/09/2019 00:00"), NAME, 2, "Date", "is not a date"),
    ("date missing", with_cell("Date", ""), NAME, 2, "Date", policeuk.REQUIRED),
    ("type missing", with_cell("Type", ""), NAME, 2, "Type", policeuk.REQUIRED),
    (
        "month not of the name",
        csv_file(*GOOD_ROWS),
        "2019-10-dyfed-powys-stop-and-search.csv",
        2,
        "Date",
        "not in 2019-10",
    ),
    ("months mixed", csv_file(GOOD_ROWS[0], MIXED), "searches.csv", 3, "Date", "holds one month"),
    (
        "months mixed in a named file",
        csv_file(GOOD_ROWS[0], MIXED),
        NAME,
        3,
        "Date",
        "not in 2019-09",
    ),
    (
        "unclosed quote",
        csv_file(GOOD_ROWS[0], GOOD_ROWS[1].replace(",Arrest,", ',"Arrest,')),
        NAME,
        3,
        "",
        policeuk.UNCLOSED_QUOTE,
    ),
    (
        "stray quote",
        csv_file(GOOD_ROWS[0].replace(",Female,", ',"Fe"male,'), GOOD_ROWS[1]),
        NAME,
        2,
        "",
        policeuk.STRAY_QUOTE,
    ),
    (
        "value over two lines",
        csv_file(GOOD_ROWS[0].replace(",Female,", ',"Fe\nmale",'), GOOD_ROWS[1]),
        NAME,
        2,
        "",
        policeuk.VALUE_OVER_LINES,
    ),
    (
        "formula in free text",
        with_cell("Policing operation", '=HYPERLINK("http://x.test","click")'),
        NAME,
        2,
        "Policing operation",
        "starts with “=”",
    ),
    (
        "formula with plus",
        with_cell("Gender", "+1+cmd|' /C calc'!A0"),
        NAME,
        2,
        "Gender",
        "starts with “+”",
    ),
    ("formula with minus", with_cell("Outcome", "-2+3"), NAME, 2, "Outcome", "starts with “-”"),
    (
        "formula with at",
        with_cell("Legislation", "@SUM(A1:A9)"),
        NAME,
        2,
        "Legislation",
        "starts with “@”",
    ),
    (
        "formula after a space",
        with_cell("Self-defined ethnicity", " =1+1"),
        NAME,
        2,
        "Self-defined ethnicity",
        "starts with “=”",
    ),
    (
        "formula as a coordinate",
        with_cell("Longitude", "-1+cmd"),
        NAME,
        2,
        "Longitude",
        "starts with “-”",
    ),
    (
        "control character",
        with_cell("Gender", "Ma\x07le"),
        NAME,
        2,
        "Gender",
        policeuk.CONTROL_CHARACTER,
    ),
    (
        "value too long",
        with_cell("Policing operation", "O" * 201),
        NAME,
        2,
        "Policing operation",
        "longer than 200",
    ),
    (
        "unknown outcome",
        with_cell("Outcome", "Arrested twice"),
        NAME,
        2,
        "Outcome",
        "“Arrested twice” is not a police.uk value",
    ),
    (
        "ethnicity with an en dash",
        with_cell("Self-defined ethnicity", "White – Irish"),
        NAME,
        2,
        "Self-defined ethnicity",
        "is not a police.uk value",
    ),
    (
        "unknown age range",
        with_cell("Age range", "35-44"),
        NAME,
        2,
        "Age range",
        "is not a police.uk value",
    ),
    (
        "bad boolean",
        with_cell("Removal of more than just outer clothing", "Yes"),
        NAME,
        2,
        "Removal of more than just outer clothing",
        "is not True, False or blank",
    ),
    (
        "latitude alone",
        with_cell("Latitude", "52.000000"),
        NAME,
        2,
        "Longitude",
        policeuk.HALF_A_PLACE,
    ),
    (
        "latitude out of range",
        with_cell("Latitude", "91.000000", longitude="-4.000000"),
        NAME,
        2,
        "Latitude",
        "out of range",
    ),
    (
        "seven decimal places",
        with_cell("Longitude", "-4.1234567"),
        NAME,
        2,
        "Longitude",
        "at most 6 decimal places",
    ),
    ("line too long", csv_file(GOOD_ROWS[0], LONG_LINE), NAME, 3, "", "longer than 65536 bytes"),
]


def _reason_text(reason) -> str:  # noqa: ANN001
    return str(reason).split("%(")[0]


@pytest.mark.parametrize(
    ("data", "name", "row", "field", "reason"),
    [case[1:] for case in MALFORMED],
    ids=[case[0] for case in MALFORMED],
)
def test_a_malformed_file_is_refused_naming_row_column_and_reason(
    vocabulary, data, name, row, field, reason
):
    named, name_error = policeuk.parse_file_name(name)
    if name_error is not None:
        errors = [name_error]
    else:
        reader = PoliceUkReader(io.BytesIO(data), vocabulary=vocabulary, month=named.month)
        list(reader)
        errors = reader.errors
    assert errors, "the file was not refused"
    first = errors[0]
    assert (first.row, first.field) == (row, field), errors
    assert _reason_text(reason) in first.reason
    if row is not None:
        assert str(first).startswith(f"Row {row}")


@pytest.mark.parametrize("block", [1, 7, 64])
def test_reading_in_small_blocks_reads_and_refuses_every_file_the_same(
    vocabulary, monkeypatch, block
):
    """The reader reads a block at a time, cut at line ends: with blocks shorter than a
    line (every line, a bad byte or a quoted value then crosses block edges), the real
    files read to the same rows and hash and every malformed file is refused at the same
    row, column and reason as with whole blocks."""

    def reading(data: bytes, name: str) -> tuple[list, list, str]:
        rows, reader = read(data, vocabulary, name)
        return rows, [(e.row, e.field, e.reason) for e in reader.errors], reader.sha256

    for name in REAL_FILES:
        data = (DATA / name).read_bytes()
        whole = reading(data, name)
        assert whole[2] == hashlib.sha256(data).hexdigest()
        with monkeypatch.context() as patched:
            patched.setattr(policeuk, "READ_BLOCK_BYTES", block)
            assert reading(data, name) == whole
    for case_id, data, name, _row, _field, _reason in MALFORMED:
        if policeuk.parse_file_name(name)[1] is not None:
            continue
        whole = reading(data, name)
        with monkeypatch.context() as patched:
            patched.setattr(policeuk, "READ_BLOCK_BYTES", block)
            assert reading(data, name)[1] == whole[1], case_id


def test_the_corpus_of_malformed_files_is_at_least_twenty_strong():
    assert len(MALFORMED) >= 20


def test_every_problem_of_a_file_is_reported_not_only_the_first(vocabulary):
    data = csv_file(
        GOOD_ROWS[0].replace("Community resolution", "Sent home"),
        GOOD_ROWS[1].replace("18-24", "eighteen").replace(",True,", ",Maybe,"),
    )
    _rows, reader = read(data, vocabulary)
    assert [(e.row, e.field) for e in reader.errors] == [
        (2, "Outcome"),
        (3, "Age range"),
        (3, "Outcome linked to object of search"),
    ]


def test_reading_stops_after_a_hundred_problems(vocabulary):
    data = csv_file(*[GOOD_ROWS[0].replace("Female", "Unknown")] * 500)
    _rows, reader = read(data, vocabulary)
    assert len(reader.errors) == policeuk.MAX_ERRORS + 1
    assert "Stopped reading after 100 problems" in reader.errors[-1].reason


def test_blank_lines_at_the_very_end_are_forgiven(vocabulary):
    rows, reader = read(csv_file(*GOOD_ROWS) + b"\n\r\n,,,,,,,,,,,,,,\n", vocabulary)
    assert reader.errors == []
    assert len(rows) == 2
