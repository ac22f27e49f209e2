"""Settings → Structure mapping: administrators edit how BusinessStructure maps to a kind."""

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from portal import database
from portal.importing.mapping import kind_for
from portal.models import AuditEvent, StructureMapping
from tests.conftest import make_user


def mappings(app, firm_id):
    with app.app_context():
        rows = database.session().scalars(
            select(StructureMapping).where(StructureMapping.firm_id == firm_id)
        )
        return {row.structure_key: row for row in rows}


def test_a_new_firm_starts_with_the_default_mapping(client, signed_in):
    page = client.get("/settings/structures/").get_data(as_text=True)
    for structure in ("Sole Trader", "Limited Company", "Trustee Company", "Family Trust"):
        assert structure in page


def test_add_change_and_remove(app, client, signed_in):
    firm_id = signed_in[1]
    response = client.post(
        "/settings/structures/", data={"structure": "Ltd  Liability Co.", "kind": "company"}
    )
    assert response.status_code == 302
    row = mappings(app, firm_id)["ltd liability co"]
    assert (
        kind_for("LTD liability co", {k: r.kind for k, r in mappings(app, firm_id).items()})
        == "company"
    )
    client.post(f"/settings/structures/{row.id}", data={f"m{row.id}-kind": "individual"})
    assert mappings(app, firm_id)["ltd liability co"].kind == "individual"
    asked = client.post(f"/settings/structures/{row.id}/delete").get_data(as_text=True)
    assert "Remove the mapping of “Ltd  Liability Co.”?" in asked  # unconfirmed: asks first
    assert "ltd liability co" in mappings(app, firm_id)
    client.post(f"/settings/structures/{row.id}/delete", data={"confirm": "1"})
    assert "ltd liability co" not in mappings(app, firm_id)
    with app.app_context():
        actions = database.session().scalars(select(AuditEvent.action)).all()
    assert actions.count("structure_mapped") == 2 and "structure_unmapped" in actions


def test_a_structure_that_reads_the_same_is_refused(app, client, signed_in):
    response = client.post(
        "/settings/structures/", data={"structure": "sole-TRADER", "kind": "company"}
    )
    assert response.status_code == 400
    assert "already mapped" in response.get_data(as_text=True)
    assert mappings(app, signed_in[1])["sole trader"].kind == "individual"


def test_bad_input_is_explained(app, client, signed_in):
    response = client.post("/settings/structures/", data={"structure": "", "kind": "company"})
    assert "Enter the structure" in response.get_data(as_text=True)
    response = client.post(
        "/settings/structures/", data={"structure": "x" * 201, "kind": "company"}
    )
    assert response.status_code == 400
    response = client.post("/settings/structures/", data={"structure": "Odd", "kind": "robot"})
    assert "Not a valid choice" in response.get_data(as_text=True)


def test_staff_can_read_but_not_change(app, client, auth):
    make_user(app, email="junior@kowhai.example", admin=False)
    auth.login(email="junior@kowhai.example")
    page = client.get("/settings/structures/").get_data(as_text=True)
    assert "Only a firm administrator can change the mapping" in page
    assert (
        client.post("/settings/structures/", data={"structure": "X", "kind": "trust"}).status_code
        == 403
    )


def test_another_firms_mapping_is_not_found(app, client, auth, signed_in, other_firm_user):
    theirs = next(iter(mappings(app, other_firm_user[1]).values()))
    assert (
        client.post(
            f"/settings/structures/{theirs.id}", data={f"m{theirs.id}-kind": "trust"}
        ).status_code
        == 404
    )
    assert client.post(f"/settings/structures/{theirs.id}/delete").status_code == 404
    assert mappings(app, other_firm_user[1])[theirs.structure_key].kind == theirs.kind


def test_a_new_firm_starts_with_the_built_in_default_types(app, signed_in):
    rows = mappings(app, signed_in[1])
    assert rows["ltc"].company_type_code == "ltc"
    assert rows["look through company"].company_type_code == "ltc"
    assert rows["family trust"].trust_type_code == "family"
    assert rows["trust family"].trust_type_code == "family"
    assert rows["charitable trust"].trust_type_code == "charitable"
    # "Company" may be small or large, "Trust" any trust: staff choose.
    assert rows["company"].default_type is None and rows["trust"].default_type is None


def test_an_administrator_sets_changes_and_clears_a_default_type(app, client, signed_in):
    firm_id = signed_in[1]
    row = mappings(app, firm_id)["trust"]
    page = client.get("/settings/structures/").get_data(as_text=True)
    assert f'name="m{row.id}-trust_type_code"' in page and "None: staff choose" in page
    prefix = f"m{row.id}"
    response = client.post(
        f"/settings/structures/{row.id}",
        data={f"{prefix}-kind": "trust", f"{prefix}-trust_type_code": "estate"},
    )
    assert response.status_code == 302
    assert mappings(app, firm_id)["trust"].trust_type_code == "estate"
    page = client.get("/settings/structures/").get_data(as_text=True)
    assert "“Trust” now imports as trust, Estate." in page
    # A company type sent for a trust is not the trust's: only the chosen kind's type counts.
    client.post(
        f"/settings/structures/{row.id}",
        data={
            f"{prefix}-kind": "company",
            f"{prefix}-company_type_code": "",
            f"{prefix}-trust_type_code": "estate",
        },
    )
    changed = mappings(app, firm_id)["trust"]
    assert (changed.kind, changed.company_type_code, changed.trust_type_code) == (
        "company",
        None,
        None,
    )
    with app.app_context():
        summaries = database.session().scalars(select(AuditEvent.summary)).all()
    assert "Mapped “Trust” to trust, Estate (was trust)" in summaries
    assert "Mapped “Trust” to company (was trust, Estate)" in summaries
    refused = client.post(
        f"/settings/structures/{row.id}",
        data={f"{prefix}-kind": "company", f"{prefix}-company_type_code": "robot"},
    )
    assert refused.status_code == 400


def test_a_new_mapping_may_carry_a_default_type(app, client, signed_in):
    response = client.post(
        "/settings/structures/",
        data={"structure": "Trust - Estate", "kind": "trust", "trust_type_code": "estate"},
    )
    assert response.status_code == 302
    assert mappings(app, signed_in[1])["trust estate"].trust_type_code == "estate"


def test_staff_read_the_default_types(app, client, auth):
    make_user(app, email="junior@kowhai.example", admin=False)
    auth.login(email="junior@kowhai.example")
    page = client.get("/settings/structures/").get_data(as_text=True)
    assert "Company · Look-through company (LTC)" in page and "Trust · Family" in page


def test_the_database_keeps_a_type_to_its_own_kind(app, signed_in):
    with app.app_context():
        session = database.session()
        row = session.scalar(
            select(StructureMapping).where(
                StructureMapping.firm_id == signed_in[1], StructureMapping.structure_key == "ltc"
            )
        )
        row.trust_type_code = "family"
        with pytest.raises(IntegrityError):
            session.commit()
        session.rollback()
