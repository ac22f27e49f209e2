"""A report file becomes the profiles and roles the XPM import would make: once, whole."""

import pytest
from sqlalchemy import select

from portal import database
from portal.models import AuditEvent
from portal.report_import import write
from tests.report_import.conftest import (
    PLAIN,
    U,
    counts,
    csv_report,
    family,
    imported,
    stored,
    xml_report,
)

EXPECTED_LINKS = [
    ("Kōwhai Holdings Limited", "Aroha Ngata", "director", None),
    ("Kōwhai Holdings Limited", "Aroha Ngata", "shareholder", 600),
    ("Kōwhai Holdings Limited", "Wiremu Ngata", "shareholder", 400),
    ("Ngata Family Trust", "Aroha Ngata", "trustee", None),
    ("Ngata Family Trust", "Wiremu Ngata", "beneficiary", None),
    ("Ngata Family Trust", "Wiremu Ngata", "settlor", None),
]


def _spouse_once(links):
    spouses = [link for link in links if link[2] == "spouse"]
    assert len(spouses) == 1
    return [link for link in links if link[2] != "spouse"]


@pytest.mark.parametrize(
    "body,filename",
    [
        (csv_report(family()), "prefixed.csv"),
        (csv_report(family(), headers=PLAIN, bom=False), "plain.csv"),
        (csv_report(family(uuids=False)), "no-uuid.csv"),
        (xml_report(family()), "report.xml"),
    ],
    ids=["prefixed", "plain-no-bom", "no-uuid", "xml"],
)
def test_a_report_becomes_profiles_and_roles_once(app, client, signed_in, body, filename):
    imported(app, client, body, filename)
    profiles, links = stored(app)
    kinds = {(name, kind, standing) for name, kind, standing, _ in profiles}
    assert kinds == {
        ("Kōwhai Holdings Limited", "company", "client"),
        ("Ngata Family Trust", "trust", "client"),
        ("Aroha Ngata", "individual", "contact"),
        ("Wiremu Ngata", "individual", "contact"),
    }
    assert len(profiles) == 4
    assert _spouse_once(links) == EXPECTED_LINKS


def test_uuids_from_the_file_are_stored_as_the_xpm_link(app, client, signed_in):
    imported(app, client, csv_report(family()))
    profiles, _ = stored(app)
    assert {uuid for *_, uuid in profiles} == set(U.values())


def test_importing_the_same_file_again_changes_nothing(app, client, signed_in):
    for uuids in (True, False):
        body = csv_report(family(uuids=uuids))
        imported(app, client, body)
        before = stored(app)
        imported(app, client, body)
        assert stored(app) == before
    assert counts(app) == (4, 7)


def test_a_file_with_uuids_links_profiles_imported_without(app, client, signed_in):
    imported(app, client, csv_report(family(uuids=False)))
    assert {uuid for *_, uuid in stored(app)[0]} == {""}
    imported(app, client, csv_report(family()))
    profiles, links = stored(app)
    assert {uuid for *_, uuid in profiles} == set(U.values())
    assert counts(app) == (4, 7)


@pytest.mark.parametrize(
    "step", ["_insert_profiles", "_link_uuids", "_associations", "_refresh", "_audit"]
)
def test_a_fault_at_any_write_step_changes_nothing(app, client, signed_in, monkeypatch, step):
    imported(app, client, csv_report(family(uuids=False)))  # so that _link_uuids links some
    before = stored(app)
    real = getattr(write, step)

    def broken(*args, **kwargs):
        real(*args, **kwargs)  # the step did its work, then the database went away
        raise RuntimeError("the database went away")

    monkeypatch.setattr(write, step, broken)
    token = imported(app, client, csv_report(family() + [_new_company()]))
    assert stored(app) == before
    page = client.get(f"/clients/bulk/xpm-report/{token}/progress").get_data(as_text=True)
    assert "nothing was written. Importing again is safe." in page
    with app.app_context():
        events = database.session().scalars(
            select(AuditEvent).where(AuditEvent.action == "report_import")
        )
        assert len(events.all()) == 1  # the first import's only


def _new_company() -> dict:
    return {
        "client": "Rimu Limited",
        "uuid": "1a2b3c4d-0000-4000-8000-000000000009",
        "business_structure": "Company",
        "relationship_type": "Director",
        "related_client": "Aroha Ngata",
    }


def test_the_audit_log_records_the_file_rows_and_outcome(app, client, signed_in):
    body = csv_report(family())
    imported(app, client, body, "ngata.csv")
    with app.app_context():
        event = database.session().scalar(
            select(AuditEvent).where(AuditEvent.action == "report_import")
        )
        assert event.detail["file"]["filename"] == "ngata.csv"
        assert event.detail["file"]["bytes"] == len(body)
        assert len(event.detail["file"]["sha256"]) == 64
        assert event.detail["rows"] == 12
        assert sorted(row["name"] for row in event.detail["created"]) == [
            "Aroha Ngata",
            "Kōwhai Holdings Limited",
            "Ngata Family Trust",
            "Wiremu Ngata",
        ]
        assert event.detail["associations"] == 7
