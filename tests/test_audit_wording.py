"""The audit log reads in the practice's words: labels, names, counts that include the
client itself, for old rows as well as new (portal/audit_log/wording.py)."""

from types import SimpleNamespace

from portal.audit_log.wording import Line, field_label, import_counts, lines, sentence
from tests.test_audit_log import add_event


def event(action, summary="", detail=None):
    return SimpleNamespace(action=action, summary=summary, detail=detail or {})


def test_fields_read_as_the_forms_label_them():
    assert field_label("physical_address") == "Physical address"
    assert field_label("postal_city") == "Postal address: city"
    assert field_label("registered_postcode") == "Registered office: postcode"
    assert field_label("ird_number") == "IRD number"
    assert field_label("incorporation_date") == "Incorporation date"
    assert field_label("something_new") == "Something new"


def test_an_old_import_summary_counts_the_client_itself_apart():
    old = event("import", "Imported company Kōwhai Holdings Limited from XPM: 0 created, 0 linked")
    assert sentence(old, "") == "Imported company Kōwhai Holdings Limited from XPM, on its own"
    more = event("import", "Imported trust Ngata Family Trust from XPM: 2 created, 1 linked")
    assert sentence(more, "") == (
        "Imported trust Ngata Family Trust from XPM, with 2 new profiles for its people and "
        "entities and 1 already in the portal linked"
    )
    assert "0 created" not in import_counts(0, 3) and import_counts(1, 0).endswith("entities")


def test_other_summaries_are_left_as_written():
    assert sentence(event("bulk_import", "Bulk import: 4 created, 0 updated"), "x") == (
        "Bulk import: 4 created, 0 updated"
    )
    assert sentence(event("sign_in"), "Signed in") == "Signed in"


def test_an_edit_shows_each_change_by_its_label():
    [line] = lines({"changes": {"physical_address": [None, "1 Queen St"], "email": ["a@x.nz", ""]}})
    assert line.label == "Changed"
    assert line.changes == (
        ("Physical address", "(empty)", "1 Queen St"),
        ("E-mail", "a@x.nz", "(empty)"),
    )


def test_an_import_lists_names_and_kinds_never_ids():
    detail = {
        "provider": "xpm",
        "client_uuid": "e385e3e2-b4c8-511c-afce-7d65351e0f32",
        "promoted": False,
        "created": [{"uuid": "u-1", "name": "Aroha Ngata", "kind": "individual"}],
        "linked": [],
        "associations": [{"party": "Aroha Ngata", "role": "director", "association_id": 4}],
        "notes": [],
        "register_nzbn": None,
    }
    found = lines(detail)
    assert found == [
        Line("System", "Xero Practice Manager"),
        Line("An existing contact made a client", "No"),
        Line("New profiles for its people and entities", items=("Aroha Ngata (individual)",)),
        Line("Roles recorded", items=("Aroha Ngata (director)",)),
    ]
    assert "u-1" not in repr(found) and "e385e3e2" not in repr(found)


def test_a_role_event_names_the_party_looked_up_by_id():
    detail = {"association_id": 9, "party_id": 12, "role": "shareholder", "from_xpm": True}
    assert lines(detail, {12: "Mere Tane"}) == [
        Line("Person or entity", "Mere Tane"),
        Line("Role", "Shareholder"),
        Line("Came from XPM", "Yes"),
    ]


def test_register_and_unlink_details_read_plainly():
    linked = lines({"before": {"nzbn": None, "company_number": "123"}, "nzbn": "9429041234567"})
    before = (("NZBN", "(empty)", "(empty)"), ("Company number", "(empty)", "123"))
    assert linked[0].changes == before
    assert linked[1] == Line("NZBN", "9429041234567")
    unlinked = lines({"provider": "workflowmax", "client_uuid": "abc", "xpm_name": "Kōwhai"})
    assert unlinked == [Line("System", "WorkflowMax"), Line("Name in XPM", "Kōwhai")]
    bulk = lines({"file": "clients.csv", "sha256": "ab" * 32, "rows": 4})
    assert bulk == [Line("File", "clients.csv"), Line("Rows", "4")]


def test_the_log_page_shows_labels_names_and_new_wording(app, client, signed_in):
    user_id, firm_id = signed_in
    add_event(
        app,
        firm_id,
        user_id,
        action="import",
        summary="Imported company Kōwhai Holdings Limited from XPM: 0 created, 0 linked",
        detail={"client_uuid": "e385e3e2", "changes": {"physical_address": [None, "1 Queen St"]}},
    )
    page = client.get("/audit/").get_data(as_text=True)
    assert "Imported company Kōwhai Holdings Limited from XPM, on its own" in page
    assert "<strong>Physical address</strong>" in page and "physical_address" not in page
    assert "e385e3e2" not in page and "0 created" not in page
