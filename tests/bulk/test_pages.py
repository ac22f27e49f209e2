"""The bulk import pages: full pages and htmx fragments, progress, and what they export."""

import csv
import io

from sqlalchemy import update

from portal import database
from portal.bulk.report import problems_csv, safe_cell
from portal.models import BulkImport
from tests.bulk.conftest import HEADER, company, csv_file, imported, trust, uploaded

FRAGMENT = {"HX-Request": "true"}


def set_state(app, **values):
    with app.app_context():
        session = database.session()
        with database.writing(session):
            session.execute(update(BulkImport).values(heartbeat_at=database.utcnow(), **values))


def test_the_page_explains_the_steps_and_lists_imports(client, signed_in):
    uploaded(client, csv_file([company()]))
    page = client.get("/clients/bulk/").get_data(as_text=True)
    assert "Download the CSV template" in page
    assert "Nothing is written until you have read the report and confirmed" in page
    assert "What goes in each column" in page and "Limited company (small)" in page
    assert "clients.csv" in page and "Waiting for confirmation" in page


def test_the_report_is_a_page_or_a_fragment(client, signed_in):
    import_id = uploaded(client, csv_file([company(), trust(trust_type="Nope")]))
    page = client.get(f"/clients/bulk/{import_id}")
    assert "<html" in page.get_data(as_text=True)
    fragment = client.get(f"/clients/bulk/{import_id}", headers=FRAGMENT)
    body = fragment.get_data(as_text=True)
    assert "<html" not in body and 'id="bulk-status"' in body
    assert "“Nope” is not a trust type" in body
    for response in (page, fragment):
        assert "HX-Request" in response.headers["Vary"]


def test_the_report_escapes_what_the_file_held(client, signed_in):
    import_id = uploaded(client, csv_file([company(company_type="<script>alert(1)</script>")]))
    page = client.get(f"/clients/bulk/{import_id}").get_data(as_text=True)
    assert "<script>alert(1)" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_a_running_import_polls_every_second(app, client, signed_in):
    import_id = uploaded(client, csv_file([company(), company("CO-2")]))
    set_state(app, status="preparing", prepared=1)
    body = client.get(f"/clients/bulk/{import_id}", headers=FRAGMENT).get_data(as_text=True)
    assert 'hx-trigger="every 1s"' in body
    assert '<progress id="bulk-progress" max="2" value="1">' in body
    assert "Preparing 1 of 2 rows" in body
    assert "You can leave this page" in body
    set_state(app, status="writing", prepared=2)
    body = client.get(f"/clients/bulk/{import_id}", headers=FRAGMENT).get_data(as_text=True)
    assert "Writing 2 rows in one transaction" in body and 'hx-trigger="every 1s"' in body


def test_a_finished_import_stops_polling_and_keeps_its_result(app, client, signed_in):
    import_id = imported(client, csv_file([company(), trust(trust_type="Nope")]))
    body = client.get(f"/clients/bulk/{import_id}", headers=FRAGMENT).get_data(as_text=True)
    assert "hx-trigger" not in body
    assert '<th scope="row">Profiles</th><td>1</td><td>0</td><td>0</td>' in body
    assert "1 row with problems was not imported" in body
    page = client.get("/clients/bulk/").get_data(as_text=True)
    assert "Imported" in page and "1 created, 0 updated, 0 unchanged" in page


def test_rows_are_listed_by_page(app, client, signed_in):
    rows = [company(f"CO-{i:03}", name=f"Company {i:03} Limited") for i in range(60)]
    import_id = imported(client, csv_file(rows))
    first = client.get(f"/clients/bulk/{import_id}").get_data(as_text=True)
    assert "Company 049 Limited" in first and "Company 050 Limited" not in first
    second = client.get(f"/clients/bulk/{import_id}?rows=2").get_data(as_text=True)
    assert "Company 050 Limited" in second and "Page 2 of 2" in second


def test_problems_download_escapes_formula_cells(app, client, signed_in):
    body = csv_file([company(company_type="Nope")], header=[*HEADER, '=HYPERLINK("http://x")'])
    import_id = uploaded(client, body)
    response = client.get(f"/clients/bulk/{import_id}/problems.csv")
    assert response.mimetype == "text/csv" and response.headers["Cache-Control"] == "no-store"
    cells = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))
    assert cells[0] == ["Line", "Column", "Severity", "Problem"]
    assert cells[1][:3] == ["", '\'=HYPERLINK("http://x")', "Warning"]
    assert cells[2][:3] == ["2", "Company type", "Error"]


def test_safe_cell_escapes_every_formula_start():
    for value in ("=1+1", "+1", "-1", "@SUM(A1)", "\t=1", "\r=1"):
        assert safe_cell(value) == "'" + value
    assert safe_cell("Kōwhai") == "Kōwhai" and safe_cell(None) == "" and safe_cell(5) == "5"


def test_problems_csv_has_a_byte_order_mark_for_excel():
    assert problems_csv([]).startswith("\ufeffLine,Column,Severity,Problem")


def test_an_import_with_no_valid_row_cannot_be_started(app, client, signed_in):
    import_id = uploaded(client, csv_file([company(company_type="Nope")]))
    page = client.get(f"/clients/bulk/{import_id}").get_data(as_text=True)
    assert "No row can be imported." in page and "Import 0" not in page
    response = client.post(f"/clients/bulk/{import_id}/import", follow_redirects=True)
    assert "No row of this file is ready to import" in response.get_data(as_text=True)
