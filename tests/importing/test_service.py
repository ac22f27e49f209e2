"""The conversion service on crafted XPM payloads, without Flask: what each import stores."""

import pytest
from sqlalchemy import func, select

from portal.importing import service
from portal.importing.plan import Choices
from portal.models import Association, AuditEvent, Profile, StructureMapping
from tests.importing.conftest import choices_for, import_from_xpm


def run(sessions, api, firm, root, kind="company", **options):
    return import_from_xpm(sessions, api, firm, root, kind, **options)


def profiles(sessions) -> dict[str, Profile]:
    with sessions() as session:
        return {p.name: p for p in session.scalars(select(Profile))}


def roles(sessions) -> set[tuple]:
    """(entity, role, party, shares) of every association, by name."""
    with sessions() as session:
        names = dict(session.execute(select(Profile.id, Profile.name)).all())
        return {
            (names[a.profile_id], a.role, names[a.party_id], a.shares)
            for a in session.scalars(select(Association))
        }


def count(sessions, model) -> int:
    with sessions() as session:
        return session.scalar(select(func.count()).select_from(model))


def test_company_with_people_company_and_trust_shareholders(sessions, api, firm, practice, ngata):
    outcome = run(sessions, api, firm, ngata["holdings"])
    stored = profiles(sessions)
    root = stored["Kōwhai Holdings Limited"]
    assert outcome.profile_id == root.id and not outcome.already_imported
    assert (root.kind, root.standing, root.company_type_code) == (
        "company",
        "client",
        "limited_small",
    )
    assert root.subscription_plan_id == firm[2] and root.xpm_client_uuid == ngata["holdings"]
    kinds = {name: (p.kind, p.standing) for name, p in stored.items() if p is not root}
    assert kinds == {
        "Aroha Ngata": ("individual", "contact"),
        "Wiremu Ngata": ("individual", "contact"),
        "Pōhutukawa Family Trust": ("trust", "contact"),
        "Tōtara Investments Limited": ("company", "contact"),
        # Two relationships away: the trust's corporate trustee, its beneficiary, and the
        # director of the corporate shareholder.
        "Pōhutukawa Trustee Company Limited": ("company", "contact"),
        "Mere Ngata": ("individual", "contact"),
        "Hone Heke": ("individual", "contact"),
    }
    found = roles(sessions)
    spouses = next(r for r in found if r[1] in ("husband", "wife"))
    assert spouses in {
        ("Aroha Ngata", "husband", "Wiremu Ngata", None),
        ("Wiremu Ngata", "wife", "Aroha Ngata", None),
    }
    assert found == {
        ("Kōwhai Holdings Limited", "director", "Aroha Ngata", None),
        ("Kōwhai Holdings Limited", "director", "Wiremu Ngata", None),
        ("Kōwhai Holdings Limited", "shareholder", "Aroha Ngata", 400),
        ("Kōwhai Holdings Limited", "shareholder", "Pōhutukawa Family Trust", 600),
        ("Kōwhai Holdings Limited", "shareholder", "Tōtara Investments Limited", 100),
        # Husband and Wife are one relationship, stored once, as either record shows it.
        spouses,
        ("Pōhutukawa Family Trust", "trustee", "Pōhutukawa Trustee Company Limited", None),
        ("Pōhutukawa Family Trust", "beneficiary", "Mere Ngata", None),
        # Seen on the trustee company's record; both ends are in this import.
        ("Pōhutukawa Trustee Company Limited", "director", "Aroha Ngata", None),
        ("Tōtara Investments Limited", "director", "Hone Heke", None),
    }
    # Rāwiri directs the trustee company, three relationships from the client: not followed.
    assert "Rāwiri Parata" not in stored
    assert sorted(practice.calls) == sorted(set(practice.calls))  # each client read once
    assert len(practice.calls) == 1 + 4 + 3
    assert stored["Pōhutukawa Family Trust"].ird_number_masked
    assert set(outcome.created) == set(kinds) and outcome.linked == ()


def test_deeper_imports_follow_further(sessions, api, firm, ngata):
    run(sessions, api, firm, ngata["holdings"], max_depth=3)
    assert ("Pōhutukawa Trustee Company Limited", "director", "Rāwiri Parata", None) in roles(
        sessions
    )


def test_a_trust_brings_its_corporate_trustee_and_that_companys_directors(
    sessions, api, firm, ngata
):
    run(sessions, api, firm, ngata["trust"], kind="trust")
    found = roles(sessions)
    assert (
        "Pōhutukawa Family Trust",
        "trustee",
        "Pōhutukawa Trustee Company Limited",
        None,
    ) in found
    assert ("Pōhutukawa Trustee Company Limited", "director", "Rāwiri Parata", None) in found
    assert ("Pōhutukawa Trustee Company Limited", "director", "Aroha Ngata", None) in found
    trust = profiles(sessions)["Pōhutukawa Family Trust"]
    assert (trust.standing, trust.trust_type_code, trust.ird_number) == (
        "client",
        "family",
        "******123",
    )


def test_a_cycle_ends_and_each_relationship_is_stored_once(sessions, api, firm, practice):
    p = practice
    aroha = p.person("Aroha", "Ngata")
    tui = p.client("Tūī Investments Limited", "Company")
    kea = p.client("Kea Ventures Limited", "LTC")
    trust = p.client("Tūī & Kea Trust", "Trust - Discretionary")
    p.relate(kea, tui, "Shareholder", NumberOfShares=500)
    p.relate(tui, kea, "Shareholder", NumberOfShares=250)
    p.relate(kea, trust, "Shareholder", NumberOfShares=500)
    p.relate(trust, tui, "Trustee")
    p.relate(trust, aroha, "Trustee")
    p.relate(tui, aroha, "Director")
    p.relate(kea, aroha, "Director")
    run(sessions, api, firm, tui, max_depth=5)
    assert sorted(practice.calls) == sorted({tui, kea, trust, aroha})
    assert count(sessions, Association) == 7
    assert len(profiles(sessions)) == 4
    assert profiles(sessions)["Tūī & Kea Trust"].kind == "trust"  # "any structure that is a trust"


def test_one_director_of_two_companies_imported_one_after_the_other(sessions, api, firm, practice):
    aroha = practice.person("Aroha", "Ngata")
    first = practice.client("Kōwhai Holdings Limited")
    second = practice.client("Ngāti Rua Farms Limited", "Limited Company")
    practice.relate(first, aroha, "Director")
    practice.relate(second, aroha, "Director")
    run(sessions, api, firm, first)
    practice.calls.clear()
    outcome = run(sessions, api, firm, second)
    assert practice.calls == [second]  # Aroha is in the portal: linked, not read again
    assert outcome.linked == ("Aroha Ngata",) and outcome.created == ()
    assert [p.name for p in profiles(sessions).values()].count("Aroha Ngata") == 1
    assert {r for r in roles(sessions) if r[2] == "Aroha Ngata"} == {
        ("Kōwhai Holdings Limited", "director", "Aroha Ngata", None),
        ("Ngāti Rua Farms Limited", "director", "Aroha Ngata", None),
    }


def test_importing_a_contact_makes_the_same_profile_a_client(sessions, api, firm, practice):
    aroha = practice.person("Aroha", "Ngata")
    wiremu = practice.person("Wiremu", "Ngata")
    company = practice.client("Kōwhai Holdings Limited")
    practice.relate(company, aroha, "Director")
    practice.relate(aroha, wiremu, "Husband")
    run(sessions, api, firm, company, max_depth=1)
    contact = profiles(sessions)["Aroha Ngata"]
    assert contact.standing == "contact" and "Wiremu Ngata" not in profiles(sessions)
    outcome = run(sessions, api, firm, aroha, kind="individual")
    promoted = profiles(sessions)["Aroha Ngata"]
    assert outcome.promoted and outcome.profile_id == contact.id == promoted.id
    assert (promoted.standing, promoted.subscription_plan_id) == ("client", firm[2])
    assert ("Aroha Ngata", "husband", "Wiremu Ngata", None) in roles(sessions)
    assert count(sessions, Profile) == 3
    with sessions() as session:
        event = session.scalars(select(AuditEvent).order_by(AuditEvent.id.desc())).first()
    assert event.action == "import" and event.object_id == contact.id
    assert event.detail["promoted"] is True
    assert [e["name"] for e in event.detail["created"]] == ["Wiremu Ngata"]
    assert [e["name"] for e in event.detail["linked"]] == ["Kōwhai Holdings Limited"]


def test_importing_a_client_twice_changes_nothing(sessions, api, firm, practice, ngata):
    run(sessions, api, firm, ngata["holdings"])
    before = (count(sessions, Profile), count(sessions, Association), count(sessions, AuditEvent))
    practice.calls.clear()
    again = run(sessions, api, firm, ngata["holdings"])
    assert again.already_imported and practice.calls == []
    after = (count(sessions, Profile), count(sessions, Association), count(sessions, AuditEvent))
    assert after == before


def test_an_unmapped_structure_is_the_users_choice_and_can_be_remembered(
    sessions, api, firm, practice
):
    club = practice.client("Ōtaki Rugby Club Incorporated", "Incorporated Society")
    member = practice.person("Tama", "Ruru", structure="")  # a person, no structure
    partner = practice.client("Smith & Jones Partners", "Partnership")  # an entity, unmapped
    practice.relate(club, member, "Member")
    practice.relate(club, partner, "Member")
    with sessions() as session:
        review = service.review(session, api, firm[0], "xpm", club)
    assert review.mapped_kind is None
    choices = choices_for("company", firm[2], remember_structure=True)
    outcome = run(sessions, api, firm, club, choices=choices)
    stored = profiles(sessions)
    assert stored["Ōtaki Rugby Club Incorporated"].kind == "company"
    assert stored["Tama Ruru"].kind == "individual"
    # An unmapped structure is not guessed, for a related client either: it is asked later.
    assert stored["Smith & Jones Partners"].kind == "unknown"
    assert stored["Smith & Jones Partners"].standing == "contact"
    assert any(
        "Smith & Jones Partners: XPM does not say what kind of client it is (its structure "
        "“Partnership” is not mapped to a kind)" in n
        for n in outcome.notes
    )
    with sessions() as session:
        mapping = session.scalar(
            select(StructureMapping).where(
                StructureMapping.firm_id == firm[0],
                StructureMapping.structure_key == "incorporated society",
            )
        )
    assert (mapping.structure, mapping.kind) == ("Incorporated Society", "company")


def test_unicode_is_stored_byte_for_byte(sessions, api, firm, practice):
    names = {
        "root": "Tūī & Kea <Holdings> Limited 🥝",
        "decomposed": "Ra\u0304wiri Te Whata",  # a combining macron, not the composed ā
        "quotes": 'Seán O\'Connor "Jr"',
    }
    root = practice.client(names["root"], "Company", Address="Level 2\n12 Kōwhai Road\r\nTe Aro")
    first, last = names["decomposed"].split(" ", 1)
    rawiri = practice.person(first, last)
    sean = practice.person("Seán", "O'Connor", Name=names["quotes"])
    practice.relate(root, rawiri, "Director")
    practice.relate(root, sean, "Secretary")
    run(sessions, api, firm, root)
    stored = profiles(sessions)
    assert set(stored) == set(names.values())
    for name in names.values():
        assert stored[name].name.encode() == name.encode()
        assert stored[name].xpm_name.encode() == name.encode()
    assert stored[names["decomposed"]].first_name == first
    assert stored[names["root"]].physical_address == "Level 2\n12 Kōwhai Road\nTe Aro"


def test_bad_input_completes_with_the_gaps_noted(sessions, api, firm, practice):
    p = practice
    long_name = "Rātā " + "Whānau " * 42 + "Holdings Limited"  # 315 characters
    root = p.client(long_name, "Company", TaxNumber="***-***-456", Phone="0" * 60)
    archived = p.person("Ngaio", "Marsh", IsArchived="Yes")
    deleted = p.person("Kauri", "Timber", IsDeleted="Yes")
    p.relate(root, archived, "Director", StartDate="2020-01-01", EndDate="2019-01-01")
    p.relate(root, deleted, "Director")
    p.relate(root, "5a0c3c1e-0000-4000-8000-000000000000", "Director")  # gone from XPM
    p.relate(root, root, "Shareholder", NumberOfShares=10)  # points at itself
    p.relate(root, archived, "Shareholder")  # no share count
    p.relate(root, archived, "Accountant")  # not a type the portal knows
    outcome = run(sessions, api, firm, root)
    stored = profiles(sessions)
    company = stored[long_name]
    assert company.name == long_name and len(long_name) == 315
    assert company.ird_number == "***-***-456" and company.ird_number_masked
    assert company.phone == "0" * 50
    assert set(stored) == {long_name, "Ngaio Marsh"}
    found = roles(sessions)
    assert (long_name, "shareholder", "Ngaio Marsh", None) in found
    assert (long_name, "other", "Ngaio Marsh", None) in found
    with sessions() as session:
        director = session.scalar(select(Association).where(Association.role == "director"))
        other = session.scalar(select(Association).where(Association.role == "other"))
    assert director.end_date is None and str(director.start_date) == "2020-01-01"
    assert other.label == "Accountant"
    notes = " ".join(outcome.notes)
    for expected in (
        "Someone removed is no longer in XPM",
        "Kauri Timber is deleted in XPM",
        "points at that client itself",
        "ends before it starts",
        "“Accountant” is not a relationship type",
        "phone is longer than 50 characters",
    ):
        assert expected in notes
    assert company.setup_status == "preparing"


def test_choices_are_plain_values():
    with pytest.raises(TypeError):
        Choices()  # the kind and the plan are required


def test_the_preview_lists_the_roles_create_stores_on_the_client(sessions, api, firm, ngata):
    """The form's preview and the import come from one plan: what it lists is what is stored."""
    with sessions() as session:
        review = service.review(session, api, firm[0], "xpm", ngata["holdings"])
    root = review.client.name
    listed = {(root, r.role, r.name, r.shares) for r in review.parties}
    listed |= {(r.name, r.role, root, r.shares) for r in review.holdings}
    run(sessions, api, firm, ngata["holdings"])
    assert listed == {role for role in roles(sessions) if root in (role[0], role[2])}
