"""The import linked to the Companies Office in one step (docs/spec.md §10.4), below the
views: the register read for the form (``register.look_up``), the reconciliation of its
people with XPM's, and ``import_client`` with ``link_nzbn``: XPM and the register are both
requests-mock adapters (the documented bodies of tests/fixtures/nzbn), on SQLite and
PostgreSQL. A fault at the register call, or a conflict at the write, changes no row."""

import copy
from datetime import date

import pytest
import requests_mock
from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError

from portal.importing import register as linked
from portal.importing import service
from portal.models import Association, AuditEvent, Profile
from portal.nzbn import RegisterApi
from portal.register_compare import compare, take
from portal.xpm.transport import ReadOnlySession, RetryPolicy
from tests.importing.conftest import choices_for, import_from_xpm, table_counts
from tests.nzbn.conftest import KEY, URL, fixture

NUMBER = "1234567"  # the ngata fixture's company number for Kōwhai Holdings
NZBN = "9429090444661"
JSON = {"Content-Type": "application/json"}


@pytest.fixture
def register_adapter():
    adapter = requests_mock.Adapter()
    search = copy.deepcopy(fixture("search.json"))
    search["items"][0]["sourceRegisterUniqueId"] = NUMBER
    search["items"][0]["nzbn"] = NZBN
    entity = copy.deepcopy(fixture("entity.json"))
    entity["sourceRegisterUniqueIdentifier"] = NUMBER
    adapter.register_uri("GET", f"{URL}/entities", json=search, headers=JSON)
    adapter.register_uri("GET", f"{URL}/entities/{NZBN}", json=entity, headers=JSON)
    return adapter


@pytest.fixture
def register(register_adapter):
    session = ReadOnlySession()
    session.mount("https://", register_adapter)
    retry = RetryPolicy(max_attempts=2, backoff_base=0.001, backoff_cap=0.001)
    return RegisterApi(URL, KEY, retry=retry, session=session, sleep=lambda s: None)


def counts(sessions) -> dict[str, int]:
    with sessions() as session:
        return table_counts(session.connection())


def run(sessions, api, firm, client_uuid, register, link_nzbn=NZBN):
    return import_from_xpm(sessions, api, firm, client_uuid, register=register, link_nzbn=link_nzbn)


def test_the_form_reads_the_entity_in_two_calls(api, ngata, register, register_adapter):
    lookup = linked.look_up(register, api.get(ngata["holdings"]))
    assert lookup.problem is None and lookup.entity.nzbn == NZBN
    assert register_adapter.call_count == 2  # the search by number, then the entity


def test_no_company_number_no_call(api, ngata, register, register_adapter):
    assert linked.look_up(register, api.get(ngata["trust"])) == linked.Lookup()
    assert register_adapter.call_count == 0


@pytest.mark.parametrize("status", [503, 401, 500])
def test_a_register_failure_on_the_form_is_a_sentence(
    api, ngata, register, register_adapter, status
):
    register_adapter.register_uri("GET", f"{URL}/entities", status_code=status)
    lookup = linked.look_up(register, api.get(ngata["holdings"]))
    assert lookup.entity is None
    assert lookup.problem.startswith("The Companies Office register could not be asked")
    assert "Import it without the link" in lookup.problem


def test_without_a_key_the_form_says_how_to_configure_it(api, ngata):
    lookup = linked.look_up(None, api.get(ngata["holdings"]))
    assert "NZBN_SUBSCRIPTION_KEY" in lookup.problem


def test_the_preview_lists_matches_doubts_and_differences(sessions, api, firm, ngata, register):
    lookup = linked.look_up(register, api.get(ngata["holdings"]))
    with sessions() as session:
        review = service.review(session, api, firm[0], "xpm", ngata["holdings"], lookup=lookup)
    found = review.reconciled
    assert set(found.matched.values()) == {ngata["Aroha Ngata"], ngata["Wiremu Ngata"]}
    assert any(
        d.startswith(
            "Wiremu Ātaahua Ngata (Wiremu Ngata in XPM) resigned as director on 30 June 2024"
        )
        for d in found.differences
    )
    assert any(
        d.startswith("Aroha Ngata holds 450 shares on the register, 400 in XPM")
        for d in found.differences
    )
    assert review.register is lookup


def test_a_same_name_in_another_role_is_doubtful():
    from portal.nzbn import parsers

    entity = parsers.entity(fixture("entity.json"))
    parties = [linked.Party("u1", "Aroha Ngata", "secretary", None, None)]
    found = linked.reconcile(entity, parties)
    assert not found.matched
    assert any("confirm they are the same person" in d for d in found.doubtful)
    two = [linked.Party(u, "Aroha Ngata", "director", None, None) for u in ("u1", "u2")]
    found = linked.reconcile(entity, two)
    assert any("2 of XPM's related clients have this name" in d for d in found.doubtful)


def test_create_stores_it_linked_in_the_one_write(
    sessions, api, firm, ngata, register, register_adapter
):
    outcome = run(sessions, api, firm, ngata["holdings"], register)
    assert register_adapter.call_count == 1  # the entity, read again before the write
    with sessions() as session:
        company = session.get(Profile, outcome.profile_id)
        assert company.companies_office_linked and company.nzbn == NZBN
        assert company.register_status == "Registered" and company.register_linked_at
        aroha = session.scalar(
            select(func.count()).select_from(Profile).where(Profile.name == "Aroha Ngata")
        )
    assert aroha == 1
    assert any("resigned as director" in note for note in outcome.notes)
    assert any("450 shares on the register, 400 in XPM" in note for note in outcome.notes)


def test_unticked_nothing_is_read_from_the_register(
    sessions, api, firm, ngata, register, register_adapter
):
    outcome = run(sessions, api, firm, ngata["holdings"], register, link_nzbn=None)
    assert register_adapter.call_count == 0
    with sessions() as session:
        assert not session.get(Profile, outcome.profile_id).companies_office_linked


@pytest.mark.parametrize("status", [503, 404, 401])
def test_a_register_fault_at_create_changes_nothing(
    sessions, api, firm, ngata, register, register_adapter, status
):
    register_adapter.register_uri("GET", f"{URL}/entities/{NZBN}", status_code=status)
    before = counts(sessions)
    with pytest.raises(service.ImportFailed) as failed:
        run(sessions, api, firm, ngata["holdings"], register)
    assert counts(sessions) == before
    assert "Nothing was imported" in str(failed.value) and "Importing again is safe" in str(
        failed.value
    )


def test_another_profile_with_that_nzbn_changes_nothing(sessions, api, firm, ngata, register):
    firm_id, _, plan_id = firm
    with sessions() as session, session.begin():
        session.add(
            Profile(
                firm_id=firm_id,
                kind="company",
                standing="client",
                name="Kōwhai (manual)",
                sort_name="kowhai (manual)",
                nzbn=NZBN,
                origin="manual",
                subscription_plan_id=plan_id,
                setup_status="preparing",
            )
        )
    before = counts(sessions)
    with pytest.raises(service.ImportFailed) as failed:
        run(sessions, api, firm, ngata["holdings"], register)
    assert counts(sessions) == before
    assert "already this company" in str(failed.value) and not failed.value.retryable


def test_an_nzbn_in_xpm_that_is_not_the_registers_is_no_offer(
    api, practice, ngata, register, register_adapter
):
    practice.records[ngata["holdings"]]["BusinessNumber"] = "9429000000001"
    lookup = linked.look_up(register, api.get(ngata["holdings"]))
    assert lookup.entity is None and "XPM has NZBN 9429000000001" in lookup.problem
    assert register_adapter.call_count == 1  # the search only


def offers_of(sessions, api, firm, client_uuid, register):
    lookup = linked.look_up(register, api.get(client_uuid))
    with sessions() as session:
        review = service.review(session, api, firm[0], "xpm", client_uuid, lookup=lookup)
    return review.reconciled.offers


def test_every_offer_of_the_preview_is_what_compare_finds_after_the_import(
    sessions, api, firm, ngata, register
):
    offers = offers_of(sessions, api, firm, ngata["holdings"], register)
    assert {o.key for o in offers} >= {"end:director:wiremu ngata", "shares:aroha ngata"}
    outcome = run(sessions, api, firm, ngata["holdings"], register)  # nothing ticked
    entity = register.entity(NZBN)
    with sessions() as session:
        found = compare.compare(session, session.get(Profile, outcome.profile_id), entity)
        keys = {e.key for e in found.endings} | {s.key for s in found.shares}
        keys |= {a.key for a in found.additions}
    assert {o.key for o in offers} <= keys


def roles_of(sessions, profile_id: int) -> dict[tuple[str, str], Association]:
    with sessions() as session:
        rows = session.scalars(select(Association).where(Association.profile_id == profile_id))
        return {(a.party.name, a.role): a for a in rows}


def test_create_takes_what_was_ticked_in_the_one_write(sessions, api, firm, ngata, register):
    offers = offers_of(sessions, api, firm, ngata["holdings"], register)
    choices = choices_for("company", firm[2], register_take=frozenset(o.key for o in offers))
    outcome = run_with(sessions, api, firm, ngata["holdings"], register, choices)
    roles = roles_of(sessions, outcome.profile_id)
    assert roles[("Wiremu Ngata", "director")].end_date == date(2024, 6, 30)
    assert roles[("Aroha Ngata", "shareholder")].shares == 450
    assert roles[("Aroha Ngata", "director")].end_date is None
    with sessions() as session:
        company = session.get(Profile, outcome.profile_id)
        assert company.annual_return_month and company.registered_address  # XPM had none
        named = select(func.count()).select_from(Profile).where(Profile.sort_name == "aroha ngata")
        assert session.scalar(named) == 1
        taken = session.scalar(select(AuditEvent).where(AuditEvent.action == "register_taken"))
    assert "ended Wiremu Ngata as director" in taken.summary
    assert not any("resigned as director" in note for note in outcome.notes)  # it was taken
    entity = register.entity(NZBN)
    with sessions() as session:
        after = compare.compare(session, session.get(Profile, outcome.profile_id), entity)
    assert not {e.key for e in after.endings} & {o.key for o in offers}
    assert not after.shares


def test_unticked_differences_stay_as_xpm_has_them_and_are_noted(
    sessions, api, firm, ngata, register
):
    outcome = run(sessions, api, firm, ngata["holdings"], register)
    roles = roles_of(sessions, outcome.profile_id)
    assert roles[("Wiremu Ngata", "director")].end_date is None
    assert roles[("Aroha Ngata", "shareholder")].shares == 400
    assert any("resigned as director" in note for note in outcome.notes)


def test_a_confirmed_doubt_makes_the_xpm_party_hold_the_registers_role(
    sessions, api, firm, practice, ngata, register, register_adapter
):
    # Mere Ngata is a director on the register; in XPM she is only the company's secretary.
    practice.relate(ngata["holdings"], ngata["Mere Ngata"], "Secretary")
    entity = copy.deepcopy(fixture("entity.json"))
    entity["sourceRegisterUniqueIdentifier"] = NUMBER
    mere = copy.deepcopy(entity["roles"][0])
    mere["rolePerson"].update(firstName="Mere", lastName="NGATA")
    mere["startDate"] = "2020-02-01T00:00:00.000+1300"
    entity["roles"].append(mere)
    register_adapter.register_uri("GET", f"{URL}/entities/{NZBN}", json=entity, headers=JSON)
    offers = offers_of(sessions, api, firm, ngata["holdings"], register)
    offer = next(o for o in offers if o.key == "director:mere ngata")
    assert not offer.ticked
    assert offer.choices == (
        (f"x:{ngata['Mere Ngata']}", "Mere Ngata, secretary in XPM"),
        ("new", "Someone else: a new contact"),
    )
    choices = choices_for(
        "company",
        firm[2],
        register_take=frozenset({offer.key}),
        register_as=((offer.key, offer.choices[0][0]),),
    )
    outcome = run_with(sessions, api, firm, ngata["holdings"], register, choices)
    roles = roles_of(sessions, outcome.profile_id)
    director, secretary = roles[("Mere Ngata", "director")], roles[("Mere Ngata", "secretary")]
    assert director.party_id == secretary.party_id
    assert director.start_date == date(2020, 2, 1)


def test_a_fault_while_taking_changes_nothing(sessions, api, firm, ngata, register, monkeypatch):
    offers = offers_of(sessions, api, firm, ngata["holdings"], register)
    choices = choices_for("company", firm[2], register_take=frozenset(o.key for o in offers))
    before = counts(sessions)

    def failing(*args, **kwargs):
        raise OperationalError("INSERT INTO audit_events", {}, Exception("disk I/O error"))

    monkeypatch.setattr(take.audit, "record", failing)
    with pytest.raises(service.ImportFailed):
        run_with(sessions, api, firm, ngata["holdings"], register, choices)
    assert counts(sessions) == before


def run_with(sessions, api, firm, client_uuid, register, choices):
    return import_from_xpm(
        sessions, api, firm, client_uuid, choices=choices, register=register, link_nzbn=NZBN
    )
