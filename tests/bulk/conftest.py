"""Helpers for bulk import tests: build a CSV file, upload it, import it, read the result."""

import csv
import io

import pytest
from sqlalchemy import func, select

from portal import database
from portal.bulk.columns import COLUMNS
from portal.models import Association, BulkImport, BulkImportProblem, Profile

HEADER = [column.header for column in COLUMNS]


def company(reference="CO-1", **cells):
    return {
        "client_reference": reference,
        "kind": "company",
        "name": "Kōwhai Holdings Limited",
        "company_type": "Limited company (small)",
        "subscription_plan": "Standard",
        **cells,
    }


def trust(reference="TR-1", **cells):
    return {
        "client_reference": reference,
        "kind": "trust",
        "name": "Tui & Kea Family Trust",
        "trust_type": "Family",
        "subscription_plan": "Standard",
        **cells,
    }


def person(reference="IND-1", **cells):
    return {
        "client_reference": reference,
        "kind": "individual",
        "standing": "contact",
        "first_name": "Aroha",
        "last_name": "Ngata",
        **cells,
    }


def role(party, role_name, target, **cells):
    return {
        "record": "association",
        "client_reference": party,
        "role": role_name,
        "role_on": target,
        **cells,
    }


def csv_file(rows, header=HEADER, delimiter=",", bom=True) -> bytes:
    """A CSV file of ``rows`` (dicts by column key) under ``header``."""
    keys = {column.header: column.key for column in COLUMNS}
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter)
    writer.writerow(header)
    for row in rows:
        writer.writerow([row.get(keys.get(name, name), "") for name in header])
    return ("\ufeff" if bom else "").encode() + buffer.getvalue().encode("utf-8")


def upload(client, body: bytes, filename="clients.csv"):
    return client.post(
        "/clients/bulk/",
        data={"file": (io.BytesIO(body), filename)},
        content_type="multipart/form-data",
    )


def uploaded(client, body: bytes) -> int:
    """Upload ``body``, expecting the report; the import's id."""
    response = upload(client, body)
    assert response.status_code == 303, response.get_data(as_text=True)
    return int(response.headers["Location"].rsplit("/", 1)[1])


def run_import(client, import_id: int):
    response = client.post(f"/clients/bulk/{import_id}/import")
    client.application.extensions["portal.jobs"].drain(60)
    return response


def imported(client, body: bytes) -> int:
    """Upload ``body`` and import it; the import's id."""
    import_id = uploaded(client, body)
    run_import(client, import_id)
    return import_id


def batch(app, import_id: int) -> BulkImport:
    with app.app_context():
        return database.session().get(BulkImport, import_id)


def problems(app, import_id: int) -> list[tuple]:
    with app.app_context():
        return [
            (p.line, p.column_name, p.severity, p.message)
            for p in database.session().scalars(
                select(BulkImportProblem)
                .where(BulkImportProblem.bulk_import_id == import_id)
                .order_by(BulkImportProblem.line, BulkImportProblem.id)
            )
        ]


def errors(app, import_id: int) -> list[tuple]:
    return [
        (line, column, message)
        for line, column, sev, message in problems(app, import_id)
        if sev == "error"
    ]


def counts(app) -> tuple[int, int, int]:
    """(profiles, associations, bulk imports) stored."""
    with app.app_context():
        session = database.session()
        return tuple(
            session.scalar(select(func.count(model.id)))
            for model in (Profile, Association, BulkImport)
        )


def profile(app, reference: str) -> Profile:
    with app.app_context():
        return database.session().scalar(
            select(Profile).where(Profile.client_reference == reference)
        )


@pytest.fixture(autouse=True)
def _imports_finish(app):
    """Every import a test started has finished before the tables are emptied."""
    yield
    app.extensions["portal.jobs"].drain(60)
