"""A large police.uk file is read in a child process while the import writes (reading.py):
the same searches, figures and refusals as read here; a child that dies or fails fails the
import with nothing written; an import that fails does not leave the child behind."""

import hashlib
import io
import logging
import multiprocessing
import os
import pickle
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

import pytest

from pont.stop_search import policeuk, reading, services, tallies
from pont.stop_search.models import PoliceUkImport, PublishedSearch, SearchTally
from pont.testing.stop_search import read_in_a_child

from .test_import_services import counts, import_file
from .test_policeuk import DATA, GOOD_ROWS, MALFORMED, NAME, REAL_FILES, csv_file

# The malformed files whose name is right: they are read, and refused for what is in them.
READABLE = [case for case in MALFORMED if policeuk.parse_file_name(case[2])[1] is None]

pytestmark = [
    pytest.mark.skipif(
        "fork" not in multiprocessing.get_all_start_methods(), reason="no fork here"
    ),
    pytest.mark.usefixtures("policeuk_force"),  # police.uk's "dyfed-powys" is "dpp"
]


@pytest.fixture
def in_child(monkeypatch) -> list[bool]:  # noqa: ANN001
    """Every file read in a child, 40 rows a message; the list says, per import, whether
    its file was."""
    read_in_a_child(monkeypatch)  # on both databases, so both are tested
    chosen: list[bool] = []
    decide = reading.read_in_child

    def spied(stream, vendor):  # noqa: ANN001, ANN202
        chosen.append(decide(stream, vendor))
        return chosen[-1]

    monkeypatch.setattr(reading, "read_in_child", spied)
    return chosen


def landed() -> tuple[list[tuple], list[tuple], set[tuple]]:
    """Every published search's values in key order, each import's month, rows and hash,
    and the roll-up's counts."""
    fields = [f.name for f in PublishedSearch._meta.concrete_fields]
    fields.remove("id")
    fields.remove("policeuk_import")
    searches = list(PublishedSearch.objects.order_by("pk").values_list(*fields))
    imports = list(PoliceUkImport.objects.order_by("month").values_list("month", "rows", "sha256"))
    key = ["month", *tallies.KEY, "searches"]
    figures = set(SearchTally.objects.filter(searches__gt=0).values_list(*key))
    return searches, imports, figures


def test_a_file_read_in_a_child_lands_as_one_read_here(world, monkeypatch, in_child):
    for name in REAL_FILES:
        import_file(world, name)
    assert in_child == [True] * len(REAL_FILES)
    by_child = landed()
    assert len(by_child[0]) == sum(REAL_FILES.values())
    for name in REAL_FILES:  # again, read here: each replaces its month
        monkeypatch.setattr(reading, "READ_IN_CHILD_BYTES", 1 << 40)
        import_file(world, name)
    assert in_child[len(REAL_FILES) :] == [False] * len(REAL_FILES)
    assert landed() == by_child


def test_the_hash_and_the_figures_come_back_from_the_child(world, in_child):
    data = (DATA / NAME).read_bytes()
    result = import_file(world, NAME)
    assert in_child == [True]
    record = result.policeuk_import
    assert (record.month, record.rows) == (date(2019, 9, 1), REAL_FILES[NAME])
    assert record.sha256 == hashlib.sha256(data).hexdigest()
    month = SearchTally.objects.filter(month=date(2019, 9, 1))
    assert sum(month.values_list("searches", flat=True)) == REAL_FILES[NAME]


@pytest.mark.parametrize(
    ("case", "data", "name", "row", "field"),
    [case[:5] for case in READABLE],
    ids=[case[0] for case in READABLE],
)
def test_a_malformed_file_read_in_a_child_is_refused_as_read_here(
    world, monkeypatch, in_child, case, data, name, row, field
):
    before = counts()
    with pytest.raises(services.PoliceUkImportError) as by_child:
        import_file(world, name, data, force="dyfed-powys")
    assert in_child == [True]
    assert counts() == before
    monkeypatch.setattr(reading, "READ_IN_CHILD_BYTES", 1 << 40)
    with pytest.raises(services.PoliceUkImportError) as here:
        import_file(world, name, data, force="dyfed-powys")
    assert in_child == [True, False]
    assert by_child.value.extra == here.value.extra
    assert (by_child.value.errors[0].row, by_child.value.errors[0].field) == (row, field)


def test_progress_comes_from_the_child_as_its_batches_arrive(world, in_child):
    calls: list[tuple[int, int]] = []
    data = csv_file(*[GOOD_ROWS[index % 2] for index in range(300)])
    import_file(world, data=data, on_progress=lambda rows, read: calls.append((rows, read)))
    # 40 rows a message: a report once 100 more rows have come (at 120 and 240), and at the end.
    assert [rows for rows, _read in calls] == [120, 240, 300]
    assert calls[-1] == (300, len(data))


def _dies_after_one_batch(reader, sending) -> None:  # noqa: ANN001
    rows = [tuple(row) for row, _ in zip(reader, range(10), strict=False)]
    sending.send_bytes(pickle.dumps(("rows", rows, 10, 100, date(2019, 9, 1))))
    os._exit(3)


def test_a_child_that_dies_fails_the_import_and_nothing_is_written(world, monkeypatch, in_child):
    monkeypatch.setattr(reading, "_child", _dies_after_one_batch)
    monkeypatch.setattr(services, "POLICEUK_WRITE_BATCH", 5)  # its ten rows are written
    before = counts()
    with pytest.raises(reading.ReadingFailed) as failed:
        import_file(world, NAME)
    assert failed.value.status == 500
    assert "nothing was imported" in failed.value.message
    assert counts() == before
    assert multiprocessing.active_children() == []


def test_a_child_that_fails_says_why_in_the_log_and_nothing_is_written(
    world, monkeypatch, in_child, caplog
):
    def broken(self):  # noqa: ANN001, ANN202
        raise RuntimeError("the disk went away")

    monkeypatch.setattr(reading.policeuk.PoliceUkReader, "__iter__", broken)
    before = counts()
    with (
        caplog.at_level(logging.ERROR, logger="pont.stop_search.reading"),
        pytest.raises(reading.ReadingFailed),
    ):
        import_file(world, NAME)
    assert counts() == before
    assert "the disk went away" in caplog.text


def test_an_import_that_fails_while_the_child_reads_leaves_no_child_behind(
    world, monkeypatch, in_child
):
    send = services._PublishedSearchWriter.send
    sent: list[int] = []

    def failing(self, values):  # noqa: ANN001, ANN202
        sent.append(1)
        if len(sent) > 1:
            raise OSError("the database went away")
        return send(self, values)

    monkeypatch.setattr(services, "POLICEUK_WRITE_BATCH", 100)
    monkeypatch.setattr(services._PublishedSearchWriter, "send", failing)
    data = csv_file(*[GOOD_ROWS[index % 2] for index in range(20_000)])
    before = counts()
    with pytest.raises(OSError, match="went away"):
        import_file(world, data=data)
    assert multiprocessing.active_children() == []
    assert counts() == before


def test_only_a_large_file_whose_size_can_be_told_is_read_in_a_child(monkeypatch):
    monkeypatch.setattr(reading, "READ_IN_CHILD_BYTES", 1000)
    assert reading.read_in_child(io.BytesIO(b"x" * 1000), "sqlite")
    assert not reading.read_in_child(io.BytesIO(b"x" * 999), "sqlite")
    stream = io.BytesIO(b"x" * 1500)
    stream.read(600)  # what is left to read is what counts
    assert not reading.read_in_child(stream, "sqlite")
    assert stream.tell() == 600

    class Unseekable(io.RawIOBase):
        def readable(self) -> bool:
            return True

    assert not reading.read_in_child(Unseekable(), "sqlite")

    class Sized(io.BytesIO):
        size = 5000  # an uploaded file says its size

    assert reading.read_in_child(Sized(b""), "sqlite")
    # PostgreSQL's server works beside the import already: read here.
    assert not reading.read_in_child(io.BytesIO(b"x" * 5000), "postgresql")


# The import dies (SIGKILL, the machine's OOM killer) while its child waits to send more.
DYING_IMPORT = """
import io, multiprocessing, os, time
from datetime import date
import django
django.setup()
from pont.stop_search import policeuk, reading
row = "Person search,2019-09-01T10:00:00+00:00,,,,,Male,18-24,,White,,,,,\\n"
data = (",".join(policeuk.HEADER) + "\\n" + row * 200_000).encode()
vocabulary = policeuk.Vocabulary.from_labels([])
reader = policeuk.PoliceUkReader(io.BytesIO(data), vocabulary=vocabulary, month=date(2019, 9, 1))
with reading.rows_read(reader, step=100, in_child=True) as (steps, state):
    next(steps)
    (child,) = multiprocessing.active_children()
    print(child.pid, flush=True)
    time.sleep(0.5)  # the child fills the pipe and waits for it to be read
    os._exit(9)
"""


def _running(pid: int) -> bool:
    """Whether the process is there and not a zombie (ended, not yet reaped)."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except FileNotFoundError:
        return False
    return "\nState:\tZ" not in status


def test_a_child_whose_import_died_ends_and_lets_go_of_the_database(settings):
    """The child holds the import's database connection (inherited by the fork): while it
    lives, the server keeps the dead import's session, and its locks. Its next send fails
    once the import is gone (it keeps no end of the pipe to read itself), and it ends."""
    script = subprocess.run(  # noqa: S603 - our own interpreter and script
        [sys.executable, "-c", DYING_IMPORT],
        cwd=settings.BASE_DIR,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.test"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert script.returncode == 9, script.stderr
    pid = int(script.stdout.split()[0])
    deadline = time.monotonic() + 10
    while _running(pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not _running(pid)
