"""Benchmark: the police.uk stop-and-search import and the public figures page, beside floors.

Makes N searches (default 1,000,000) by resampling the real rows of the Dyfed-Powys
files shipped in pont/stop_search/data/policeuk/, spread evenly over the twelve
months of 2019, each row given a day of its month (local midnight, written in UTC
as police.uk writes it: 23:00 the day before in summer). police.uk publishes one
file per force and month, and the import refuses a file of several months, so the
rows are written as twelve monthly files of one force.

Then, each run in its own process (so that its peak memory, the RSS high-water
mark from getrusage, is its own):

- the import: `services.policeuk_import` of the twelve files, on SQLite (a fresh
  file, migrated) and, with --pg or DATABASE_URL, on PostgreSQL (a scratch
  database `pont_bench`, created and dropped);
- the table's ceiling: the same rows read and checked beforehand, then only
  their writing into the published searches table timed (the import's own
  INSERTs or COPY, and the commit), on a fresh database: how much of the
  floor any import into that table could reach;
- reading and checking alone: every file through the import's reader, nothing
  written (the other bound: the import reads every row before writing it);
- the floors on the same files: SQLite `executemany` of the raw 15 columns into
  one flat table in one transaction; PostgreSQL `COPY ... FROM STDIN (FORMAT csv)`
  into a flat table (psycopg);
- if pandas is installed (not a dependency of Pont: `make bench` installs it from
  requirements/bench.lock; said so when missing), the analyst's script the issue
  measured: the million searches as one file, `pandas.read_csv` with its defaults
  and `to_sql` into SQLite (the target: the import faster than it); and beside it,
  not the target, pandas at its fastest here: every value read as text, a month
  at a time;
- the figures: `figures.compute` over every search (from the roll-up the
  import keeps), the public page and the staff figures page (signed in)
  rendered through the whole middleware stack, a raw aggregate SQL scan of the
  same counts, and DuckDB over the CSV files if it is installed (benchmark
  only, like pandas).

Prints rows/s, peak memory and seconds, and a table against the issue's targets.

    .venv/bin/python bench/stop_search.py [--rows 1000000] [--pg] [--no-sqlite]
"""

import argparse
import csv
import importlib.util
import io
import json
import os
import random
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.summary import figure  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "pont" / "stop_search" / "data" / "policeuk"
LONDON = ZoneInfo("Europe/London")
YEAR = 2019
FORCE = "dyfed-powys"
PG_SERVER = "postgres://postgres@127.0.0.1:5432/postgres"
PG_DATABASE = "pont_bench"
REPEATS = 5  # timed renders of each figures measurement, after one warm-up

# The targets (issue 5, item 9).
TARGET_SQLITE_SHARE = 0.60  # import rows/s at least 60% of the flat-insert floor
TARGET_PG_SHARE = 0.40  # at least 40% of COPY
TARGET_PEAK_MB = 300
TARGET_PAGE_MS = 250


# ---------------------------------------------------------------- the files


def _source_rows() -> tuple[list[str], list[list[str]]]:
    rows: list[list[str]] = []
    header: list[str] = []
    for path in sorted(DATA.glob("*-stop-and-search.csv")):
        with path.open(encoding="utf-8-sig", newline="") as file:
            reader = csv.reader(file)
            header = next(reader)
            rows.extend(reader)
    return header, rows


def _utc_midnight(day: date) -> str:
    """Local midnight of the day, in UTC as police.uk writes it."""
    local = datetime(day.year, day.month, day.day, tzinfo=LONDON)
    return local.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S+00:00")


def make_files(rows: int, folder: Path) -> list[Path]:
    """Write `rows` resampled searches as twelve monthly files; return their paths."""
    header, source = _source_rows()
    date_column = header.index("Date")
    randomness = random.Random(20191)
    paths = []
    for month in range(1, 13):
        count = rows // 12 + (1 if month <= rows % 12 else 0)
        first = date(YEAR, month, 1)
        days = ((first + timedelta(days=32)).replace(day=1) - first).days
        stamps = [_utc_midnight(first + timedelta(days=d)) for d in range(days)]
        chosen = sorted(randomness.randrange(days) for _ in range(count))  # roughly in date order
        path = folder / f"{YEAR}-{month:02d}-{FORCE}-stop-and-search.csv"
        with path.open("w", encoding="utf-8", newline="") as file:
            writer = csv.writer(file, lineterminator="\n")
            writer.writerow(header)
            for day in chosen:
                row = list(source[randomness.randrange(len(source))])
                row[date_column] = stamps[day]
                writer.writerow(row)
        paths.append(path)
    return paths


# ---------------------------------------------------------------- children


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def _django(work: Path, database_url: str) -> None:
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.local"
    os.environ["PONT_VAR_DIR"] = str(work)
    os.environ["PONT_SQLITE_PATH"] = str(work / "bench.sqlite3")
    os.environ["PONT_AUDIT_CHECKPOINT_FILE"] = ""
    if database_url:
        os.environ["DATABASE_URL"] = database_url
    else:
        os.environ.pop("DATABASE_URL", None)
    sys.path.insert(0, str(ROOT))
    import django
    from django.conf import settings

    django.setup()
    # Static files from the finders: the page renders without `collectstatic`.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


def child_setup(work: Path, database_url: str) -> dict[str, Any]:
    """Migrate the scratch database and make the force."""
    _django(work, database_url)
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from pont.accounts.models import Organisation

    Organisation.objects.get_or_create(
        slug="dyfed-powys-police",
        defaults={"name": "Dyfed-Powys Police", "kind": Organisation.Kind.FORCE},
    )
    return {}


def child_import(work: Path, database_url: str, files: list[str]) -> dict[str, Any]:
    _django(work, database_url)
    from django.db.backends.utils import CursorWrapper

    from pont.stop_search import services

    # Time spent in the database's executemany (the INSERTs), apart from reading the file.
    in_database = [0.0]
    executemany = CursorWrapper.executemany

    def timed_executemany(self: Any, sql: str, param_list: Any) -> Any:
        started = time.perf_counter()
        try:
            return executemany(self, sql, param_list)
        finally:
            in_database[0] += time.perf_counter() - started

    CursorWrapper.executemany = timed_executemany  # type: ignore[method-assign,assignment]  # timing
    # Time spent making the rows' values and writing them (INSERT or COPY), where it applies.
    in_writer = [0.0]
    writer = getattr(services, "_PublishedSearchWriter", None)
    if writer is not None:
        write = writer.write

        def timed_write(self: Any, rows: Any) -> None:
            started = time.perf_counter()
            try:
                write(self, rows)
            finally:
                in_writer[0] += time.perf_counter() - started

        writer.write = timed_write
    baseline = _peak_mb()
    rows = 0
    started = time.perf_counter()
    for name in files:
        path = Path(name)
        with path.open("rb") as stream:
            result = services.policeuk_import(actor=None, file_name=path.name, stream=stream)
        rows += result.rows
    seconds = time.perf_counter() - started
    return {
        "rows": rows,
        "seconds": seconds,
        "insert_seconds": in_database[0],
        "writer_seconds": in_writer[0],
        "peak_mb": _peak_mb(),
        "baseline_mb": baseline,
    }


def _readers(files: list[str]) -> Iterator[tuple[Path, date, Any]]:
    """Each file, the month its name says and the import's reader over it, for the children
    that read the rows without importing them; each file is closed when the next is asked."""
    from pont.stop_search import policeuk, services

    vocabulary = services._policeuk_vocabulary()
    for name in files:
        path = Path(name)
        named, _error = policeuk.parse_file_name(path.name)
        with path.open("rb") as stream:
            reader = policeuk.PoliceUkReader(stream, vocabulary=vocabulary, month=named.month)
            yield path, named.month, reader


def child_ceiling(work: Path, database_url: str, files: list[str]) -> dict[str, Any]:
    """The published searches table's own ceiling: no import of these rows into it can be
    faster.

    The same files, read and checked first (not timed) and turned into the
    import's row values (not timed); then only what puts them into the table is
    timed: the import writer's INSERTs (SQLite) or COPY (PostgreSQL), with the
    page cache the import uses, and the commit (where PostgreSQL checks the
    foreign keys). Set beside the floor, it says how much of the floor any
    import into this table could reach, whatever its Python.
    """
    _django(work, database_url)
    from django.db import transaction
    from django.utils import timezone

    from pont.stop_search import services
    from pont.stop_search.models import PoliceUkImport

    controller = services._policeuk_force(FORCE)
    batch = services.POLICEUK_WRITE_BATCH
    rows = 0
    seconds = 0.0
    for path, month, reader in _readers(files):
        read = list(reader)
        record = PoliceUkImport.objects.create(
            force=FORCE,
            controller=controller,
            month=month,
            file_name=path.name,
            sha256="",
            rows=len(read),
            imported_at=timezone.now(),
        )
        writer = services._PublishedSearchWriter(record=record)
        values = [writer.values(read[i : i + batch]) for i in range(0, len(read), batch)]
        rows += len(read)
        del read
        started = time.perf_counter()
        with transaction.atomic(), services._import_page_cache(), writer:
            for chunk in values:
                writer.send(chunk)
            writer.close()
        seconds += time.perf_counter() - started
    return {"rows": rows, "seconds": seconds, "peak_mb": _peak_mb()}


def child_read(work: Path, database_url: str, files: list[str]) -> dict[str, Any]:
    """Reading and checking alone: every file through `PoliceUkReader`, no database write.

    The other bound on the import: it reads and checks every row in Python
    before writing it, so it cannot be faster than this either.
    """
    _django(work, database_url)
    rows = 0
    started = time.perf_counter()
    for path, _month, reader in _readers(files):
        rows += sum(1 for _row in reader)
        if reader.errors:
            raise SystemExit(f"{path.name}: {reader.errors[0]}")
    seconds = time.perf_counter() - started
    return {"rows": rows, "seconds": seconds, "peak_mb": _peak_mb()}


def child_profile(work: Path, database_url: str, files: list[str]) -> dict[str, Any]:
    """The import of the first file under cProfile: where the time goes."""
    import cProfile
    import pstats

    _django(work, database_url)
    from pont.stop_search import services

    path = Path(files[0])
    profile = cProfile.Profile()
    with path.open("rb") as stream:
        profile.enable()
        services.policeuk_import(actor=None, file_name=path.name, stream=stream)
        profile.disable()
    out = io.StringIO()
    pstats.Stats(profile, stream=out).sort_stats("tottime").print_stats(25)
    return {"profile": out.getvalue()}


def child_floor_sqlite(work: Path, files: list[str]) -> dict[str, Any]:
    import sqlite3

    path = work / "floor.sqlite3"
    path.unlink(missing_ok=True)
    connection = sqlite3.connect(path, isolation_level=None)
    # The same pragmas as Pont's SQLite (config/settings/base.py).
    connection.executescript("PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;")
    columns = ", ".join(f"c{i} TEXT" for i in range(15))
    connection.execute(f"CREATE TABLE flat ({columns})")
    insert = "INSERT INTO flat VALUES ({})".format(", ".join("?" * 15))  # noqa: S608  # fixed
    rows = 0
    started = time.perf_counter()
    connection.execute("BEGIN")
    for name in files:
        with open(name, encoding="utf-8-sig", newline="") as file:
            reader = csv.reader(file)
            next(reader)
            connection.executemany(insert, reader)
    connection.execute("COMMIT")
    seconds = time.perf_counter() - started
    rows = connection.execute("SELECT count(*) FROM flat").fetchone()[0]
    connection.close()
    return {"rows": rows, "seconds": seconds, "peak_mb": _peak_mb()}


def child_floor_copy(database_url: str, files: list[str]) -> dict[str, Any]:
    import psycopg

    columns = ", ".join(f"c{i} text" for i in range(15))
    with psycopg.connect(database_url) as connection:
        connection.execute("DROP TABLE IF EXISTS flat")
        connection.execute(f"CREATE TABLE flat ({columns})")
        connection.commit()
        started = time.perf_counter()
        with connection.cursor() as cursor:
            for name in files:
                with (
                    open(name, "rb") as file,
                    cursor.copy("COPY flat FROM STDIN (FORMAT csv, HEADER true)") as copy,
                ):
                    while chunk := file.read(1 << 20):
                        copy.write(chunk)
        connection.commit()
        seconds = time.perf_counter() - started
        rows = connection.execute("SELECT count(*) FROM flat").fetchone()[0]  # type: ignore[index]
        connection.execute("DROP TABLE flat")
    return {"rows": rows, "seconds": seconds, "peak_mb": _peak_mb()}


def child_floor_pandas(work: Path, files: list[str]) -> dict[str, Any]:
    """The analyst's script as the issue measured it (~82k rows/s at 630 MB): the million
    searches as one police.uk-format file (the months one after the other), read by
    `pandas.read_csv` with its defaults and written by `to_sql` into SQLite. The one file
    is written before the timing starts."""
    import sqlite3

    import pandas  # optional: measured only if installed

    whole = work / "all-months.csv"
    with whole.open("wb") as out:
        for index, name in enumerate(files):
            with open(name, "rb") as file:
                if index:
                    file.readline()  # each file's header: the one file has one
                shutil.copyfileobj(file, out)
    path = work / "pandas.sqlite3"
    path.unlink(missing_ok=True)
    connection = sqlite3.connect(path)
    started = time.perf_counter()
    frame = pandas.read_csv(whole)
    frame.to_sql("searches", connection, index=False)
    connection.commit()
    seconds = time.perf_counter() - started
    connection.close()
    whole.unlink()
    return {"rows": len(frame), "seconds": seconds, "peak_mb": _peak_mb()}


def child_floor_pandas_tuned(work: Path, files: list[str]) -> dict[str, Any]:
    """pandas at its fastest here: every value read as the text it is (no type guessing,
    blanks kept blank), a monthly file at a time, each written by `to_sql`."""
    import sqlite3

    import pandas  # optional: measured only if installed

    path = work / "pandas-tuned.sqlite3"
    path.unlink(missing_ok=True)
    connection = sqlite3.connect(path)
    rows = 0
    started = time.perf_counter()
    for name in files:
        frame = pandas.read_csv(name, dtype=str, keep_default_na=False)
        frame.to_sql("flat", connection, if_exists="append", index=False)
        rows += len(frame)
    connection.commit()
    seconds = time.perf_counter() - started
    connection.close()
    return {"rows": rows, "seconds": seconds, "peak_mb": _peak_mb()}


def _timed(function: Any) -> float:
    """Median milliseconds of REPEATS calls, after one warm-up call."""
    function()
    runs = []
    for _ in range(REPEATS):
        started = time.perf_counter()
        function()
        runs.append((time.perf_counter() - started) * 1000)
    return statistics.median(runs)


# The same counts from the published searches themselves, by their import's month.
RAW_SCAN = """
    SELECT i.month, p.outcome, p.self_defined_ethnicity, p.outcome_linked, count(*)
    FROM stop_search_publishedsearch p
    JOIN stop_search_policeukimport i ON i.id = p.policeuk_import_id
    GROUP BY 1, 2, 3, 4
"""


def _bench_analyst() -> Any:
    """An analyst of the force (the staff figures page needs a signed-in member of staff)."""
    from pont.accounts import services as accounts
    from pont.accounts.models import Organisation, User
    from pont.accounts.roles import Role

    existing = User.objects.filter(username="bench-analyst").first()
    if existing is not None:
        return existing
    user, _initial = accounts.user_create(
        actor=None,
        username="bench-analyst",
        given_name="Bench",
        family_name="Analyst",
        email="bench@example.test",
        password="Bench-Analyst-Password-2026",  # noqa: S106 - a scratch database
    )
    force = Organisation.objects.get(slug="dyfed-powys-police")
    accounts.membership_create(
        actor=None, user=user, organisation=force, role=Role.INTELLIGENCE_ANALYST
    )
    return user


def child_figures(work: Path, database_url: str, files: list[str]) -> dict[str, Any]:
    _django(work, database_url)
    from django.db import connection
    from django.test import Client

    from pont.stop_search import figures
    from pont.stop_search.models import PublishedSearch, Search
    from pont.testing.personas import sign_in

    result: dict[str, Any] = {"searches": Search.objects.count() + PublishedSearch.objects.count()}
    result["compute_ms"] = _timed(lambda: figures.compute())
    result["compute_at_search_ms"] = _timed(lambda: figures.compute(basis=figures.AT_SEARCH))
    client = Client(HTTP_HOST="localhost")

    def page() -> None:
        response = client.get("/stop-search/public")
        assert response.status_code == 200, response.status_code

    result["page_ms"] = _timed(page)
    staff = Client(HTTP_HOST="localhost")
    sign_in(staff, _bench_analyst())

    def staff_page() -> None:
        response = staff.get("/stop-search/figures")
        assert response.status_code == 200, response.status_code

    result["staff_page_ms"] = _timed(staff_page)

    def scan() -> None:
        with connection.cursor() as cursor:
            cursor.execute(RAW_SCAN)
            cursor.fetchall()

    result["raw_scan_ms"] = _timed(scan)
    if importlib.util.find_spec("duckdb") is not None:
        import duckdb  # optional: measured only if installed

        listed = ", ".join(f"'{name}'" for name in files)
        columns = 'substr(Date, 1, 7), Outcome, "Self-defined ethnicity"'
        source = f"read_csv([{listed}], header=true, all_varchar=true)"
        query = f"SELECT {columns}, count(*) FROM {source} GROUP BY 1, 2, 3"  # noqa: S608
        result["duckdb_ms"] = _timed(lambda: duckdb.sql(query).fetchall())
    result["peak_mb"] = _peak_mb()
    return result


def run_child(kind: str, work: Path, database_url: str, files: list[Path]) -> dict[str, Any]:
    """Run one measurement in a fresh process and return what it printed (one JSON object)."""
    command = [
        sys.executable,
        __file__,
        "--child",
        kind,
        "--work",
        str(work),
        "--database-url",
        database_url,
        *map(str, files),
    ]
    done = subprocess.run(command, check=False, capture_output=True, text=True, cwd=ROOT)
    if done.returncode != 0:
        sys.stderr.write(done.stderr)
        raise SystemExit(f"{kind} failed (exit {done.returncode})")
    return json.loads(done.stdout.strip().splitlines()[-1])


def child_main(args: argparse.Namespace) -> None:
    work, url, files = Path(args.work), args.database_url, args.files
    children = {
        "setup": lambda: child_setup(work, url),
        "import": lambda: child_import(work, url, files),
        "profile": lambda: child_profile(work, url, files),
        "ceiling": lambda: child_ceiling(work, url, files),
        "read": lambda: child_read(work, url, files),
        "figures": lambda: child_figures(work, url, files),
        "floor-sqlite": lambda: child_floor_sqlite(work, files),
        "floor-copy": lambda: child_floor_copy(url, files),
        "floor-pandas": lambda: child_floor_pandas(work, files),
        "floor-pandas-tuned": lambda: child_floor_pandas_tuned(work, files),
    }
    print(json.dumps(children[args.child]()), flush=True)


# ---------------------------------------------------------------- the parent


def _pg_admin(sql: str) -> None:
    import psycopg

    with psycopg.connect(PG_SERVER, autocommit=True) as connection:
        connection.execute(sql)  # fixed statements, no user input


def _pg_url() -> str:
    """The server of DATABASE_URL (or the local default), database pont_bench."""
    base = os.environ.get("DATABASE_URL") or PG_SERVER
    return base.rsplit("/", 1)[0] + "/" + PG_DATABASE


def _rate(measured: dict[str, Any]) -> float:
    return measured["rows"] / measured["seconds"]


def _verdict(ok: bool) -> str:
    return "met" if ok else "NOT met"


def _reset(work: Path, url: str) -> None:
    """Empty the scratch database."""
    if url:
        _pg_admin(f"DROP DATABASE IF EXISTS {PG_DATABASE} WITH (FORCE)")
        _pg_admin(f"CREATE DATABASE {PG_DATABASE}")
    else:
        for path in work.glob("bench.sqlite3*"):
            path.unlink()


def measure(name: str, url: str, work: Path, files: list[Path], profile: bool) -> dict[str, Any]:
    """The import, its floor and the figures on one database."""
    print(f"-- {name}: migrating a scratch database", flush=True)
    run_child("setup", work, url, files)
    if profile:
        # One month, profiled; then a fresh database so that the import below starts empty.
        print(run_child("profile", work, url, files)["profile"])
        _reset(work, url)
        run_child("setup", work, url, files)
    print(f"-- {name}: importing {len(files)} files through policeuk_import", flush=True)
    measured: dict[str, Any] = {"import": run_child("import", work, url, files)}
    print(f"-- {name}: floor", flush=True)
    floor = "floor-sqlite" if name == "SQLite" else "floor-copy"
    measured["floor"] = run_child(floor, work, url, files)
    print(f"-- {name}: figures", flush=True)
    measured["figures"] = run_child("figures", work, url, files)
    print(f"-- {name}: the table's ceiling (the same rows, only the writing timed)", flush=True)
    _reset(work, url)
    run_child("setup", work, url, files)
    measured["ceiling"] = run_child("ceiling", work, url, files)
    measured["read"] = run_child("read", work, url, files)
    return measured


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--pg", action="store_true", help="also PostgreSQL (or set DATABASE_URL)")
    parser.add_argument("--no-sqlite", action="store_true", help="PostgreSQL only")
    parser.add_argument("--profile", action="store_true", help="print a cProfile of one month")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--work", help=argparse.SUPPRESS)
    parser.add_argument("--database-url", default="", help=argparse.SUPPRESS)
    parser.add_argument("files", nargs="*", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child_main(args)
        return 0

    use_pg = args.pg or bool(os.environ.get("DATABASE_URL"))
    scratch = Path(tempfile.mkdtemp(prefix="pont-bench-stop-search-"))
    results: dict[str, dict[str, Any]] = {}
    notes: list[str] = []
    try:
        started = time.perf_counter()
        files = make_files(args.rows, scratch)
        size = sum(path.stat().st_size for path in files)
        print(
            f"stop and search: {args.rows:,} searches resampled from the real rows, as "
            f"{len(files)} monthly files of {FORCE} ({size / 1e6:.0f} MB), made in "
            f"{time.perf_counter() - started:.1f} s",
            flush=True,
        )
        if not args.no_sqlite:
            work = scratch / "sqlite"
            work.mkdir()
            results["SQLite"] = measure("SQLite", "", work, files, args.profile)
            if importlib.util.find_spec("pandas") is not None:
                results["SQLite"]["pandas"] = run_child("floor-pandas", work, "", files)
                results["SQLite"]["pandas_tuned"] = run_child("floor-pandas-tuned", work, "", files)
            else:
                notes.append(
                    "pandas is not installed in .venv (not a dependency of Pont): "
                    "the read_csv + to_sql floor was not measured."
                )
        if use_pg:
            url = _pg_url()
            _pg_admin(f"DROP DATABASE IF EXISTS {PG_DATABASE}")
            _pg_admin(f"CREATE DATABASE {PG_DATABASE}")
            try:
                work = scratch / "pg"
                work.mkdir()
                results["PostgreSQL"] = measure("PostgreSQL", url, work, files, args.profile)
            finally:
                _pg_admin(f"DROP DATABASE IF EXISTS {PG_DATABASE} WITH (FORCE)")
        if importlib.util.find_spec("duckdb") is None:
            notes.append(
                "DuckDB is not installed in .venv (not a dependency of Pont): no DuckDB figure."
            )
    finally:
        shutil.rmtree(scratch, ignore_errors=True)

    report(args.rows, results, notes)
    return 0


def report(rows: int, results: dict[str, dict[str, Any]], notes: list[str]) -> None:
    print()
    print(f"{'measurement':<46}{'rows/s':>12}{'seconds':>10}{'peak MB':>10}")
    for database, measured in results.items():
        floor_name = "flat executemany" if database == "SQLite" else "COPY (csv)"
        lines = [
            (f"{database}: policeuk_import", measured["import"]),
            (f"{database}: floor, {floor_name}", measured["floor"]),
            (f"{database}: ceiling, only the writing timed", measured["ceiling"]),
            (f"{database}: reading and checking alone", measured["read"]),
        ]
        if "pandas" in measured:
            lines.append((f"{database}: pandas, the issue's script", measured["pandas"]))
            lines.append((f"{database}: pandas, all text, by month", measured["pandas_tuned"]))
        for label, value in lines:
            print(
                f"{label:<46}{_rate(value):>12,.0f}{value['seconds']:>10.1f}{value['peak_mb']:>10.0f}"
            )
            if value.get("writer_seconds"):
                label = "  of which making and writing the rows"
                print(f"{label:<46}{'':>12}{value['writer_seconds']:>10.1f}")
            if value.get("insert_seconds"):
                label = "  of which in executemany (the INSERTs)"
                print(f"{label:<46}{'':>12}{value['insert_seconds']:>10.1f}")
    print()
    print(f"{'figures over every search (median of 5)':<46}{'ms':>12}")
    for database, measured in results.items():
        shown = measured["figures"]
        print(f"{database} ({shown['searches']:,} searches)")
        for key, label in (
            ("compute_ms", "figures.compute (current outcome)"),
            ("compute_at_search_ms", "figures.compute (outcome at search)"),
            ("page_ms", "public page, GET through the middleware"),
            ("staff_page_ms", "staff figures page, signed in"),
            ("raw_scan_ms", "raw SQL: one GROUP BY scan of the same counts"),
            ("duckdb_ms", "DuckDB over the CSV files"),
        ):
            if key in shown:
                print(f"  {label:<44}{shown[key]:>12,.0f}")
    print()
    print(f"{'target (issue 5, item 9)':<58}{'measured':>14}  verdict")
    for database, measured in results.items():
        share = _rate(measured["import"]) / _rate(measured["floor"])
        wanted = TARGET_SQLITE_SHARE if database == "SQLite" else TARGET_PG_SHARE
        floor_name = "flat insert" if database == "SQLite" else "COPY"
        label = f"{database}: import >= {wanted:.0%} of {floor_name}"
        print(f"{label:<58}{share:>14.1%}  {_verdict(share >= wanted)}")
        figure("stop search", label, share * 100, "%", f">= {wanted:.0%}", share >= wanted)
        # Not a target: the most of the floor that any import into the searches table can reach.
        ceiling = _rate(measured["ceiling"]) / _rate(measured["floor"])
        label = f"{database}:   the table's ceiling, as a share of {floor_name}"
        print(f"{label:<58}{ceiling:>14.1%}  (no import can do better)")
        figure("stop search", " ".join(label.split()), ceiling * 100, "%")
        reading = _rate(measured["read"]) / _rate(measured["floor"])
        label = f"{database}:   reading alone, as a share of {floor_name}"
        print(f"{label:<58}{reading:>14.1%}  (nor can the import)")
        figure("stop search", " ".join(label.split()), reading * 100, "%")
        if "pandas" in measured:
            faster = _rate(measured["import"]) / _rate(measured["pandas"])
            label = f"{database}: import faster than pandas"
            print(f"{label:<58}{faster:>13.2f}x  {_verdict(faster > 1)}")
            figure("stop search", label, faster, "x", "> 1", faster > 1)
            # Not the target: pandas reading every value as text, a month at a time.
            tuned = _rate(measured["import"]) / _rate(measured["pandas_tuned"])
            label = f"{database}:   import / pandas all text, by month"
            print(f"{label:<58}{tuned:>13.2f}x  (not the issue's script)")
            figure("stop search", " ".join(label.split()), tuned, "x")
        peak = measured["import"]["peak_mb"]
        label = f"{database}: import peak memory < {TARGET_PEAK_MB} MB"
        print(f"{label:<58}{peak:>11.0f} MB  {_verdict(peak < TARGET_PEAK_MB)}")
        figure("stop search", label, peak, "MB", f"< {TARGET_PEAK_MB} MB", peak < TARGET_PEAK_MB)
        for key, name in (("page_ms", "public"), ("staff_page_ms", "staff")):
            page = measured["figures"][key]
            label = f"{database}: {name} figures page < {TARGET_PAGE_MS} ms"
            print(f"{label:<58}{page:>11.0f} ms  {_verdict(page < TARGET_PAGE_MS)}")
            figure(
                "stop search", label, page, "ms", f"< {TARGET_PAGE_MS} ms", page < TARGET_PAGE_MS
            )
    if "SQLite" in results and "pandas" not in results["SQLite"]:
        print(f"{'SQLite: import faster than pandas':<58}{'-':>14}  not measured")
    for note in notes:
        print(f"note: {note}")
    if rows != 1_000_000:
        print(f"note: {rows:,} searches, not the issue's 1,000,000.")


if __name__ == "__main__":
    sys.exit(main())
