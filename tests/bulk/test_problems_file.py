"""The problems download costs the same however many problems a file had: it is written
once, when the file is checked, and sent as it is. The upload page states the limits."""

import csv
import io

from sqlalchemy import delete, event, update

from portal import database
from portal.models import BulkImport, BulkImportProblem
from tests.bulk.conftest import company, csv_file, problems, uploaded

#: Six errors a row: company type, plan, company number, NZBN, IRD number, e-mail.
BAD = {
    "company_type": "Limited",
    "subscription_plan": "Gold",
    "company_number": "12a",
    "nzbn": "123",
    "ird_number": "1",
    "email": "accounts",
}


def bad_file(rows: int) -> bytes:
    return csv_file([company(f"CO-{i:04}", **BAD) for i in range(rows)])


def download(client, import_id: int) -> list[list[str]]:
    response = client.get(f"/clients/bulk/{import_id}/problems.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    return list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))


def statements_of(app, call) -> int:
    """How many SQL statements ``call`` runs."""
    seen = []
    with app.app_context():
        engine = database.engine()
    listener = lambda *args: seen.append(args[2])  # noqa: E731
    event.listen(engine, "before_cursor_execute", listener)
    try:
        call()
    finally:
        event.remove(engine, "before_cursor_execute", listener)
    return len(seen)


def test_the_download_lists_every_problem_in_the_pages_order(app, client, signed_in):
    import_id = uploaded(client, bad_file(60))
    cells = download(client, import_id)
    assert cells[0] == ["Line", "Column", "Severity", "Problem"]
    assert len(cells) == 1 + 60 * 6
    lines = sorted(line for line, *_ in problems(app, import_id))
    assert [int(row[0]) for row in cells[1:]] == lines
    assert cells[1][1:3] == ["Company type", "Error"]


def test_the_download_costs_the_same_for_few_problems_and_many(app, client, signed_in):
    few, many = uploaded(client, bad_file(2)), uploaded(client, bad_file(120))
    small = statements_of(app, lambda: download(client, few))
    large = statements_of(app, lambda: download(client, many))
    assert large == small <= 4  # the user, the import, its file: not a query per page


def test_the_download_is_the_file_written_when_the_file_was_checked(app, client, signed_in):
    import_id = uploaded(client, bad_file(3))
    before = download(client, import_id)
    with app.app_context():
        session = database.session()
        with database.writing(session):
            session.execute(delete(BulkImportProblem))
    assert download(client, import_id) == before and len(before) == 1 + 3 * 6


def test_an_import_checked_before_the_file_was_kept_is_written_on_demand(app, client, signed_in):
    import_id = uploaded(client, bad_file(3))
    kept = download(client, import_id)
    with app.app_context():
        session = database.session()
        with database.writing(session):
            session.execute(update(BulkImport).values(problems_csv=None))
    assert download(client, import_id) == kept


def test_the_upload_forms_state_the_limits(app, client, signed_in):
    app.config.update(BULK_IMPORT_MAX_BYTES=2_500_000, BULK_IMPORT_MAX_ROWS=5_000)
    index = client.get("/clients/bulk/").get_data(as_text=True)
    assert "up to 2.5 MB and 5,000 rows" in index
    import_id = uploaded(client, bad_file(1))
    report = client.get(f"/clients/bulk/{import_id}").get_data(as_text=True)
    assert "up to 2.5 MB and 5,000 rows" in report
