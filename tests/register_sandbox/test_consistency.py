"""The register agrees with the XPM sandbox's practice, except where it differs on purpose."""

from functools import cache

from portal.identifiers import valid_nzbn
from portal.nzbn import RegisterApi
from portal.register_sandbox import differences, records
from portal.register_sandbox import register as registry
from portal.sandbox import generator, tenants
from tests.sandboxed import SANDBOX_CLIENTS as CLIENTS


@cache
def practice():
    """The XPM sandbox's practice of the size the register sandbox was started with."""
    data = generator.generate(tenants.KOWHAI, CLIENTS)
    return data, {client["uuid"]: client for client in data.clients}


def xpm_companies():
    data, _ = practice()
    return [
        c
        for c in data.clients
        if (c["data"].get("CompanyNumber") or "").strip() and records.is_company_name(c["name"])
    ]


def xpm_directors(company_uuid: str) -> set[tuple[str, str]]:
    data, clients = practice()
    return {
        (
            clients[row["related_uuid"]]["data"]["FirstName"],
            clients[row["related_uuid"]]["data"]["LastName"],
        )
        for row in data.relationships
        if row["client_uuid"] == company_uuid
        and row["type"] == "Director"
        and "FirstName" in clients[row["related_uuid"]]["data"]
    }


def test_every_numbered_company_but_the_unknown_one_is_on_the_register(register: RegisterApi):
    companies = xpm_companies()
    assert len(companies) > 50
    missing = []
    for client in companies:
        number = client["data"]["CompanyNumber"]
        found = register.by_company_number(number)
        if found is None:
            missing.append((client["name"], number))
        else:
            assert found.company_number == number
            assert records.folded(found.name).startswith(
                records.folded(client["name"]).removesuffix(" ltd").removesuffix(" limited")
            ), (found.name, client["name"])
    second_kowhai = [c for c in companies if c["name"] == differences.CHAIN_COMPANY][1]
    assert missing == [(second_kowhai["name"], second_kowhai["data"]["CompanyNumber"])]


def test_the_register_has_the_nzbn_xpm_keeps_for_each_company(register: RegisterApi):
    """XPM's BusinessNumber is the company's NZBN, so a linked import is never refused as
    "XPM has NZBN …, but the register has …" for a sandbox company."""
    kept = [c for c in xpm_companies() if (c["data"].get("BusinessNumber") or "").strip()]
    assert len(kept) > 40
    for client in kept:
        nzbn = client["data"]["BusinessNumber"]
        assert valid_nzbn(nzbn), (client["name"], nzbn)
        found = register.by_company_number(client["data"]["CompanyNumber"])
        if found is not None and found.nzbn != nzbn:
            duplicates = [c for c in kept if c["data"]["BusinessNumber"] == nzbn]
            assert len(duplicates) > 1, (client["name"], nzbn, found.nzbn)  # only one may have it


def test_most_directors_are_the_same_people(register: RegisterApi):
    same = differ = 0
    for client in xpm_companies():
        found = register.by_company_number(client["data"]["CompanyNumber"])
        if found is None:
            continue
        entity = register.entity(found.nzbn)
        on_register = {(d.first_name, d.last_name) for d in entity.directors}
        for director in xpm_directors(client["uuid"]):
            if director in on_register:
                same += 1
            else:
                differ += 1
    assert same > 50 and differ <= same // 20


def test_the_deliberate_differences(register: RegisterApi):
    chain = register.entity(register.by_company_number("9044466").nzbn)
    assert chain.name == "KŌWHAI HOLDINGS LIMITED"  # capitals, macron kept
    wiremu = next(d for d in chain.directors if d.last_name == "Ngata" and d.first_name == "Wiremu")
    assert not wiremu.current and wiremu.ceased.isoformat() == "2024-06-30"
    assert ("Wiremu", "Ngata") in {
        (first, last) for first, last in xpm_directors(_uuid_of_number("9044466"))
    }  # still a director in XPM
    aroha_alone = [
        a for a in chain.allocations if [h.name for h in a.shareholders] == ["Aroha Ngata"]
    ]
    assert [a.shares for a in aroha_alone] == [450]  # XPM says 400
    trust_holding = next(a for a in chain.allocations if len(a.shareholders) > 1)
    assert trust_holding.shares == 600  # the trust's shares, held by its trustees jointly

    farms = register.search("Ngāti Rua Farms").results
    farms = register.entity(next(r for r in farms if r.name == "NGĀTI RUA FARMS LIMITED").nzbn)
    holders = [h for a in farms.allocations for h in a.shareholders]
    extra = next(h for h in holders if h.name == "TE ARAWA PASTORAL INVESTMENTS LIMITED")
    assert (
        not extra.is_person and register.entity(extra.nzbn).company_number == extra.company_number
    )
    assert extra.name.lower() not in {c["name"].lower() for c in practice()[0].clients}

    removed = register.search(differences.REMOVED).results
    assert [(r.status_code, r.status) for r in removed] == [("80", "Removed")]


def test_partnerships_and_societies_are_not_on_the_companies_register(register: RegisterApi):
    data, _ = practice()
    others = [
        c
        for c in data.clients
        if (c["data"].get("CompanyNumber") or "").strip() and not records.is_company_name(c["name"])
    ]
    assert others, "the practice has partnerships or societies with numbers"
    for client in others[:5]:
        assert register.by_company_number(client["data"]["CompanyNumber"]) is None


def test_the_register_is_the_same_on_every_build_and_extends_with_the_practice():
    small, large = registry.build(CLIENTS), registry.build(CLIENTS * 2)
    assert registry.build(CLIENTS) is small
    for nzbn, company in small.companies.items():
        if company.client_uuid:
            assert large.companies[nzbn].number == company.number


def _uuid_of_number(number: str) -> str:
    return next(c["uuid"] for c in xpm_companies() if c["data"]["CompanyNumber"] == number)
