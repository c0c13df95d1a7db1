"""Reading and writing police.uk stop-and-search CSV files (pure: no database writes here).

data.police.uk publishes one file per force and month, named
``YYYY-MM-<force-id>-stop-and-search.csv``, with one fixed 15-column header.
What a reader has to cope with, all seen in the published files:

- CRLF or LF line ends, and a byte-order mark or none: decoded as utf-8-sig;
- dates in UTC with ``+00:00``: a search at local midnight in summer is dated
  23:00 the day before, so the day and the month are taken in Europe/London
  (the 2019-09 Dyfed-Powys file starts with rows dated 2019-08-31T23:00Z);
- ``True``/``False``/blank booleans, where blank means "not recorded";
- blank coordinates (every Dyfed-Powys row), else decimals with 6 places;
- a vocabulary that changed around 2018: older labels are `PoliceUkAlias` rows
  that point at today's codes, and labels are matched ignoring case;
- identical rows, which are real searches (dates are to the day): all kept.

A file is refused, with every problem named by row, column and reason, if it
is not UTF-8, has a different header, a row with the wrong number of values,
a bad date, an unclosed quote, a value that a spreadsheet would run as a
formula, a value outside the vocabulary, or rows of more than one month (or
of another month than its name says).

Rows are numbered as a spreadsheet shows them: the header is row 1 and the
first search row 2. A value never spans lines in police.uk files, so the row
number is also the line number.
"""

import csv
import hashlib
import io
import itertools
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from decimal import Decimal
from typing import IO, Any, NamedTuple, NoReturn
from zoneinfo import ZoneInfo

from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from .models import PoliceUkAlias, Search

LONDON = ZoneInfo("Europe/London")

# The header of every police.uk stop-and-search file since 2016, unchanged.
TYPE = "Type"
DATE = "Date"
PART_OF_OPERATION = "Part of a policing operation"
OPERATION_NAME = "Policing operation"
LATITUDE = "Latitude"
LONGITUDE = "Longitude"
GENDER = "Gender"
AGE_RANGE = "Age range"
SELF_DEFINED_ETHNICITY = "Self-defined ethnicity"
OFFICER_DEFINED_ETHNICITY = "Officer-defined ethnicity"
LEGISLATION = "Legislation"
OBJECT_OF_SEARCH = "Object of search"
OUTCOME = "Outcome"
OUTCOME_LINKED = "Outcome linked to object of search"
REMOVAL = "Removal of more than just outer clothing"
HEADER = (
    TYPE,
    DATE,
    PART_OF_OPERATION,
    OPERATION_NAME,
    LATITUDE,
    LONGITUDE,
    GENDER,
    AGE_RANGE,
    SELF_DEFINED_ETHNICITY,
    OFFICER_DEFINED_ETHNICITY,
    LEGISLATION,
    OBJECT_OF_SEARCH,
    OUTCOME,
    OUTCOME_LINKED,
    REMOVAL,
)

# The small fixed sets are model choices; these are police.uk's spellings of them.
TYPE_LABELS: dict[str, str] = {
    Search.Type.PERSON: "Person search",
    Search.Type.VEHICLE: "Vehicle search",
    Search.Type.PERSON_AND_VEHICLE: "Person and Vehicle search",
}
GENDER_LABELS: dict[str, str] = {
    Search.Gender.MALE: "Male",
    Search.Gender.FEMALE: "Female",
    Search.Gender.OTHER: "Other",
}
AGE_RANGE_LABELS: dict[str, str] = {
    Search.AgeRange.UNDER_10: "under 10",
    Search.AgeRange.AGE_10_17: "10-17",
    Search.AgeRange.AGE_18_24: "18-24",
    Search.AgeRange.AGE_25_34: "25-34",
    Search.AgeRange.OVER_34: "over 34",
}
OFFICER_DEFINED_ETHNICITY_LABELS: dict[str, str] = {
    Search.OfficerDefinedEthnicity.WHITE: "White",
    Search.OfficerDefinedEthnicity.BLACK: "Black",
    Search.OfficerDefinedEthnicity.ASIAN: "Asian",
    Search.OfficerDefinedEthnicity.MIXED: "Mixed",
    Search.OfficerDefinedEthnicity.OTHER: "Other",
}

# The dated vocabularies, named as PoliceUkAlias names their columns.
Column = PoliceUkAlias.Column
VOCABULARY_COLUMNS: dict[str, str] = {
    OUTCOME: Column.OUTCOME,
    SELF_DEFINED_ETHNICITY: Column.SELF_DEFINED_ETHNICITY,
    LEGISLATION: Column.LEGISLATION,
    OBJECT_OF_SEARCH: Column.OBJECT_OF_SEARCH,
}

MAX_LINE_BYTES = 64 * 1024  # a police.uk row is about 250 bytes
READ_BLOCK_BYTES = 1024 * 1024  # read, hashed and decoded a block at a time
MAX_VALUE_LENGTH = 200  # the longest police.uk label is under 100 characters
MAX_ERRORS = 100  # then stop reading: the file is refused anyway
KNOWN_VALUES = 10_000  # distinct values remembered per column (memory stays bounded)
# Characters that make a spreadsheet run a cell as a formula (OWASP "CSV injection").
FORMULA_STARTS = ("=", "+", "-", "@")
COORDINATE = re.compile(r"-?\d{1,3}(\.\d{1,6})?")
CONTROL_CHARACTERS = re.compile(r"[\x00-\x1f\x7f]")
NUMBER = re.compile(r"-?\d+(\.\d+)?")  # a negative number is not a formula
# ISO 8601 with an explicit offset, as police.uk writes it (seconds required, fraction allowed).
ISO_DATETIME = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?(Z|[+-]\d{2}:\d{2})")
FILE_NAME = re.compile(
    r"(?P<year>\d{4})-(?P<month>\d{2})-(?P<force>[a-z0-9]+(?:-[a-z0-9]+)*)"
    r"-(?P<kind>stop-and-search|street|outcomes)\.csv",
    re.IGNORECASE,
)

# Reasons, shared with the tests.
EMPTY_FILE = _("The file is empty.")
NO_ROWS = _("The file has a header but no searches.")
NOT_UTF8 = _("The file is not UTF-8 text (police.uk files are); this row has bytes that are not.")
NOT_TEXT = _("The file is not a text file: this row contains a NUL byte.")
LINE_TOO_LONG = _("The row is longer than %(limit)s bytes: this is not a police.uk file.")
BAD_HEADER = _("The header is not police.uk's stop-and-search header of 15 columns (%(details)s).")
MISSING_COLUMNS = _("missing: %(columns)s")
EXTRA_COLUMNS = _("not expected: %(columns)s")
COLUMN_ORDER = _("the columns are in another order")
BLANK_ROW = _("The row is blank.")
FIELD_COUNT = _("The row has %(count)s values; a police.uk row has 15.")
UNCLOSED_QUOTE = _("A quoted value is not closed (a quote mark is missing).")
STRAY_QUOTE = _("A quote mark is in the middle of a value.")
VALUE_OVER_LINES = _("A quoted value runs over more than one line (a quote mark is missing?).")
BAD_CSV = _("The row cannot be read as CSV: %(error)s.")
TOO_MANY_ERRORS = _("Stopped reading after %(count)s problems.")
CONTROL_CHARACTER = _("The value contains a control character.")
TOO_LONG = _("The value is longer than %(limit)s characters.")
FORMULA = _(
    "The value “%(value)s” starts with “%(first)s”, so a spreadsheet could run it as a "
    "formula; no police.uk value does."
)
REQUIRED = _("The value is blank: every search has one.")
NOT_IN_VOCABULARY = _("“%(value)s” is not a police.uk value of this column.")
BAD_BOOLEAN = _("“%(value)s” is not True, False or blank.")
BAD_DATE = _(
    "“%(value)s” is not a date and time as police.uk writes them "
    "(for example 2019-09-01T23:00:00+00:00)."
)
NO_OFFSET = _("“%(value)s” has no UTC offset (police.uk writes +00:00).")
BAD_COORDINATE = _("“%(value)s” is not a decimal number with at most 6 decimal places.")
OUT_OF_RANGE = _("“%(value)s” is out of range (%(low)s to %(high)s).")
HALF_A_PLACE = _("Latitude and Longitude are given together or not at all.")
WRONG_MONTH = _("The search is on %(day)s (UK time), not in %(month)s, the month of the file name.")
MIXED_MONTHS = _(
    "The search is on %(day)s (UK time), but row %(first_row)s is in %(month)s: "
    "a police.uk file holds one month."
)
WRONG_KIND = _("“%(name)s” is a police.uk %(kind)s file, not a stop-and-search file.")
BAD_FILE_MONTH = _("“%(name)s” names a month that does not exist.")


class _Stop(Exception):
    """Reading cannot go on (bad encoding, bad header, broken quoting, too many problems)."""


@dataclass(frozen=True)
class RowError:
    """A problem with a file: the row (None for the file as a whole), the column and why."""

    row: int | None
    field: str
    reason: str

    def __str__(self) -> str:
        if self.row is None:
            return self.reason
        if self.field:
            return gettext("Row %(row)s, %(field)s: %(reason)s") % {
                "row": self.row,
                "field": self.field,
                "reason": self.reason,
            }
        return gettext("Row %(row)s: %(reason)s") % {"row": self.row, "reason": self.reason}

    def as_dict(self) -> dict[str, Any]:
        return {"row": self.row, "field": self.field, "reason": self.reason}


class PoliceUkRow(NamedTuple):
    """One search as police.uk publishes it, its values turned into Pont's codes.

    Categorical values are codes ("" when blank): Search's choices for type,
    gender, age range and officer-defined ethnicity, reference data codes for
    the rest. `row` is the row in the file (0 for a row not read from one).
    A tuple (immutable, compared field by field) of the row number and the
    file's 15 values in its order: the reader makes one per row, and a frozen
    dataclass set its fields one at a time.
    """

    row: int
    search_type: str
    occurred_at: datetime  # aware, UTC
    part_of_operation: bool | None
    operation_name: str
    latitude: Decimal | None
    longitude: Decimal | None
    gender: str
    age_range: str
    self_defined_ethnicity: str
    officer_defined_ethnicity: str
    legislation: str
    object_of_search: str
    outcome: str
    outcome_linked: bool | None
    removal_more_than_outer_clothing: bool | None

    def values(self) -> dict[str, Any]:
        """Every field but the row number: what two readings of the same search share."""
        return {name: getattr(self, name) for name in self._fields if name != "row"}

    @property
    def local_date(self) -> date:
        """The day in Europe/London (police.uk dates are in UTC)."""
        return self.occurred_at.astimezone(LONDON).date()

    @property
    def day_only(self) -> bool:
        """Local midnight exactly: the force gives the day, not the time."""
        return self.occurred_at.astimezone(LONDON).time() == time(0)


def label_key(label: str) -> str:
    """Return how labels are compared: ignoring case, runs of spaces and a space before ")".

    police.uk writes "Environmental Protection Act 1990 (section 34B )"; the
    tidy spelling matches it too.
    """
    return re.sub(r" \)", ")", " ".join(label.split())).casefold()


def _keyed(labels: Mapping[str, str]) -> dict[str, str]:
    return {label_key(label): str(code) for code, label in labels.items()}


FIXED_VOCABULARIES: dict[str, dict[str, str]] = {
    TYPE: _keyed(TYPE_LABELS),
    GENDER: _keyed(GENDER_LABELS),
    AGE_RANGE: _keyed(AGE_RANGE_LABELS),
    OFFICER_DEFINED_ETHNICITY: _keyed(OFFICER_DEFINED_ETHNICITY_LABELS),
}


@dataclass(frozen=True)
class Vocabulary:
    """police.uk labels, current and older, and the Pont code each stands for, per column."""

    codes: Mapping[str, Mapping[str, str]]  # police.uk column -> label_key(label) -> code

    @classmethod
    def from_labels(cls, labels: Iterable[tuple[str, str, str]]) -> "Vocabulary":
        """Build it from (PoliceUkAlias.Column value, police.uk label, code) triples."""
        columns = {value: name for name, value in VOCABULARY_COLUMNS.items()}
        codes: dict[str, dict[str, str]] = {name: {} for name in VOCABULARY_COLUMNS}
        for column, label, code in labels:
            codes[columns[column]][label_key(label)] = code
        return cls(codes=codes)

    def code_for(self, column: str, label: str) -> str | None:
        table = FIXED_VOCABULARIES.get(column) or self.codes.get(column, {})
        return table.get(label_key(label))


@dataclass(frozen=True)
class FileName:
    """What a police.uk file name says: its month (first day) and the force's police.uk id."""

    month: date | None = None
    force: str | None = None


def parse_file_name(name: str) -> tuple[FileName, RowError | None]:
    """Read the month and force from a police.uk file name; a name of another pattern says none.

    Only the last part of a path counts. A police.uk street or outcomes file is
    an error: it would otherwise be refused for its header, less clearly.
    """
    base = re.split(r"[\\/]", name)[-1]
    match = FILE_NAME.fullmatch(base)
    if match is None:
        return FileName(), None
    kind = match["kind"].lower()
    if kind != "stop-and-search":
        kinds = {"street": gettext("street-level crime"), "outcomes": gettext("outcomes")}
        return FileName(), RowError(None, "", str(WRONG_KIND) % {"name": base, "kind": kinds[kind]})
    try:
        month = date(int(match["year"]), int(match["month"]), 1)
    except ValueError:
        return FileName(), RowError(None, "", str(BAD_FILE_MONTH) % {"name": base})
    return FileName(month=month, force=match["force"].lower()), None


def month_label(month: date) -> str:
    return f"{month:%Y-%m}"


class PoliceUkReader:
    """Read a police.uk stop-and-search file once, row by row, in constant memory.

    Iterating yields each row that is correct, as a PoliceUkRow; problems go to
    `errors` (row, column, reason) and reading goes on to find them all (up to
    MAX_ERRORS), unless the file cannot be read further (not UTF-8, another
    header, broken quoting). A caller that writes as it reads must check
    `errors` at the end and throw the whole file away if there are any.

    `month` is the file's month (its first day): the one given, usually from
    the file name, else the month of the first search. `rows` counts the
    search rows read, `bytes_read` the bytes, and `sha256` hashes them.
    """

    def __init__(
        self,
        stream: IO[bytes] | IO[str],
        *,
        vocabulary: Vocabulary,
        month: date | None = None,
        max_errors: int = MAX_ERRORS,
    ) -> None:
        self._stream = stream
        self._vocabulary = vocabulary
        self._month_from_name = month is not None
        self._month_row: int | None = None
        self._max_errors = max_errors
        self.month = month
        self.errors: list[RowError] = []
        self.rows = 0
        self.bytes_read = 0
        self._hash = hashlib.sha256()
        self._line = 0
        # Per column (in HEADER order): each value met in a correct row -> what it was read as.
        self._known: list[dict[str, Any]] = [{} for _column in HEADER]

    @property
    def sha256(self) -> str:
        return self._hash.hexdigest()

    def __iter__(self) -> Iterator[PoliceUkRow]:
        try:
            yield from self._read()
        except _Stop:
            return

    # ------------------------------------------------------------ reading

    def _error(self, row: int | None, field: str, reason: Any) -> None:
        self.errors.append(RowError(row, field, str(reason)))
        if len(self.errors) >= self._max_errors:
            self.errors.append(
                RowError(None, "", str(TOO_MANY_ERRORS) % {"count": len(self.errors)})
            )
            raise _Stop

    def _stop(self, row: int | None, field: str, reason: Any) -> NoReturn:
        self.errors.append(RowError(row, field, str(reason)))
        raise _Stop

    def _stop_too_long(self, line: int) -> NoReturn:
        self._stop(line, "", str(LINE_TOO_LONG) % {"limit": MAX_LINE_BYTES})

    def _lines(self) -> Iterator[str]:
        """The file's lines as text (without their line end), checked for encoding, NUL
        bytes and length: the lines of each block, one after the other."""
        return itertools.chain.from_iterable(self._blocks())

    def _blocks(self) -> Iterator[list[str]]:
        """Yield the file's lines a block at a time.

        The file is read, hashed and decoded a block at a time, each block cut after
        its last line end so that no line is split between two; a problem stops the
        reading at its line, after the lines before it have been read.
        """
        pending = b""
        first = True
        while True:
            block: bytes | str = self._stream.read(READ_BLOCK_BYTES)
            data = block.encode("utf-8", "surrogatepass") if isinstance(block, str) else block
            if data:
                self._hash.update(data)
                self.bytes_read += len(data)
                cut = data.rfind(b"\n") + 1
                if not cut:
                    pending += data
                    if len(pending) > MAX_LINE_BYTES:
                        self._stop_too_long(self._line + 1)
                    continue
                chunk, pending = pending + data[:cut], data[cut:]
            else:
                chunk, pending = pending, b""
                if not chunk:
                    return
            yield from self._block_lines(chunk, first)
            first = False

    def _block_lines(self, chunk: bytes, first: bool) -> Iterator[list[str]]:
        """The lines of whole lines of the file (the last may lack its line end, at the end);
        those before a problem, then the problem."""
        try:
            text = chunk.decode("utf-8-sig" if first else "utf-8")
        except UnicodeDecodeError as error:
            start = chunk.rfind(b"\n", 0, error.start) + 1
            if start:
                yield from self._block_lines(chunk[:start], first)
            self._stop(self._line + 1, "", NOT_UTF8)
        lines = text.split("\n")
        if not lines[-1]:
            lines.pop()  # after the last line end
        if len(chunk) > MAX_LINE_BYTES and max(map(len, lines)) * 4 > MAX_LINE_BYTES:
            for index, line in enumerate(lines):
                if len(line.encode()) > MAX_LINE_BYTES:
                    yield lines[:index]
                    self._line += index
                    self._stop_too_long(self._line + 1)
        if "\x00" in text:
            index = next(index for index, line in enumerate(lines) if "\x00" in line)
            yield lines[:index]
            self._line += index
            self._stop(self._line + 1, "", NOT_TEXT)
        yield lines
        self._line += len(lines)

    def _read(self) -> Iterator[PoliceUkRow]:
        lines = self._lines()
        first = next(lines, None)
        if first is None:
            self._stop(None, "", EMPTY_FILE)
        self._check_header(self._cells(1, first, lines))
        row = 1
        blank_rows: list[int] = []
        width = len(HEADER)
        known = self._known
        look_up = dict.__getitem__
        make = tuple.__new__
        for line in lines:
            row += 1
            # A line with no quote mark and no carriage return inside is its values split at
            # the commas, exactly as csv reads it; any other goes through csv.
            body = line[:-1] if line[-1:] == "\r" else line
            if '"' in body or "\r" in body:
                cells = self._cells(row, line, lines)
            else:
                cells = body.split(",")
            if len(cells) == width and not blank_rows:
                # Every value met before in a correct row (police.uk files repeat a few
                # hundred per column): taken as it was read then. Type is never blank in
                # a correct row, so such a row is not blank either.
                # (Each was remembered from a row of this file's month: the month is set by
                # the first search read, or the file name, and never changes.)
                try:
                    values = (row, *map(look_up, known, cells))
                except KeyError:
                    pass
                else:
                    if (cells[4] == "") == (cells[5] == ""):  # else HALF_A_PLACE
                        self.rows += 1
                        yield make(PoliceUkRow, values)
                        continue
            if not any(cell.strip() for cell in cells):
                blank_rows.append(row)  # blank lines at the very end are forgiven
                continue
            for blank in blank_rows:
                self._error(blank, "", BLANK_ROW)
            blank_rows = []
            self.rows += 1
            if len(cells) != width:
                self._error(row, "", str(FIELD_COUNT) % {"count": len(cells)})
                continue
            parsed = self._parse_checked(row, cells)
            if parsed is not None:
                self._remember(cells, parsed)
                yield parsed
        if self.rows == 0:
            self._stop(None, "", NO_ROWS)

    def _cells(self, row: int, line: str, lines: Iterator[str]) -> list[str]:
        """Read one row's values with csv, from its line and, for a quoted value, the next."""
        reader = csv.reader(itertools.chain((line,), lines), strict=True)
        try:
            cells = next(reader)
        except csv.Error as error:
            message = str(error)
            if "unexpected end of data" in message or "field larger" in message:
                reason: Any = UNCLOSED_QUOTE
            elif "expected after" in message:
                reason = STRAY_QUOTE
            else:
                reason = str(BAD_CSV) % {"error": message}
            self._stop(row, "", reason)
        if reader.line_num != 1:
            self._stop(row, "", VALUE_OVER_LINES)
        return cells

    def _check_header(self, header: list[str]) -> None:
        if tuple(header) == HEADER:
            return
        details = []
        missing = [name for name in HEADER if name not in header]
        extra = [name for name in header if name not in HEADER]
        if missing:
            details.append(str(MISSING_COLUMNS) % {"columns": ", ".join(missing)})
        if extra:
            shown = ", ".join(f"“{name}”" for name in extra)
            details.append(str(EXTRA_COLUMNS) % {"columns": shown})
        if not details:
            details.append(str(COLUMN_ORDER))
        self._stop(1, "", str(BAD_HEADER) % {"details": "; ".join(details)})

    # ------------------------------------------------------------ one row

    def _remember(self, cells: list[str], parsed: PoliceUkRow) -> None:
        """Keep each value of a correct row with what it was read as, up to KNOWN_VALUES each."""
        read_as = parsed[1:]  # the values, in the file's order
        for known, cell, value in zip(self._known, cells, read_as, strict=True):
            if len(known) < KNOWN_VALUES:
                known[cell] = value

    def _parse_checked(self, row: int, cells: list[str]) -> PoliceUkRow | None:
        errors_before = len(self.errors)
        cell = dict(zip(HEADER, cells, strict=True))
        for column, value in cell.items():
            self._check_value(row, column, value)
        if len(self.errors) > errors_before:
            return None  # unsafe or unreadable values: nothing more to say about them

        search_type = self._code(row, TYPE, cell[TYPE], required=True)
        when = self._date(row, cell[DATE])
        latitude = self._coordinate(row, LATITUDE, cell[LATITUDE], 90)
        longitude = self._coordinate(row, LONGITUDE, cell[LONGITUDE], 180)
        if (cell[LATITUDE] == "") != (cell[LONGITUDE] == ""):
            self._error(row, LATITUDE if cell[LATITUDE] == "" else LONGITUDE, HALF_A_PLACE)
        values: dict[str, Any] = {
            "part_of_operation": self._boolean(row, PART_OF_OPERATION, cell[PART_OF_OPERATION]),
            "gender": self._code(row, GENDER, cell[GENDER]),
            "age_range": self._code(row, AGE_RANGE, cell[AGE_RANGE]),
            "self_defined_ethnicity": self._code(
                row, SELF_DEFINED_ETHNICITY, cell[SELF_DEFINED_ETHNICITY]
            ),
            "officer_defined_ethnicity": self._code(
                row, OFFICER_DEFINED_ETHNICITY, cell[OFFICER_DEFINED_ETHNICITY]
            ),
            "legislation": self._code(row, LEGISLATION, cell[LEGISLATION]),
            "object_of_search": self._code(row, OBJECT_OF_SEARCH, cell[OBJECT_OF_SEARCH]),
            "outcome": self._code(row, OUTCOME, cell[OUTCOME]),
            "outcome_linked": self._boolean(row, OUTCOME_LINKED, cell[OUTCOME_LINKED]),
            "removal_more_than_outer_clothing": self._boolean(row, REMOVAL, cell[REMOVAL]),
        }
        if len(self.errors) > errors_before or when is None or search_type is None:
            return None
        return PoliceUkRow(
            row=row,
            search_type=search_type,
            occurred_at=when.astimezone(UTC),
            operation_name=cell[OPERATION_NAME].strip(),
            latitude=latitude,
            longitude=longitude,
            **values,
        )

    def _check_value(self, row: int, column: str, value: str) -> None:
        """Refuse values no police.uk file has and that could harm whoever opens the file."""
        if CONTROL_CHARACTERS.search(value):
            self._error(row, column, CONTROL_CHARACTER)
        elif len(value) > MAX_VALUE_LENGTH:
            self._error(row, column, str(TOO_LONG) % {"limit": MAX_VALUE_LENGTH})
        elif value.lstrip().startswith(FORMULA_STARTS) and not (
            column in (LATITUDE, LONGITUDE) and NUMBER.fullmatch(value)
        ):
            first = value.lstrip()[0]
            self._error(row, column, str(FORMULA) % {"value": value, "first": first})

    def _code(self, row: int, column: str, value: str, *, required: bool = False) -> str | None:
        if not value.strip():
            if required:
                self._error(row, column, REQUIRED)
                return None
            return ""
        code = self._vocabulary.code_for(column, value)
        if code is None:
            self._error(row, column, str(NOT_IN_VOCABULARY) % {"value": value})
        return code

    def _boolean(self, row: int, column: str, value: str) -> bool | None:
        text = value.strip().casefold()
        if text in ("true", "false"):
            return text == "true"
        if text:
            self._error(row, column, str(BAD_BOOLEAN) % {"value": value})
        return None

    def _coordinate(self, row: int, column: str, value: str, limit: int) -> Decimal | None:
        if value == "":
            return None
        if not COORDINATE.fullmatch(value):
            self._error(row, column, str(BAD_COORDINATE) % {"value": value})
            return None
        number = Decimal(value).quantize(Decimal("0.000001"))
        if abs(number) > limit:
            self._error(
                row, column, str(OUT_OF_RANGE) % {"value": value, "low": -limit, "high": limit}
            )
            return None
        return number

    def _date(self, row: int, value: str) -> datetime | None:
        if not value.strip():
            self._error(row, DATE, REQUIRED)
            return None
        if not ISO_DATETIME.fullmatch(value):
            naive = re.fullmatch(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2})?", value)
            self._error(row, DATE, str(NO_OFFSET if naive else BAD_DATE) % {"value": value})
            return None
        try:
            when = datetime.fromisoformat(value)
        except ValueError:
            self._error(row, DATE, str(BAD_DATE) % {"value": value})
            return None
        day = when.astimezone(LONDON).date()
        month = day.replace(day=1)
        if self.month is None:
            self.month, self._month_row = month, row
        elif month != self.month:
            if self._month_from_name:
                reason = str(WRONG_MONTH) % {"day": day, "month": month_label(self.month)}
            else:
                reason = str(MIXED_MONTHS) % {
                    "day": day,
                    "first_row": self._month_row,
                    "month": month_label(self.month),
                }
            self._error(row, DATE, reason)
            return None
        return when


# ---------------------------------------------------------------- writing


def _boolean_cell(value: bool | None) -> str:
    return "" if value is None else str(value)


def _text_cell(value: str) -> str:
    """Free text as police.uk writes it, made harmless to a spreadsheet (OWASP: prefix ')."""
    return f"'{value}" if value.lstrip().startswith(FORMULA_STARTS) else value


def _coordinate_cell(value: Decimal | None) -> str:
    return "" if value is None else f"{value:.6f}"


def _csv_line(values: list[str]) -> str:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerow(values)
    return buffer.getvalue()


def write_rows(
    rows: Iterable[PoliceUkRow], labels: Mapping[str, Mapping[str, str]]
) -> Iterator[str]:
    """Yield a police.uk stop-and-search file, line by line: the header, then each row.

    `labels` gives, per dated column (OUTCOME, SELF_DEFINED_ETHNICITY,
    LEGISLATION, OBJECT_OF_SEARCH), each code's current police.uk label.
    Dates go back to UTC with +00:00, booleans to True/False/blank, and lines
    end in CRLF as data.police.uk serves them.
    """
    yield _csv_line(list(HEADER))
    for row in rows:
        yield _csv_line(
            [
                TYPE_LABELS[row.search_type],
                row.occurred_at.astimezone(UTC).replace(microsecond=0).isoformat(),
                _boolean_cell(row.part_of_operation),
                _text_cell(row.operation_name),
                _coordinate_cell(row.latitude),
                _coordinate_cell(row.longitude),
                GENDER_LABELS.get(row.gender, ""),
                AGE_RANGE_LABELS.get(row.age_range, ""),
                labels[SELF_DEFINED_ETHNICITY].get(row.self_defined_ethnicity, ""),
                OFFICER_DEFINED_ETHNICITY_LABELS.get(row.officer_defined_ethnicity, ""),
                labels[LEGISLATION].get(row.legislation, ""),
                labels[OBJECT_OF_SEARCH].get(row.object_of_search, ""),
                labels[OUTCOME].get(row.outcome, ""),
                _boolean_cell(row.outcome_linked),
                _boolean_cell(row.removal_more_than_outer_clothing),
            ]
        )
