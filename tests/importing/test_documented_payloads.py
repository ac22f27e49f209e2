"""The import on XPM's documented shapes (tests/fixtures/xpm): Kahikatea Timber Limited, its
shareholders (a person and a trust) and directors, and the trust's own trustees, read with
``get`` as XPM answers it and stored by the real service. The rules these payloads test:
a Percentage of 0 is not a percentage, NumberOfShares counts only for shareholders, and a
related client XPM says too little about is never guessed into a person or a company."""

import re
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import select

from portal.models import Association, Profile
from tests.importing.test_service import run

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "xpm"
GET = re.compile(r".*/client\.api/get/(?P<uuid>[^/?]+)$")
COMPANY = "c28fc91c-a4fd-4e06-9e93-b0a557e245ed"
HEMI, TRUST = "471e3506-0233-420f-a870-b8463e391c00", "ce7e3e15-fc49-4c72-bc80-bb487b52f198"
CORPORATE_TRUSTEE = "2c947a56-2fa0-45c8-ae8f-c78f17419b62"
PEOPLE = {  # related clients with no file of their own: shaped as get_individual.xml
    "9b3b0be9-c5fe-492c-8769-a308190229bf": ("Anahera", "Walker"),
    "1ab501b1-142e-47ad-95a4-20f56a62e71f": ("Kaia", "Walker"),
    "5319cc92-e3c6-414b-8038-b2c2d815d369": ("Rangi", "Walker"),
}


def read(name: str) -> str:
    return (FIXTURES / name).read_text()


def person(uuid: str, first: str, last: str) -> str:
    """get_individual.xml, as another person."""
    return (
        read("get_individual.xml")
        .replace("471e3506-0233-420f-a870-b8463e391c00", uuid)
        .replace("<Name>Hemi Walker</Name>", f"<Name>{first} {last}</Name>")
        .replace("<FirstName>Hemi</FirstName>", f"<FirstName>{first}</FirstName>")
        .replace("<LastName>Walker</LastName>", f"<LastName>{last}</LastName>")
    )


def corporate_trustee() -> str:
    """A company as XPM's sample shows one (a date of birth near the top, the "Individual
    Only" one empty), in a practice that left its BusinessStructure blank."""
    return (
        read("get_company_with_relationships.xml")
        .replace(COMPANY, CORPORATE_TRUSTEE)
        .replace("Kahikatea Timber Limited", "Waikato Independent Trustees Limited")
        .replace("<BusinessStructure>Company</BusinessStructure>", "<BusinessStructure />")
        .replace(
            re.search(
                r"<Relationships>.*</Relationships>",
                read("get_company_with_relationships.xml"),
                re.S,
            ).group(0),
            "<Relationships />",
        )
    )


@pytest.fixture
def documented(adapter):
    """The fixtures served as XPM's get answers them; anyone else is unknown to XPM."""
    answers = {
        COMPANY: read("get_company_with_relationships.xml"),
        HEMI: read("get_individual.xml"),
        TRUST: read("get_trust_with_relationships.xml"),
        CORPORATE_TRUSTEE: corporate_trustee(),
        **{uuid: person(uuid, *names) for uuid, names in PEOPLE.items()},
    }
    calls = []

    def get(request, context):
        uuid = GET.match(request.url).group("uuid")
        calls.append(uuid)
        context.headers["Content-Type"] = "text/xml; charset=utf-8"
        return answers.get(uuid, read("error_invalid_identifier.xml"))

    adapter.register_uri("GET", GET, text=get)
    return calls


def import_company(sessions, api, firm):
    return run(sessions, api, firm, COMPANY)


def stored(sessions):
    with sessions() as session:
        profiles = {p.id: p for p in session.scalars(select(Profile))}
        held = [
            (
                profiles[a.profile_id].name,
                a.role,
                profiles[a.party_id].name,
                a.shares,
                a.percentage,
                a.end_date,
            )
            for a in session.scalars(select(Association))
        ]
        return {p.name: p for p in profiles.values()}, held


def test_the_documented_company_and_its_parties(sessions, api, firm, documented):
    outcome = import_company(sessions, api, firm)
    profiles, held = stored(sessions)
    company = profiles["Kahikatea Timber Limited"]
    assert (company.kind, company.standing, company.company_number) == (
        "company",
        "client",
        "6729104",
    )
    assert company.nzbn == "9429048812036" and company.date_of_birth is None
    assert (
        company.postal_address
        == read("get_company_with_relationships.xml")
        .split("<PostalAddress>")[1]
        .split("</PostalAddress>")[0]
    )  # byte for byte, indentation included
    hemi = profiles["Hemi Walker"]
    assert (hemi.kind, hemi.date_of_birth) == ("individual", date(1979, 2, 23))
    assert profiles["Walker Whānau Trust"].kind == "trust"
    on_company = {
        (role, party, shares, pct, end)
        for entity, role, party, shares, pct, end in held
        if entity == "Kahikatea Timber Limited"
    }
    assert on_company == {
        ("shareholder", "Hemi Walker", 600, None, None),
        ("shareholder", "Walker Whānau Trust", 400, None, None),
        ("director", "Hemi Walker", None, None, None),  # XPM's 0 shares on a director
        ("director", "Anahera Walker", None, None, date(2022, 3, 31)),
    }
    assert all(pct is None for *_, pct, _end in held)  # XPM's Percentage 0 everywhere
    on_trust = {
        (role, party) for entity, role, party, *_ in held if entity == "Walker Whānau Trust"
    }
    assert on_trust == {
        ("trustee", "Anahera Walker"),
        ("trustee", "Waikato Independent Trustees Limited"),
        ("beneficiary", "Hemi Walker"),
        ("beneficiary", "Kaia Walker"),
        ("settlor", "Rangi Walker"),
    }
    assert sorted(documented) == sorted({COMPANY, HEMI, TRUST, CORPORATE_TRUSTEE, *PEOPLE})
    assert outcome.created and not outcome.linked


def test_a_company_with_a_date_of_birth_and_no_structure_is_not_made_a_person(
    sessions, api, firm, documented
):
    outcome = import_company(sessions, api, firm)
    trustee = stored(sessions)[0]["Waikato Independent Trustees Limited"]
    assert (trustee.kind, trustee.standing) == ("unknown", "contact")
    assert trustee.date_of_birth is None and trustee.last_name == ""
    assert any(
        note.startswith("Waikato Independent Trustees Limited: XPM does not say what kind")
        for note in outcome.notes
    )


def test_a_partners_percentage_is_kept(sessions, api, firm, adapter):
    def as_partner(block):
        return (
            block.group(0)
            .replace("<Type>Director</Type>", "<Type>Partner</Type>")
            .replace("<Percentage>0</Percentage>", "<Percentage>37.5</Percentage>")
        )

    company = re.sub(
        r"<Relationship>\s*<UUID>18293786.*?</Relationship>",
        as_partner,
        read("get_company_with_relationships.xml"),
        flags=re.S,
    )
    answers = {COMPANY: company, HEMI: read("get_individual.xml")}

    def get(request, context):
        uuid = GET.match(request.url).group("uuid")
        return answers.get(uuid) or person(uuid, "Someone", "Else")

    adapter.register_uri("GET", GET, text=get)
    import_company(sessions, api, firm)
    held = stored(sessions)[1]
    partner = ("Kahikatea Timber Limited", "partner", "Hemi Walker", None, Decimal("37.5"), None)
    assert partner in held
