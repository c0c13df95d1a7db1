"""Benchmark: how fast the audit chain is written and verified, and that verify is constant-memory.

Prints events/second for writes (one event per transaction, as a consultation
is written, and 20 per transaction, as a busy write is), seconds to verify the
chain, and the peak Python memory of verifying N and 4N events, which should
stay flat because the verifier streams. Then the data protection officer's search
by member of staff on the 4N-event log (a first page of 50 and its count), against
the same search written as it was until migration 0005 (`iexact`, which no index
serves: the whole log read).

    .venv/bin/python bench/audit_chain.py [--events 5000]

Uses a fresh SQLite file under a temporary directory, or the PostgreSQL
database named by DATABASE_URL (tables are created in a scratch test database).
"""

import argparse
import os
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=5000)
    args = parser.parse_args()

    scratch = tempfile.mkdtemp(prefix="pont-bench-")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
    os.environ["PONT_VAR_DIR"] = scratch
    os.environ["PONT_SQLITE_PATH"] = str(Path(scratch) / "bench.sqlite3")
    os.environ["PONT_AUDIT_CHECKPOINT_FILE"] = ""
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection, transaction

    if os.environ.get("DATABASE_URL"):
        # A scratch copy (test_<name>), created with the migrations and dropped at the end.
        connection.creation.create_test_db(verbosity=0, autoclobber=True)
    else:
        call_command("migrate", verbosity=0)

    from pont.audit import services
    from pont.audit.selectors import audit_chain_verify

    n = args.events
    vendor = connection.vendor

    started = time.perf_counter()
    for i in range(n):
        with transaction.atomic():
            services.record(
                actor=None,
                operation="consultation",
                subject=i,
                object_type="bench.row",
                object_id=str(i),
            )
    single = n / (time.perf_counter() - started)

    started = time.perf_counter()
    batches = max(1, n // 20)
    for b in range(batches):
        with transaction.atomic():
            services.record_many(
                [
                    {"actor": None, "operation": "alteration", "subject": b, "detail": {"j": j}}
                    for j in range(20)
                ]
            )
    batched = batches * 20 / (time.perf_counter() - started)

    total = n + batches * 20

    def verify_peak() -> tuple[float, float, str]:
        tracemalloc.start()
        started = time.perf_counter()
        result = audit_chain_verify()
        seconds = time.perf_counter() - started
        _current, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        return seconds, peak / 1e6, result.describe()

    seconds_small, peak_small, verdict_small = verify_peak()
    # Grow the chain fourfold and verify again: memory should not grow with it.
    for b in range(3 * total // 20):
        with transaction.atomic():
            for j in range(20):
                services.record(actor=None, operation="consultation", subject=b, detail={"j": j})
    seconds_big, peak_big, verdict_big = verify_peak()
    search_new, search_old, found = _search_by_member_of_staff(services)

    print(f"audit chain on {vendor}")
    print(f"  write, 1 event per transaction   {single:10.0f} events/s")
    print(f"  write, 20 events per record_many {batched:10.0f} events/s")
    row = "  verify {:>7} events           {:10.2f} s   peak {:6.1f} MB   {}"
    print(row.format(total, seconds_small, peak_small, verdict_small))
    big = total * 4
    print(row.format(big, seconds_big, peak_big, verdict_big))
    print(f"  verify rate                      {big / seconds_big:10.0f} events/s")
    print(
        f"  memory ratio 4N/N                {peak_big / peak_small:10.2f}  (flat means streaming)"
    )
    print(
        f"  search by member of staff        {search_new:10.2f} ms   (the search before"
        f" migration 0005: {search_old:.2f} ms; {found} events found)"
    )
    from bench.summary import figure

    figure("audit chain", f"{vendor}: write, 1 event per transaction", single, "events/s")
    figure("audit chain", f"{vendor}: write, 20 events per record_many", batched, "events/s")
    figure("audit chain", f"{vendor}: verify rate", big / seconds_big, "events/s")
    ratio = peak_big / peak_small
    figure(
        "audit chain", f"{vendor}: verify memory, 4N / N", ratio, "x", "flat (< 1.5)", ratio < 1.5
    )
    figure("audit chain", f"{vendor}: search by member of staff, first page", search_new, "ms")
    if os.environ.get("DATABASE_URL"):
        connection.creation.destroy_test_db(connection.settings_dict["NAME"], verbosity=0)


def _search_by_member_of_staff(services) -> tuple[float, float, int]:
    """The median milliseconds of the audit search's first page and count by username, as
    Pont makes it and as it was made before migration 0005, and the events it finds."""
    import statistics

    from django.db import transaction

    from pont.audit.selectors import AuditSearch, audit_event_search
    from pont.testing.personas import CUSTODY, DPO, build_world

    world = build_world()  # the personas: a custody officer, and a DPO who may search
    officer, dpo = world.users[CUSTODY], world.users[DPO]
    label = officer.get_username().upper()  # asked for in another case than it is kept
    with transaction.atomic():
        services.record_many(
            [{"actor": officer, "operation": "consultation", "subject": j} for j in range(20)]
        )
    searches = {
        "now": lambda: audit_event_search(user=dpo, criteria=AuditSearch(actor=label)),
        # The same search with no criteria, narrowed as it was until migration 0005.
        "before": lambda: audit_event_search(user=dpo, criteria=AuditSearch()).filter(
            actor_label__iexact=label
        ),
    }
    times: dict[str, list[float]] = {name: [] for name in searches}
    found = {}
    for _ in range(15):
        for name, search in searches.items():
            started = time.perf_counter()
            events = search()
            page, count = list(events[:50]), events.count()
            times[name].append((time.perf_counter() - started) * 1000)
            found[name] = (len(page), count)
    if found["now"] != found["before"]:
        raise SystemExit(f"the two searches disagree: {found}")
    return statistics.median(times["now"]), statistics.median(times["before"]), found["now"][1]


if __name__ == "__main__":
    main()
