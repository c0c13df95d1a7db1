"""Load test (T17): the real journeys, mixed, through gunicorn, driven by Locust.

Seeds a scratch database through the services (personas, 300 referrals, 40
disposals, 60 searches), signs the personas in (server-side sessions with their
second factor), starts gunicorn on the bench settings and runs Locust headless
on loopback (bench/locustfile.py: the public pages, a provider worker, a
front-line and a custody officer, an inspector's dashboards and a partner
system on the API, with writes among them) for a fixed time at a fixed rate.
It prints the achieved requests/s, failures, p50/p95/p99 and how many
"database is locked" errors the server logged.

Target on this 2-core machine: 50 requests/s for 5 minutes with zero failures and
p95 under 500 ms, on SQLite and on PostgreSQL.

    .venv/bin/python bench/load.py [--seconds 300] [--users 52] [--pace 1]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/pont_bench .venv/bin/python bench/load.py
"""

import argparse
import csv
import json
import os
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench.scratch import (  # noqa: E402 - after the path
    create_scratch_database,
    server_environment,
    start_server,
    use_scratch_settings,
)

PERSONAS = ("prov_a", "frontline", "custody", "inspector")


def _seed(referrals: int, disposals: int, searches: int) -> dict:
    """The data the journeys read and write, made through the services; the sessions."""
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.utils import timezone

    create_scratch_database()
    # Served as in production: whitenoise's manifest of the collected static files.
    call_command("collectstatic", "--no-input", verbosity=0)
    from pont.accounts import services as accounts
    from pont.disposals import documents
    from pont.referrals import services as referral_services
    from pont.testing.disposals import issued_conditional_caution
    from pont.testing.personas import build_world, sign_in
    from pont.testing.referrals import draft_referral, reachable_person
    from pont.testing.stop_search import recorded_search

    # The notices are not what is measured: a stand-in keeps the seeding quick.
    documents.notice_pdf = lambda data: b"%PDF-1.7 stand-in"  # type: ignore[assignment]
    world = build_world()
    ids, accepted, people = [], [], []
    for index in range(referrals):
        person = reachable_person(world, given_name=f"Load{index}")
        people.append(person.pk)
        referral = draft_referral(world, person=person)
        referral_services.referral_send(actor=world.users["custody"], referral_id=referral.pk)
        if index % 2:
            referral_services.referral_accept(actor=world.users["prov_a"], referral_id=referral.pk)
            accepted.append(str(referral.pk))
        ids.append(str(referral.pk))
    made = [str(issued_conditional_caution(world).pk) for _ in range(disposals)]
    for _ in range(searches):
        recorded_search(world)
    _client, key = accounts.api_client_create(
        actor=world.users["sysadmin"],
        organisation=world.provider_a,
        name="load",
        scopes=["referrals:read", "referrals:write"],
    )
    sessions = {
        code: sign_in(Client(), world.users[code]).cookies[settings.SESSION_COOKIE_NAME].value
        for code in PERSONAS
    }
    today = timezone.localdate()
    connection.close()
    return {
        "session_cookie": settings.SESSION_COOKIE_NAME,
        "sessions": sessions,
        "api_key": key,
        "referrals": ids,
        "accepted": accepted,
        "people": people,
        "disposals": made,
        "now": (timezone.now() - timedelta(minutes=5)).isoformat(),
        "today": [today.year, today.month, today.day],
    }


def _percentile(row: dict, name: str) -> float:
    value = row.get(name, "")
    return float(value) if value not in ("", "N/A") else 0.0


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=int, default=300)
    parser.add_argument("--users", type=int, default=52, help="concurrent Locust users")
    parser.add_argument("--pace", type=float, default=1.0, help="requests/s of each user")
    # Processes over threads: a worker's threads share one interpreter lock, and measured
    # here 4 x 2 answers faster than 2 x 4 (docs/performance.md).
    parser.add_argument("--workers", type=int, default=4, help="gunicorn worker processes")
    parser.add_argument("--threads", type=int, default=2, help="threads per gunicorn worker")
    parser.add_argument("--referrals", type=int, default=300)
    parser.add_argument("--disposals", type=int, default=40)
    parser.add_argument("--searches", type=int, default=60)
    args = parser.parse_args()

    scratch = use_scratch_settings("pont-load-")
    started = time.perf_counter()
    seed = _seed(args.referrals, args.disposals, args.searches)
    seeding = time.perf_counter() - started
    seed_file = scratch / "seed.json"
    seed_file.write_text(json.dumps(seed), encoding="utf-8")
    env = server_environment(PONT_LOAD_SEED=str(seed_file), PONT_LOAD_PACE=str(args.pace))
    server_log = scratch / "server.log"
    with server_log.open("w") as log:
        server, base = start_server(
            env=env,
            workers=args.workers,
            threads=args.threads,
            ready_path="/healthz",
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            subprocess.run(  # noqa: S603 - fixed arguments
                [
                    str(Path(sys.executable).parent / "locust"),
                    "-f",
                    str(ROOT / "bench" / "locustfile.py"),
                    "--headless",
                    f"--host={base}",
                    f"--users={args.users}",
                    f"--spawn-rate={max(1, args.users // 10)}",
                    f"--run-time={args.seconds}s",
                    f"--csv={scratch / 'locust'}",
                    "--only-summary",
                    "--loglevel=ERROR",
                ],
                cwd=ROOT,
                env=env,
                check=False,
                stdout=subprocess.DEVNULL,
            )
        finally:
            server.terminate()
            server.wait(timeout=20)
    with (scratch / "locust_stats.csv").open(encoding="utf-8") as stats:
        rows = list(csv.DictReader(stats))
    total = next(row for row in rows if row["Name"] == "Aggregated")
    locked = server_log.read_text(encoding="utf-8", errors="replace").count("database is locked")
    vendor = "postgresql" if os.environ.get("DATABASE_URL") else "sqlite"
    requests, failures = int(total["Request Count"]), int(total["Failure Count"])
    rps = float(total["Requests/s"])
    p50, p95, p99 = (_percentile(total, name) for name in ("50%", "95%", "99%"))
    print(
        f"load on {vendor}: {args.users} users at {args.pace:g} req/s each, {args.seconds} s, "
        f"gunicorn {args.workers} x {args.threads} (seeded in {seeding:.0f} s)"
    )
    print(f"  {'endpoint':<52}{'requests':>9}{'fail':>6}{'p50':>7}{'p95':>7}{'p99':>7}")
    for row in rows:
        if row["Name"] == "Aggregated":
            continue
        print(
            f"  {row['Type'] + ' ' + row['Name']:<52}{row['Request Count']:>9}"
            f"{row['Failure Count']:>6}{_percentile(row, '50%'):>7.0f}"
            f"{_percentile(row, '95%'):>7.0f}{_percentile(row, '99%'):>7.0f}"
        )
    print(
        f"  total: {requests} requests, {rps:.1f} req/s, {failures} failures, p50 {p50:.0f} ms, "
        f"p95 {p95:.0f} ms, p99 {p99:.0f} ms, 'database is locked' in the server log: {locked}"
    )
    met = rps >= 50 and failures == 0 and p95 < 500 and locked == 0
    print(f"  target (>= 50 req/s, 0 failures, p95 < 500 ms): {'met' if met else 'NOT met'}")
    from bench.summary import figure

    figure("load", f"{vendor}: achieved rate", rps, "req/s", ">= 50 req/s", rps >= 50)
    figure("load", f"{vendor}: failures", failures, "", "0", failures == 0)
    figure("load", f"{vendor}: p95", p95, "ms", "< 500 ms", p95 < 500)
    figure("load", f"{vendor}: 'database is locked'", locked, "", "0", locked == 0)
    return 0


if __name__ == "__main__":
    sys.exit(main())
