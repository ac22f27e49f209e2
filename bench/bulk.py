"""Bulk import of 10,000 CSV rows: wall time and peak memory.

Target (quality.md): ≤ 10 s and ≤ 200 MB peak for 10,000 rows.
Measured through the application as a browser drives it: upload (every row checked and
kept), confirm, and the background import to its end. Then the same file again (every
row unchanged) and a file with one row in ten changed.
Run: .venv/bin/python bench/bulk.py [--rows 10000] [--tracemalloc]
"""

import argparse
import csv
import io
import resource
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from portal_setup import bench_portal, signed_in_client
from sqlalchemy import func, select

from portal import database
from portal.bulk.columns import COLUMNS
from portal.identifiers import valid_ird_number
from portal.models import Association, BulkImport, Profile

NAMES = ["Kōwhai", "Tōtara", "Rimu", "Mānuka", "Harakeke", "Pōhutukawa", "Kauri", "Miro"]
FIRST = ["Aroha", "Wiremu", "Mere", "Hēmi", "Olivia", "Jack", "Ngaio", "Tama"]
LAST = ["Ngata", "Smith", "Te Whiti", "O'Connor", "Wilson", "Pōmare", "Chen", "Patel"]


def ird_numbers():
    """Valid IRD numbers, in order."""
    number = 50_000_000
    while True:
        number += 1
        if valid_ird_number(str(number)):
            yield f"{number:09d}"


def rows(count: int, changed_every: int = 0):
    """``count`` rows: three in ten companies and trusts, four in ten people, the rest
    associations (a director and a shareholder per company, a trustee per trust)."""
    irds = ird_numbers()
    profiles = count * 7 // 10
    entities, people = [], []
    for i in range(profiles):
        kind = ("company", "trust", "individual", "individual")[i % 4] if i % 7 else "company"
        row = {"record": "profile", "client_reference": f"R{i:06}", "kind": kind}
        if kind == "individual":
            row |= {
                "standing": "contact" if i % 3 else "client",
                "first_name": FIRST[i % len(FIRST)],
                "last_name": LAST[i // 8 % len(LAST)],
                "date_of_birth": f"{1 + i % 28}/{1 + i % 12}/19{50 + i % 50}",
                "subscription_plan": "Guest",
            }
            people.append(row["client_reference"])
        else:
            row |= {
                "name": f"{NAMES[i % len(NAMES)]} {kind.title()} {i:06}",
                "subscription_plan": "Standard",
                "company_type": "Limited company (small)" if kind == "company" else "",
                "trust_type": "Family" if kind == "trust" else "",
            }
            entities.append((row["client_reference"], kind))
        row |= {
            "ird_number": next(irds),
            "email": f"client{i}@example.nz",
            "phone": "09 555 0101",
            "physical_address": f"{i % 300 + 1} Rimu Street",
            "physical_city": "Auckland" if not changed_every or i % changed_every else "Whangārei",
            "physical_postcode": "1010",
        }
        yield row
    links = count - profiles
    for i in range(links):
        target, kind = entities[i // 2 % len(entities)]
        role = {"company": ("director", "shareholder"), "trust": ("trustee", "beneficiary")}
        yield {
            "record": "association",
            "client_reference": people[i % len(people)],
            "role_on": target,
            "role": role[kind][i % 2],
            "shares": "100" if role[kind][i % 2] == "shareholder" else "",
            "start_date": "2019-04-01",
        }


def csv_bytes(count: int, changed_every: int = 0) -> bytes:
    """The rows as a CSV file, as Excel saves it (UTF-8 with a byte-order mark)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([c.header for c in COLUMNS])
    for row in rows(count, changed_every):
        writer.writerow([row.get(c.key, "") for c in COLUMNS])
    return buffer.getvalue().encode("utf-8-sig")


def build(directory: str):
    """A migrated SQLite database, the application, and a signed-in test client."""
    app, _, _ = bench_portal(directory)
    return app, signed_in_client(app)


def import_file(app, client, body: bytes) -> tuple[float, float, BulkImport]:
    """Upload, confirm and wait: (seconds to the report, seconds in all, the import)."""
    started = time.perf_counter()
    response = client.post(
        "/clients/bulk/",
        data={"file": (io.BytesIO(body), "clients.csv")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 303, response.get_data(as_text=True)[:2000]
    checked = time.perf_counter() - started
    client.post(response.headers["Location"] + "/import")
    app.extensions["portal.jobs"].drain(600)
    total = time.perf_counter() - started
    import_id = int(response.headers["Location"].rsplit("/", 1)[1])
    with app.app_context():
        batch = database.session().get(BulkImport, import_id)
    return checked, total, batch


def peak_mb() -> float:
    """The process's peak resident memory so far (Linux reports kilobytes)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    """Import the file new, the same again, and with one row in ten changed."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument(
        "--tracemalloc", action="store_true", help="also the Python heap's peak (slower)"
    )
    options = parser.parse_args()
    with tempfile.TemporaryDirectory() as directory:
        app, client = build(directory)
        first, same, changed = (
            csv_bytes(options.rows),
            csv_bytes(options.rows),
            csv_bytes(options.rows, 10),
        )
        print(f"{options.rows:,} rows, {len(first) / 1e6:.1f} MB of CSV; SQLite, one process")
        print(f"peak RSS before the first import: {peak_mb():.0f} MB")
        if options.tracemalloc:
            tracemalloc.start()
        for label, body in (("new", first), ("same again", same), ("1 in 10 changed", changed)):
            checked, total, batch = import_file(app, client, body)
            assert batch.status == "done", batch.failure
            print(
                f"{label:>16}: report in {checked:5.2f} s, imported in {total:5.2f} s "
                f"({batch.created:,} created, {batch.updated:,} updated, "
                f"{batch.unchanged:,} unchanged; {batch.links_created:,} associations added)"
            )
        if options.tracemalloc:
            print(f"Python heap peak: {tracemalloc.get_traced_memory()[1] / 1e6:.0f} MB")
        print(f"peak RSS of the whole process: {peak_mb():.0f} MB (target ≤ 200 MB)")
        with app.app_context():
            session = database.session()
            profiles = session.scalar(select(func.count(Profile.id)))
            links = session.scalar(select(func.count(Association.id)))
        print(f"stored: {profiles:,} profiles, {links:,} associations (no duplicates)")


if __name__ == "__main__":
    main()
