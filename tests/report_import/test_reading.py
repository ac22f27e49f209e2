"""A report file is read as XPM exports it, and refused, with a reason, when it cannot be."""

import time

import pytest

from portal.limits import shares_range
from portal.report_import import plan as planning
from portal.report_import.columns import checked_mapping, recognise
from portal.report_import.reading import FileRefused, read
from tests.report_import.conftest import PLAIN, PREFIXED, csv_report, family, xml_report

ROWS = 20_000


def keys(table) -> dict[str, str]:
    """{field: the header recognised for it}."""
    return {key: table.headers[index] for key, index in recognise(table.headers).items()}


def test_prefixed_csv_headers_are_recognised():
    table = read("r.csv", csv_report(family()), ROWS)
    assert keys(table) == {
        "client": "[Client] Client",
        "uuid": "[Client] UUID",
        "business_structure": "[Client] Business Structure",
        "relationship_type": "[Client Relationship] Relationship Type",
        "related_client": "[Client Relationship] Related Client",
        "shares": "[Client Relationship] Number Of Shares",
    }
    assert table.format == "CSV"
    assert table.rows[0] == (2, [*list(family()[0].values())])


def test_headers_without_prefixes_in_any_order_with_extra_columns():
    order = ["groups", "related_client", "shares", "client", "relationship_type"]
    body = csv_report(family(), headers={**PLAIN, "groups": "Client Groups"}, order=order)
    table = read("r.csv", body, ROWS)
    assert recognise(table.headers) == {
        "related_client": 1,
        "shares": 2,
        "client": 3,
        "relationship_type": 4,
    }


def test_a_byte_order_mark_is_optional():
    with_bom = read("r.csv", csv_report(family(), bom=True), ROWS)
    without = read("r.csv", csv_report(family(), bom=False), ROWS)
    assert with_bom == without
    assert with_bom.headers[0] == "[Client] Client"


@pytest.mark.parametrize(
    "body,said",
    [
        ("[Client] Client\nMāori Trust\n".encode("latin-1", "replace") + b"\xe9\n", "not UTF-8"),
        ("[Client] Client\nKōwhai\n".encode("utf-16"), "UTF-16"),
        (b"", "no column headers"),
        (b"[Client] Client\n", "no rows"),
    ],
    ids=["latin-1", "utf-16", "empty", "header-only"],
)
def test_other_encodings_and_empty_files_are_refused(body, said):
    with pytest.raises(FileRefused, match=said):
        read("r.csv", body, ROWS)


def test_xml_records_are_rows_and_their_elements_columns():
    table = read("report.xml", xml_report(family()), ROWS)
    assert table.format == "XML"
    assert keys(table)["client"] == "Client-Client"
    assert keys(table)["related_client"] == "ClientRelationship-RelatedClient"
    assert keys(table)["business_structure"] == "Client-BusinessStructure"
    assert len(table.rows) == 12
    assert table.rows[0][0] == 1  # record numbers, as the check page lists them


HOSTILE = {
    "dtd": b'<?xml version="1.0"?><!DOCTYPE r [<!ELEMENT r ANY>]><Report><Record/></Report>',
    "entity": b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY e "x">]><Report>&e;</Report>',
    "external": b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY e SYSTEM "http://example.com/">]>'
    b"<Report>&e;</Report>",
    "laughs": b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 '
    b'"&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]><Report>&lol2;</Report>',
    "deep": b"<Report>" + b"<a>" * 100 + b"</a>" * 100 + b"</Report>",
    "truncated": b"<Report><Record><Client-Client>Kowhai",
    "latin-1": b'<?xml version="1.0" encoding="ISO-8859-1"?><Report><Record/></Report>',
    "no records": b"<Report><Other/></Report>",
}


@pytest.mark.parametrize("body", HOSTILE.values(), ids=HOSTILE.keys())
def test_hostile_or_broken_xml_is_refused_quickly(body):
    started = time.monotonic()
    with pytest.raises(FileRefused):
        read("report.xml", body, ROWS)
    assert time.monotonic() - started < 2


def test_too_many_rows_are_refused():
    with pytest.raises(FileRefused, match="up to 5 at a time"):
        read("r.csv", csv_report(family()), 5)


def test_the_users_column_choice_is_checked():
    mapping, problems = checked_mapping({"client": "0", "related_client": "0"}, 3)
    assert problems == [
        "One column cannot be both the client name and the related client.",
        "Choose both the relationship type and the related client, or neither.",
    ]
    assert checked_mapping({"client": ""}, 3)[1] == [
        "Choose the column that holds the client name."
    ]
    assert checked_mapping({"client": "9"}, 3)[1] == [
        "Choose the column that holds the client name."
    ]


def _plan(rows, **options):
    table = read("r.csv", csv_report(rows, order=list(PREFIXED)), ROWS)
    return planning.build(table, recognise(table.headers), **options)


def test_bad_rows_are_listed_with_their_line_and_reason():
    rows = [
        {"client": "", "business_structure": "Company"},
        {"client": "A Ltd", "uuid": "not-a-uuid" * 10},
        {"client": "B Ltd", "relationship_type": "Director"},
        {"client": "C Ltd", "related_client": "D"},
        {
            "client": "E Ltd",
            "relationship_type": "Shareholder",
            "related_client": "F",
            "shares": "ten",
        },
        {"client": "G Ltd", "relationship_type": "Director", "related_client": "G Ltd"},
    ]
    found = _plan(rows)
    assert [(p.line, p.reason) for p in found.problems] == [
        (2, "The row has no client name."),
        (3, "The client UUID “" + ("not-a-uuid" * 8) + "” is not one XPM gives."),
        (4, "The row has a relationship type but no related client."),
        (5, "The row names a related client but no relationship type."),
        (6, f"The number of shares “ten” is not {shares_range()}."),
        (7, "The row relates the client to itself."),
    ]


def test_rows_of_one_name_that_disagree_are_listed_never_merged():
    rows = [
        {
            "client": "Tui Limited",
            "business_structure": "Company",
            "relationship_type": "Director",
            "related_client": "Aroha Ngata",
        },
        {
            "client": "Tui Limited",
            "business_structure": "Trust",
            "relationship_type": "Trustee",
            "related_client": "Aroha Ngata",
        },
        {
            "client": "Aroha Ngata",
            "business_structure": "Individual",
            "relationship_type": "Director Of",
            "related_client": "Tui Limited",
        },
    ]
    found = _plan(rows)
    assert [(d.name, d.lines, d.differences) for d in found.doubts] == [
        ("Tui Limited", (2, 3), ("business structure: Company / Trust",))
    ]
    assert "Tui Limited" not in {c.record.name for c in found.clients.values()}
    assert found.links == []
    assert [(p.line, p.reason) for p in found.problems] == [
        (4, "The related client “Tui Limited” is one of the rows listed as doubtful.")
    ]
    merged = _plan(rows, one_client={"Tui Limited"})
    assert merged.doubts == []
    assert [c.record.business_structure for c in merged.clients.values()] == [
        "Company",
        "Individual",
    ]
    assert len(merged.links) == 2  # director (both directions, once) and trustee


def test_rows_of_one_name_that_agree_are_one_client():
    rows = [
        {
            "client": "Tui Limited",
            "business_structure": "Company",
            "relationship_type": "Director",
            "related_client": "Aroha",
        },
        {
            "client": "Tui Limited",
            "business_structure": "Company",
            "relationship_type": "Shareholder",
            "related_client": "Aroha",
        },
    ]
    found = _plan(rows)
    assert found.doubts == []
    assert sorted(c.record.name for c in found.clients.values()) == ["Aroha", "Tui Limited"]


def test_two_clients_of_one_name_told_apart_by_uuid_make_a_related_name_doubtful():
    one, two = "1a2b3c4d-0000-4000-8000-0000000000a1", "1a2b3c4d-0000-4000-8000-0000000000a2"
    rows = [
        {"client": "John Smith", "uuid": one, "business_structure": "Individual"},
        {"client": "John Smith", "uuid": two, "business_structure": "Individual"},
        {
            "client": "Tui Limited",
            "uuid": "1a2b3c4d-0000-4000-8000-0000000000a3",
            "business_structure": "Company",
            "relationship_type": "Director",
            "related_client": "John Smith",
        },
    ]
    found = _plan(rows)
    assert len([c for c in found.clients.values() if c.record.name == "John Smith"]) == 2
    assert found.links == []
    assert found.problems[0].line == 4
    assert found.problems[0].reason.startswith("2 clients are named “John Smith”")


def test_relationships_in_both_directions_are_one_association():
    rows = [
        {
            "client": "Tui Limited",
            "business_structure": "Company",
            "relationship_type": "Director",
            "related_client": "Aroha",
        },
        {
            "client": "Aroha",
            "business_structure": "Individual",
            "relationship_type": "Director Of",
            "related_client": "Tui Limited",
        },
        {
            "client": "Aroha",
            "business_structure": "Individual",
            "relationship_type": "Spouse",
            "related_client": "Wiremu",
        },
        {
            "client": "Wiremu",
            "business_structure": "Individual",
            "relationship_type": "Spouse",
            "related_client": "Aroha",
        },
        {
            "client": "Wiremu",
            "business_structure": "Individual",
            "relationship_type": "Parent Of",
            "related_client": "Mere",
        },
        {
            "client": "Mere",
            "business_structure": "Individual",
            "relationship_type": "Child Of",
            "related_client": "Wiremu",
        },
        {
            "client": "Mere",
            "business_structure": "Individual",
            "relationship_type": "Parent",
            "related_client": "Wiremu",
        },
    ]
    found = _plan(rows)
    names = {key: c.record.name for key, c in found.clients.items()}
    assert sorted((names[k.entity_uuid], names[k.party_uuid], k.role) for k in found.links) == [
        ("Aroha", "Wiremu", "spouse"),
        ("Mere", "Wiremu", "parent_of"),
        ("Tui Limited", "Aroha", "director"),
    ]


def test_a_related_client_without_rows_of_its_own_comes_in_as_a_contact():
    rows = [
        {
            "client": "Tui Limited",
            "business_structure": "Company",
            "relationship_type": "Appointor",
            "related_client": "Hemi",
        }
    ]
    found = _plan(rows)
    hemi = next(c for c in found.clients.values() if c.record.name == "Hemi")
    assert not hemi.has_row
    assert [link.role for link in found.links] == ["appointer"]
    assert found.structures == ["Company"]


def test_a_row_with_an_empty_uuid_cell_belongs_to_the_client_of_its_name():
    uuid = "1a2b3c4d-0000-4000-8000-0000000000b1"
    rows = [
        {"client": "Tui Limited", "uuid": uuid, "business_structure": "Company"},
        {"client": "Tui Limited", "relationship_type": "Director", "related_client": "Aroha"},
    ]
    found = _plan(rows)
    assert sorted(c.record.name for c in found.clients.values()) == ["Aroha", "Tui Limited"]
    assert [(k.entity_uuid, k.role) for k in found.links] == [(uuid, "director")]


def test_a_relationship_on_both_rows_keeps_the_entitys_label_and_the_shares_either_gives():
    rows = [
        {
            "client": "Aroha",
            "business_structure": "Individual",
            "relationship_type": "Shareholder Of",
            "related_client": "Tui Limited",
            "shares": "600",
        },
        {
            "client": "Tui Limited",
            "business_structure": "Company",
            "relationship_type": "Shareholder",
            "related_client": "Aroha",
        },
    ]
    [link] = _plan(rows).links
    assert (link.label, link.shares) == ("Shareholder", 600)
