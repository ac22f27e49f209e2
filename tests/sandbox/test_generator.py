"""The generated practice: deterministic, at least N clients, and every awkward case present."""

import re
import time
from collections import Counter, defaultdict

import pytest

from portal.sandbox import fixtures, generator, tenants

XERO_TYPES = {
    "Director",
    "Shareholder",
    "Trustee",
    "Beneficiary",
    "Partner",
    "Settlor",
    "Associate",
    "Secretary",
    "Public Officer",
    "Husband",
    "Wife",
    "Spouse",
    "Parent Of",
    "Appointer",
    "Member",
    "Auditor",
    "Owner",
}


@pytest.fixture(scope="module")
def practice():
    return generator.generate(tenants.KOWHAI, 2000)


def names_of(dataset):
    return {client["uuid"]: client["name"] for client in dataset.clients}


def structure(client):
    return client["data"].get("BusinessStructure", "<absent>")


def test_same_size_same_data():
    assert generator.generate(tenants.KOWHAI, 400) == generator.generate(tenants.KOWHAI, 400)


def test_a_smaller_practice_is_a_prefix_of_a_larger_one():
    small, large = generator.generate(tenants.KOWHAI, 400), generator.generate(tenants.KOWHAI, 800)
    assert large.clients[: len(small.clients)] == small.clients


def test_tenants_get_different_clients():
    kowhai, totara = (
        generator.generate(tenants.KOWHAI, 300),
        generator.generate(tenants.TOTARA, 300),
    )
    assert not {c["uuid"] for c in kowhai.clients} & {c["uuid"] for c in totara.clients}


@pytest.mark.parametrize("size", [1, 150, 2000])
def test_at_least_the_size_asked_for(size):
    assert len(generator.generate(tenants.KOWHAI, size).clients) >= size


def test_generating_two_thousand_is_quick():
    started = time.perf_counter()
    generator.generate(tenants.KOWHAI, 2000)
    assert time.perf_counter() - started < 5


def test_awkward_names(practice):
    names = [client["name"] for client in practice.clients]
    for text in ("ō", "ū", "ā", "&", "'", "<script>alert(1)</script>"):
        assert any(text in name for name in names), text
    counts = Counter(names)
    assert counts[fixtures.CHAIN_COMPANY] >= 2 and counts["John Smith"] >= 3
    hostile = next(c for c in practice.clients if c["name"] == fixtures.XSS_NAME)
    assert hostile["data"]["Website"] == "javascript:alert(1)"


def test_statuses_and_structures(practice):
    clients = practice.clients
    assert sum(c["is_archived"] for c in clients) > 20
    assert sum(c["is_deleted"] for c in clients) > 5
    assert sum(c["is_prospect"] for c in clients) > 5
    seen = {structure(c) for c in clients}
    assert {
        "Company",
        "Limited Company",
        "Ltd Co",
        "LTC",
        "Look Through Company",
        "Trustee Company",
        "Partnership",
        "Sole Trader",
        "Trust",
        "Family Trust",
        "Trust - Discretionary",
        "Individual",
        "",
        "<absent>",
    } <= seen


def test_tax_numbers_are_masked(practice):
    numbers = [c["data"]["TaxNumber"] for c in practice.clients if c["data"].get("TaxNumber")]
    assert len(numbers) > 1000 and all(re.fullmatch(r"\*{6}\d{3}", n) for n in numbers)


def test_relationship_types_and_shares(practice):
    relationships = practice.relationships
    assert {r["type"] for r in relationships} >= XERO_TYPES
    assert all(
        r["number_of_shares"] for r in relationships if r["type"] in ("Shareholder", "Owner")
    )
    assert all(
        r["number_of_shares"] is None
        for r in relationships
        if r["type"] not in ("Shareholder", "Owner")
    )
    kinds = {c["uuid"]: structure(c) for c in practice.clients}
    holders = {kinds[r["related_uuid"]] for r in relationships if r["type"] == "Shareholder"}
    assert "Individual" in holders and "Company" in holders and holders & {"Trust", "Family Trust"}


def test_chain_company_trust_trustee_company(practice):
    names = names_of(practice)
    parties = defaultdict(list)
    for r in practice.relationships:
        parties[r["client_uuid"]].append((r["type"], r["related_uuid"]))
    holdings = next(c["uuid"] for c in practice.clients if c["name"] == fixtures.CHAIN_COMPANY)
    trust = next(
        u for kind, u in parties[holdings] if kind == "Shareholder" and "Trust" in names[u]
    )
    trustee_company = next(
        u for kind, u in parties[trust] if kind == "Trustee" and names[u].endswith("Limited")
    )
    directors = [names[u] for kind, u in parties[trustee_company] if kind == "Director"]
    assert directors == ["Aroha Ngata", "Rāwiri Parata"]


def test_there_is_a_relationship_cycle(practice):
    edges = defaultdict(set)
    for r in practice.relationships:
        if r["type"] in ("Shareholder", "Trustee"):
            edges[r["client_uuid"]].add(r["related_uuid"])

    def reaches(start, goal, seen):
        return any(
            n == goal or (n not in seen and reaches(n, goal, seen | {n})) for n in edges[start]
        )

    assert any(reaches(node, node, {node}) for node in list(edges))


def test_people_hold_roles_in_several_entities(practice):
    aroha = next(c["uuid"] for c in practice.clients if c["name"] == "Aroha Ngata")
    entities = {r["client_uuid"] for r in practice.relationships if r["related_uuid"] == aroha}
    assert len(entities) >= 6


def test_a_company_with_forty_related_parties(practice):
    company = next(c["uuid"] for c in practice.clients if c["name"] == fixtures.LARGE_COMPANY)
    parties = {r["related_uuid"] for r in practice.relationships if r["client_uuid"] == company}
    assert len(parties) == 40
