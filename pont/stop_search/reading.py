"""Where a police.uk import's file is read: here, or in a child process beside the writing.

The import (`services.policeuk_import`) takes the rows a step at a time and
writes them. Reading and checking a row costs about as much as writing it, so
for a large file the reading runs in a forked child process while this one
writes: the child reads and checks the file (`PoliceUkReader`) and sends its
rows a batch at a time through a pipe; this process writes each batch while the
child reads the next. The pipe holds one batch at most, so memory stays flat
(the child waits while this process writes).

The child only reads: it never touches the database (the connection it
inherits is left alone, and it ends by `os._exit`, as multiprocessing's fork
does), and sends the rows as plain tuples (their values are the same objects
from one row to the next, which pickle sends once). What the import needs to
know besides the rows (rows read, bytes read, the month, the problems found,
the file's hash) comes with each batch and at the end. A child that dies, or
fails, fails the import with nothing written; an import that fails while the
child reads kills it.

A small file (under READ_IN_CHILD_BYTES) or one whose size cannot be told is
read here: a fork costs more than it saves on a monthly police.uk file of a few
hundred searches. So is every file written into PostgreSQL (CHILD_DATABASES):
its server already works beside the import.
"""

import logging
import multiprocessing
import os
import pickle
import traceback
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from datetime import date
from itertools import islice
from multiprocessing.connection import Connection
from typing import IO, Any

from django.utils.translation import gettext_lazy as _

from pont.core.exceptions import ApplicationError

from . import policeuk

logger = logging.getLogger(__name__)

READ_IN_CHILD_BYTES = 2 * 1024 * 1024  # files at least this large are read in a child
# The databases the import writes into from this process alone: SQLite. PostgreSQL's
# server does much of a COPY's work in its own process, so the reading already overlaps
# with it; a child made the import slower there on two cores (262,000 -> 220,000 rows/s).
CHILD_DATABASES = frozenset({"sqlite"})
CHILD_BATCH = 5000  # rows a message from the child
CHILD_FAILED = _("Reading the file stopped unexpectedly; nothing was imported.")


class ReadingFailed(ApplicationError):
    """The child reading the file died or failed (not the file's fault)."""

    status = 500


@dataclass
class ReadState:
    """What the import knows of the reading so far (a PoliceUkReader reads the same)."""

    rows: int = 0
    bytes_read: int = 0
    month: date | None = None
    errors: list[policeuk.RowError] = field(default_factory=list)
    sha256: str = ""


def stream_size(stream: IO[bytes]) -> int | None:
    """The stream's size in bytes, if it can be told without reading it."""
    size = getattr(stream, "size", None)
    if isinstance(size, int):
        return size
    try:
        if not stream.seekable():
            return None
        here = stream.tell()
        end = stream.seek(0, os.SEEK_END)
        stream.seek(here)
    except (AttributeError, OSError, ValueError):
        return None
    return end - here


def read_in_child(stream: IO[bytes], vendor: str) -> bool:
    """Whether the stream is worth reading in a child process: large, written into one
    of CHILD_DATABASES, and fork is here."""
    if vendor not in CHILD_DATABASES or "fork" not in multiprocessing.get_all_start_methods():
        return False
    size = stream_size(stream)
    return size is not None and size >= READ_IN_CHILD_BYTES


@contextmanager
def rows_read(
    reader: policeuk.PoliceUkReader, *, step: int, in_child: bool
) -> Iterator[tuple[Iterator[list[Any]], Any]]:
    """The file's correct rows a step at a time, and the state of the reading.

    Read here: steps of `step` rows (a short one at the end), and the state is
    the reader itself, its problems seen as they are found (the import then
    writes no more). Read in a child: a step a message, the state updated as
    each arrives and completed, problems and all, at the end; once the child
    has found a problem it sends no more rows (the file will be refused), but
    reads on to find every problem.
    """
    if not in_child:
        yield _steps_here(reader, step), reader
        return
    state = ReadState(month=reader.month)
    receiving, sending = multiprocessing.Pipe(duplex=False)
    child = multiprocessing.get_context("fork").Process(
        target=_child_of, args=(reader, sending, receiving), name="policeuk-reader", daemon=True
    )
    child.start()
    sending.close()  # the child's end: the pipe ends when the child closes its copy
    try:
        yield _steps_from_child(receiving, state), state
    finally:
        receiving.close()
        if child.is_alive():
            child.kill()  # the import ended first (it failed): nothing more is wanted
        child.join()


def _steps_here(reader: policeuk.PoliceUkReader, step: int) -> Iterator[list[Any]]:
    rows = iter(reader)
    while True:
        taken = list(islice(rows, step))  # no Python loop per row
        yield taken
        if len(taken) < step:
            return


def _steps_from_child(receiving: Connection, state: ReadState) -> Iterator[list[Any]]:
    while True:
        try:
            message = pickle.loads(receiving.recv_bytes())  # noqa: S301  # our own child
        except EOFError:
            raise ReadingFailed(str(CHILD_FAILED)) from None
        kind = message[0]
        if kind == "rows":
            _kind, rows, state.rows, state.bytes_read, state.month = message
            yield rows
        elif kind == "end":
            _kind, state.errors, state.rows, state.bytes_read, state.month, state.sha256 = message
            return
        else:
            logger.error("police.uk reading in a child process failed:\n%s", message[1])
            raise ReadingFailed(str(CHILD_FAILED))


def _child_of(reader: policeuk.PoliceUkReader, sending: Connection, receiving: Connection) -> None:
    """In the child: let go of this process's end of the pipe, then read (`_child`).

    With the receiving end closed here, the pipe's only reader is the import: if it
    dies, the child's next send fails and the child ends, letting go of the database
    connection it inherited (its server session would otherwise live on, holding the
    dead import's locks, as long as the child waited on a pipe that nobody reads).
    """
    receiving.close()
    _child(reader, sending)


def _child(reader: policeuk.PoliceUkReader, sending: Connection) -> None:
    """In the child: read the file, send its rows a batch at a time, then the outcome."""
    try:
        rows = iter(reader)
        while True:
            batch = list(map(tuple, islice(rows, CHILD_BATCH)))  # plain tuples pickle quicker
            sent = [] if reader.errors else batch  # the file will be refused
            message = ("rows", sent, reader.rows, reader.bytes_read, reader.month)
            sending.send_bytes(pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL))
            if len(batch) < CHILD_BATCH:
                break
        errors = list(reader.errors)
        end = ("end", errors, reader.rows, reader.bytes_read, reader.month, reader.sha256)
        sending.send_bytes(pickle.dumps(end, protocol=pickle.HIGHEST_PROTOCOL))
    except BrokenPipeError:
        pass  # the import has ended: nobody is listening
    except BaseException:  # noqa: BLE001  # reported to the import, which fails
        failed = ("failed", traceback.format_exc())
        with suppress(OSError):
            sending.send_bytes(pickle.dumps(failed))
    finally:
        sending.close()
