"""Clients list with 20,000 profiles: page render time and SQL statements per page.

Target (quality.md): p95 ≤ 50 ms and a constant number of statements (no N+1).
Run: .venv/bin/python bench/clients_list.py [--profiles 20000] [--runs 200]
"""

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from portal_setup import bench_portal, signed_in_client  # noqa: E402
from sqlalchemy import event, insert  # noqa: E402

from portal import database  # noqa: E402
from portal.models import Profile  # noqa: E402
from portal.text import fold  # noqa: E402

NAMES = ["Kōwhai", "Tōtara", "Rimu", "Mānuka", "Harakeke", "Pōhutukawa", "Kauri", "Miro"]
SUFFIXES = ["Holdings Limited", "Family Trust", "Farms Limited", "Investments Ltd"]


def build(directory: str, count: int):
    app, firm_id, plan = bench_portal(directory)
    with app.app_context():
        session = database.session()
        rows = []
        for i in range(count):
            kind = ("company", "trust", "individual")[i % 3]
            name = f"{NAMES[i % len(NAMES)]} {SUFFIXES[i % len(SUFFIXES)]} {i:05}"
            rows.append(
                {
                    "firm_id": firm_id,
                    "kind": kind,
                    "standing": "client",
                    "name": name,
                    "sort_name": fold(name),
                    "subscription_plan_id": plan,
                    "setup_status": "preparing" if i % 4 else "complete",
                    "company_type_code": "ltc" if kind == "company" else None,
                    "trust_type_code": "family" if kind == "trust" else None,
                }
            )
        with database.writing(session):
            session.execute(insert(Profile), rows)
    return app


def measure(app, path: str, runs: int):
    client = signed_in_client(app)
    statements = []
    with app.app_context():
        engine = database.engine()
    listener = lambda *args: statements.append(args[2])  # noqa: E731
    event.listen(engine, "before_cursor_execute", listener)
    client.get(path)  # warm up
    timings = []
    for _ in range(runs):
        statements.clear()
        started = time.perf_counter()
        response = client.get(path)
        timings.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200
    event.remove(engine, "before_cursor_execute", listener)
    timings.sort()
    return statistics.median(timings), timings[int(len(timings) * 0.95) - 1], len(statements)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--profiles", type=int, default=20_000)
    parser.add_argument("--runs", type=int, default=200)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as directory:
        started = time.perf_counter()
        app = build(directory, args.profiles)
        print(f"seeded {args.profiles:,} profiles in {time.perf_counter() - started:.1f} s")
        for label, path in [
            ("first page", "/clients/"),
            ("page 200", "/clients/?page=200"),
            ("search 'kowhai'", "/clients/?q=kowhai"),
            ("filter trusts, complete", "/clients/?kind=trust&status=complete"),
            ("search fragment", "/clients/?q=rimu%20farms"),
        ]:
            p50, p95, count = measure(app, path, args.runs)
            print(f"{label:26} p50 {p50:6.1f} ms   p95 {p95:6.1f} ms   {count} SQL statements")


if __name__ == "__main__":
    main()
