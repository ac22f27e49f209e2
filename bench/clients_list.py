"""Clients list with 20,000 profiles: page render time and SQL statements per page.

Target (quality.md): p95 ≤ 50 ms and a constant number of statements (no N+1), also once
roles are edited by hand: a company is given roles through the roles form (new contacts
added inline), and its profile page is measured with 2 roles and with 20.
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
from sqlalchemy import event, insert, select  # noqa: E402

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


def add_roles_by_hand(app, company: int, first: int, count: int) -> None:
    """Give ``company`` ``count`` more roles through the roles form, as staff would: directors
    and shareholders (with shares), each a new contact added inline."""
    client = signed_in_client(app)
    for i in range(first, first + count):
        role = ("director", "shareholder")[i % 2]
        data = {
            "role": role,
            "party": "new",
            "new_kind": "individual",
            "new_first_name": "Bench",
            "new_last_name": f"Person {i:03}",
            "shares": "100" if role == "shareholder" else "",
            "start_date": "2020-01-01",
        }
        response = client.post(f"/clients/{company}/roles/new", data=data)
        assert response.status_code == 302, response.get_data(as_text=True)


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
        with app.app_context():
            companies = select(Profile.id).where(Profile.kind == "company").order_by(Profile.id)
            company = database.session().scalar(companies)
        for done, more in ((0, 2), (2, 18)):
            add_roles_by_hand(app, company, done, more)
            p50, p95, count = measure(app, f"/clients/{company}", args.runs)
            label = f"profile, {done + more} roles"
            print(f"{label:26} p50 {p50:6.1f} ms   p95 {p95:6.1f} ms   {count} SQL statements")
        for label, path in [
            ("first page", "/clients/"),
            ("page 200", "/clients/?page=200"),
            ("search 'kowhai'", "/clients/?q=kowhai"),
            ("filter trusts, complete", "/clients/?kind=trust&status=complete"),
            ("search fragment", "/clients/?q=rimu%20farms"),
            ("companies not linked", "/clients/?register=unlinked"),
        ]:
            p50, p95, count = measure(app, path, args.runs)
            print(f"{label:26} p50 {p50:6.1f} ms   p95 {p95:6.1f} ms   {count} SQL statements")


if __name__ == "__main__":
    main()
