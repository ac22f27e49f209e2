"""A practice that imported an XPM report file, then connected XPM: the profiles the file
made are the XPM clients' profiles (by UUID), or are offered as links by name."""

from sqlalchemy import func, select

from portal.directory.store import Practice
from portal.importing.service import structure_mappings
from portal.linking.service import suggestions
from portal.models import DirectoryEntry, Profile
from portal.report_import import plan as planning
from portal.report_import import write
from portal.report_import.columns import recognise
from portal.report_import.reading import read
from portal.text import fold
from tests.importing.conftest import import_from_xpm
from tests.report_import.conftest import csv_report


def _report(practice, uuids=True) -> bytes:
    """The practice's Client & Contact report: each relationship on the entity's row."""
    names = {uuid: record["Name"] for uuid, record in practice.records.items()}
    rows = [
        {
            "client": names[r["entity"]],
            **({"uuid": r["entity"]} if uuids else {}),
            "business_structure": practice.records[r["entity"]].get("BusinessStructure", ""),
            "relationship_type": r["Type"],
            "related_client": names[r["party"]],
            "shares": str(r.get("NumberOfShares", "")),
        }
        for r in practice.relationships
    ]
    for uuid, record in practice.records.items():
        rows.append(
            {
                "client": record["Name"],
                **({"uuid": uuid} if uuids else {}),
                "business_structure": record.get("BusinessStructure", ""),
            }
        )
    return csv_report(rows)


def _import_report(sessions, firm, body: bytes) -> None:
    firm_id, user_id, plan_id = firm
    table = read("report.csv", body, 20_000)
    found = planning.build(table, recognise(table.headers))
    choices = write.Choices(
        kinds={},
        plans={"company": None, "trust": None, "individual": None},  # all contacts
    )
    with sessions() as session:
        mappings = structure_mappings(session, firm_id)
        write.save(
            session,
            firm_id,
            user_id,
            found,
            choices,
            mappings,
            {"filename": "report.csv", "bytes": len(body), "sha256": "0" * 64, "format": "CSV"},
        )


def _profiles(sessions) -> int:
    with sessions() as session:
        return session.scalar(select(func.count(Profile.id)))


def test_after_connecting_profiles_from_the_file_are_the_xpm_clients(
    sessions, api, firm, practice, ngata
):
    _import_report(sessions, firm, _report(practice))
    before = _profiles(sessions)
    assert before == len(practice.records)
    outcome = import_from_xpm(sessions, api, firm, ngata["holdings"])
    assert outcome.promoted  # the file's contact became the client, in place
    assert outcome.created == ()
    assert _profiles(sessions) == before


def test_profiles_from_a_file_without_uuids_are_offered_as_links_by_name(
    sessions, firm, practice, ngata
):
    _import_report(sessions, firm, _report(practice, uuids=False))
    firm_id = firm[0]
    with sessions() as session, session.begin():
        for uuid, record in practice.records.items():
            session.add(
                DirectoryEntry(
                    firm_id=firm_id,
                    provider="xpm",
                    client_uuid=uuid,
                    name=record["Name"],
                    sort_name=fold(record["Name"]),
                )
            )
    with sessions() as session:
        profile = session.scalar(select(Profile).where(Profile.name == "Kōwhai Holdings Limited"))
        assert profile.xpm_client_uuid is None
        offered = suggestions(session, Practice(firm_id, "xpm", "tenant"), profile)
        assert [row.client_uuid for row in offered] == [ngata["holdings"]]
