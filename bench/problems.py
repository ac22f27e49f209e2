"""A bulk import file with a problem in nearly every cell: the report and its download.

20,000 company rows (1.5 MB), six errors on each: 120,000 problems. Prints how long the
upload's check takes, the report's first and last page, and the problems.csv download,
which used to read the problems a page of 100 at a time (quadratic).
Run: .venv/bin/python bench/problems.py [--rows 20000] [--database-url postgresql+psycopg://…]
(a PostgreSQL database given here is emptied).
"""

import argparse
import csv
import io
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from portal_setup import bench_portal, signed_in_client
from sqlalchemy import create_engine, text

from portal.bulk.columns import BY_KEY, REQUIRED

#: The template's required columns and the ones the rows fill in.
KEYS = (*REQUIRED, "company_number", "nzbn", "ird_number", "email")


def csv_bytes(count: int) -> bytes:
    """``count`` company rows, each with six cells the check refuses."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([BY_KEY[key].header for key in KEYS])
    for i in range(count):
        row = {
            "client_reference": f"R{i:06}",
            "kind": "company",
            "name": f"Kōwhai Holdings Limited {i:06}",
            "company_type": "Limited",
            "subscription_plan": "Gold",
            "company_number": "12a",
            "nzbn": "123",
            "ird_number": "1",
            "email": "accounts",
        }
        writer.writerow([row.get(key, "") for key in KEYS])
    return buffer.getvalue().encode("utf-8-sig")


def empty_postgresql(url: str) -> None:
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(text("DROP SCHEMA public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
    engine.dispose()


def timed(call):
    """(seconds, response) for a request, its whole body read (a streamed one too)."""
    started = time.perf_counter()
    response = call()
    response.get_data()
    return time.perf_counter() - started, response


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=20_000)
    parser.add_argument("--database-url", help="PostgreSQL (emptied); SQLite by default")
    options = parser.parse_args()
    if options.database_url:
        empty_postgresql(options.database_url)
    with tempfile.TemporaryDirectory() as directory:
        app, _, _ = bench_portal(directory, options.database_url)
        client = signed_in_client(app)
        body = csv_bytes(options.rows)
        where = "PostgreSQL" if options.database_url else "SQLite"
        print(f"{options.rows:,} rows, {len(body) / 1e6:.2f} MB of CSV; {where}")
        seconds, response = timed(
            lambda: client.post(
                "/clients/bulk/",
                data={"file": (io.BytesIO(body), "problems.csv")},
                content_type="multipart/form-data",
            )
        )
        assert response.status_code == 303, response.get_data(as_text=True)[:2000]
        report = response.headers["Location"]
        print(f"upload and check: {seconds:.2f} s")
        seconds, page = timed(lambda: client.get(report))
        print(f"report, first page: {seconds * 1000:.0f} ms")
        seconds, page = timed(lambda: client.get(report, query_string={"page": 100_000}))
        print(f"report, last page: {seconds * 1000:.0f} ms")
        for attempt in (1, 2):
            seconds, download = timed(lambda: client.get(report + "/problems.csv"))
            assert download.status_code == 200
            lines = sum(1 for _ in csv.reader(io.StringIO(download.get_data(as_text=True))))
            print(
                f"problems.csv ({attempt}): {seconds:.2f} s, {lines - 1:,} problems, "
                f"{len(download.data) / 1e6:.1f} MB"
            )


if __name__ == "__main__":
    main()
