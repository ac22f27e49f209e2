"""Product.md §2, one record at a time: kinds, roles both ways round, profile values."""

from dataclasses import replace
from datetime import date
from decimal import Decimal

import pytest

from portal.importing.mapping import kind_for, link_from, profile_values, role_of
from portal.reference import DEFAULT_STRUCTURES, ROLES
from portal.sandbox.control import RELATIONSHIP_TYPES
from portal.text import structure_key
from portal.xpm import Relationship, XpmClient

MAPPINGS = {structure_key(structure): kind for structure, kind in DEFAULT_STRUCTURES}


@pytest.mark.parametrize(
    ("label", "role", "held_by_record"),
    [
        ("Director", "director", False),
        ("Director Of", "director", True),
        (" shareholder  of ", "shareholder", True),
        ("Public Officer", "public_officer", False),
        ("Public Officer Of", "public_officer", True),
        ("Husband", "husband", False),
        ("Wife", "wife", False),
        ("Parent Of", "parent_of", True),
        ("Child Of", "child_of", True),
        ("Accountant", "other", False),
        ("Accountant Of", "other", True),
    ],
)
def test_relationship_labels_map_to_roles(label, role, held_by_record):
    assert role_of(label) == (role, held_by_record)


def test_every_xpm_relationship_type_has_a_role():
    codes = {code for code, _ in ROLES}
    for label in RELATIONSHIP_TYPES:  # Xero's list
        assert role_of(label)[0] in codes, label


def relationship(kind, other="B", **fields):
    values = {
        "uuid": "R1",
        "type": kind,
        "related_client_uuid": other,
        "related_client_name": "Bee",
        "number_of_shares": None,
        "percentage": None,
        "start_date": None,
        "end_date": None,
    }
    return Relationship(**(values | fields))


def test_one_relationship_seen_from_either_side_is_the_same_link():
    from_company = link_from("C", relationship("Shareholder", "P", number_of_shares=600), [])
    from_person = link_from("P", relationship("Shareholder Of", "C", number_of_shares=600), [])
    assert (from_company.entity_uuid, from_company.party_uuid, from_company.role) == (
        "c",
        "p",
        "shareholder",
    )
    assert replace(from_person, label="Shareholder") == from_company
    assert from_person.label == "Shareholder Of"  # XPM's label, as received


def test_unusable_relationships_are_left_out_with_a_note():
    notes = []
    assert link_from("A", relationship("Director", "a"), notes) is None  # itself
    assert link_from("A", relationship("Director", ""), notes) is None
    assert "points at that client itself" in notes[0]
    odd = link_from(
        "A",
        relationship(
            "Partner",
            percentage=Decimal("12345"),
            number_of_shares=-5,
            start_date=date(2020, 1, 1),
            end_date=date(2019, 1, 1),
        ),
        notes,
    )
    assert (odd.percentage, odd.shares, odd.end_date) == (None, None, None)
    owner = link_from("A", relationship("Owner", number_of_shares=-5), notes)
    assert owner.shares is None
    assert len(notes) == 4


@pytest.mark.parametrize(
    ("label", "shares", "percentage", "kept"),
    [
        ("Shareholder", 600, Decimal("0"), (600, None)),
        ("Owner", 10, Decimal("50"), (10, None)),
        ("Partner", None, Decimal("25.5"), (None, Decimal("25.5"))),
        ("Partner", 0, Decimal("0"), (None, None)),  # XPM's 0: nothing was entered
        ("Director", 0, Decimal("0"), (None, None)),
        ("Trustee", 5, Decimal("40"), (None, None)),
    ],
)
def test_shares_and_percentage_are_kept_only_where_xpm_gives_them_meaning(
    label, shares, percentage, kept
):
    link = link_from("A", relationship(label, number_of_shares=shares, percentage=percentage), [])
    assert (link.shares, link.percentage) == kept


@pytest.mark.parametrize(
    ("structure", "kind"),
    [
        ("Company", "company"),
        ("limited  company", "company"),
        ("Trustee Company", "company"),
        ("Trust - Discretionary", "trust"),
        ("Charitable Trust", "trust"),
        ("Sole Trader", "individual"),
        ("Partnership", None),
        ("", None),
        ("   ", None),
    ],
)
def test_structures_map_to_kinds_and_anything_that_is_a_trust_is_a_trust(structure, kind):
    assert kind_for(structure, MAPPINGS) == kind


def test_profile_values_keep_text_and_flag_a_masked_tax_number():
    client = XpmClient(
        uuid="A",
        name="Tūī &amp; Kea",
        first_name="Ignored for a company",
        tax_number="******123",
        tax_number_masked=True,
        company_number="1234567",
        business_number="9429041234567",
        postal_address="Level 2\n12 Kōwhai Road",
    )
    values = profile_values(client, "company", [])
    assert values["name"] == "Tūī &amp; Kea"  # as received: XPM's own escaping is text here
    assert values["first_name"] == "" and values["company_number"] == "1234567"
    assert (values["ird_number"], values["ird_number_masked"]) == ("******123", True)
    assert values["postal_address"] == "Level 2\n12 Kōwhai Road"
    assert values["sort_name"] == "tui &amp; kea"
