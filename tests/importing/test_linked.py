"""Import from XPM linked to the Companies Office in one step (docs/spec.md §10.4), over
real HTTP against both sandboxes (the register's is drawn from the XPM sandbox's practice),
with a fault injected at the register call of the form, of Create, and at the write."""

import re

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError

from portal import database, register_sandbox, shared
from portal.importing import memory, write
from portal.models import Association, Profile
from portal.sandbox.fixtures import CHAIN_COMPANY
from tests.importing.sandboxed import counts, find, import_url, plan_id, profile_named

RESIGNED = "Wiremu Ātaahua Ngata (Wiremu Ngata in XPM) resigned as director on 30 June 2024"
SHARES = "Aroha Ngata holds 450 shares on the register, 400 in XPM"


@pytest.fixture
def on_register(app, register_url, register_control):
    app.config.update(register_sandbox.provider_urls(register_url), NZBN_RETRY_BACKOFF=0.001)
    app.config.update(NZBN_READ_TIMEOUT=2, NZBN_CALL_DEADLINE=3)
    return register_control


@pytest.fixture
def kowhai(app, connected, on_register):
    return find(app, connected[1], CHAIN_COMPANY, "Company")


def linked_form(app, firm_id, page: str, **overrides) -> dict:
    nzbn = re.search(r'name="register_nzbn" value="(\d{13})"', page).group(1)
    return {
        "kind": "company",
        "company_type_code": "limited_small",
        "subscription_plan_id": plan_id(app, firm_id),
        "also_link": "y",
        "register_nzbn": nzbn,
        **overrides,
    }


def individuals_named(app, name: str) -> int:
    with app.app_context():
        return database.session().scalar(
            select(func.count())
            .select_from(Profile)
            .where(Profile.name == name, Profile.kind == "individual")
        )


def test_the_form_offers_the_link_and_lists_the_differences(client, kowhai, on_register):
    page = client.get(import_url(kowhai)).get_data(as_text=True)
    assert "On the Companies Office register</strong> as KŌWHAI HOLDINGS LIMITED" in page
    assert '<input checked id="also_link" name="also_link" type="checkbox"' in page
    assert "Also link to the Companies Office" in page
    assert RESIGNED in page and SHARES in page
    assert "Not linked to the Companies Office" not in page  # the warning is replaced
    assert "© Crown copyright" in page
    calls = on_register("GET", "calls")["calls"]
    assert calls.get("entities/search") == 1 and calls.get("entities/get") == 1


def test_create_stores_it_linked_with_one_profile_per_person(app, client, connected, kowhai):
    page = client.get(import_url(kowhai)).get_data(as_text=True)
    answer = client.post(import_url(kowhai), data=linked_form(app, connected[1], page))
    assert answer.status_code == 302, answer.get_data(as_text=True)
    company = profile_named(app, CHAIN_COMPANY)
    assert company.companies_office_linked and re.fullmatch(r"\d{13}", company.nzbn)
    assert company.register_status and company.register_linked_at
    profile = client.get(answer.headers["Location"]).get_data(as_text=True)
    assert "Linked to the Companies Office" in profile
    assert "Not linked to the Companies Office" not in profile
    assert "Confirm the company number with the Companies Office" not in profile
    assert RESIGNED in profile and SHARES in profile  # told after the import too
    for person in ("Aroha Ngata", "Wiremu Ngata"):
        assert individuals_named(app, person) == 1
    compare = client.get(f"/clients/{company.id}/companies-office/compare").get_data(as_text=True)
    assert "Wiremu Ngata" in compare and "450" in compare  # offered to take there


def test_unticked_it_imports_as_before(app, client, connected, kowhai):
    page = client.get(import_url(kowhai)).get_data(as_text=True)
    form = linked_form(app, connected[1], page)
    del form["also_link"]
    answer = client.post(import_url(kowhai), data=form)
    assert answer.status_code == 302
    company = profile_named(app, CHAIN_COMPANY)
    assert not company.companies_office_linked and not company.register_linked_at


@pytest.mark.parametrize("fault", ["503", "timeout", "malformed"])
def test_a_register_fault_on_the_form_never_blocks_the_import(
    app, client, connected, kowhai, on_register, fault
):
    on_register(
        "POST",
        "faults",
        json={"fault": fault, "endpoints": ["entities/search"], "timeout_seconds": 4},
    )
    before = counts(app)
    page = client.get(import_url(kowhai)).get_data(as_text=True)
    assert counts(app) == before
    assert "The Companies Office register could not be asked" in page
    assert "Not linked to the Companies Office" in page and "also_link" not in page
    form = {
        "kind": "company",
        "company_type_code": "limited_small",
        "subscription_plan_id": plan_id(app, connected[1]),
    }
    answer = client.post(import_url(kowhai), data=form)
    assert answer.status_code == 302
    assert not profile_named(app, CHAIN_COMPANY).companies_office_linked


def test_create_links_the_entity_the_form_showed_without_asking_again(
    app, client, connected, kowhai, on_register
):
    page = client.get(import_url(kowhai)).get_data(as_text=True)
    client.get(import_url(kowhai))  # a redraw of the form asks the register nothing
    asked = on_register("GET", "calls")["calls"]
    assert (
        client.post(import_url(kowhai), data=linked_form(app, connected[1], page)).status_code
        == 302
    )
    assert on_register("GET", "calls")["calls"] == asked
    assert sum(asked.values()) == 2  # the search by company number, then the entity
    assert profile_named(app, CHAIN_COMPANY).companies_office_linked


def forget_what_the_register_said(app, firm_id: int, client_uuid: str):
    """The shared store no longer holds the form's entity (it expired): Create reads it."""
    with app.app_context():
        shared.store().delete("register:" + memory.key(firm_id, "xpm", client_uuid))


@pytest.mark.parametrize("fault", ["503", "timeout", "401"])
def test_a_register_fault_at_create_changes_nothing(
    app, client, connected, kowhai, on_register, fault
):
    page = client.get(import_url(kowhai)).get_data(as_text=True)
    forget_what_the_register_said(app, connected[1], kowhai)
    rule = {"fault": fault, "endpoints": ["entities/get"], "timeout_seconds": 4}
    on_register("POST", "faults", json=rule)
    before = counts(app)
    text = client.post(import_url(kowhai), data=linked_form(app, connected[1], page)).get_data(
        as_text=True
    )
    assert counts(app) == before
    assert "Nothing was imported. The Companies Office register (NZBN)" in text
    assert "Importing again is safe" in text
    on_register("DELETE", "faults")
    retried = client.post(import_url(kowhai), data=linked_form(app, connected[1], page))
    assert retried.status_code == 302
    assert profile_named(app, CHAIN_COMPANY).companies_office_linked


@pytest.mark.parametrize("where", ["link", "commit"])
def test_a_fault_at_the_write_changes_nothing(app, client, connected, kowhai, monkeypatch, where):
    page = client.get(import_url(kowhai)).get_data(as_text=True)
    before = counts(app)
    taken = write.take_link

    def failing_link(db, profile, entity):
        taken(db, profile, entity)
        if where == "link":
            raise OperationalError("UPDATE profiles", {}, Exception("disk I/O error"))
        db.info["fail_commit"] = True

    def failing_commit(db):
        if db.info.pop("fail_commit", False):
            raise OperationalError("COMMIT", {}, Exception("disk I/O error"))

    from sqlalchemy import event
    from sqlalchemy.orm import Session

    monkeypatch.setattr(write, "take_link", failing_link)
    event.listen(Session, "before_commit", failing_commit)
    try:
        text = client.post(import_url(kowhai), data=linked_form(app, connected[1], page)).get_data(
            as_text=True
        )
    finally:
        event.remove(Session, "before_commit", failing_commit)
    assert counts(app) == before
    assert "Nothing was imported" in text and "Importing again is safe" in text


def ticked_offers(page: str) -> list[str]:
    """The values of the preview's ticked register offers, as the browser sends them."""
    boxes = re.findall(
        r'<input type="checkbox" form="import-form" name="register_take"[^>]*>', page
    )
    return [re.search(r'value="([^"]*)"', b).group(1) for b in boxes if " checked" in b]


def test_create_takes_the_ticked_offers_and_ignores_any_other_value(app, client, connected, kowhai):
    page = client.get(import_url(kowhai)).get_data(as_text=True)
    ticked = ticked_offers(page)
    assert "end:director:wiremu ngata" in ticked and "shares:aroha ngata" in ticked
    form = linked_form(
        app, connected[1], page, register_take=[*ticked, "end:director:nobody", "x" * 5000]
    )
    form["register_as"] = ["shareholder:nobody=p:1", "garbage"]
    answer = client.post(import_url(kowhai), data=form)
    assert answer.status_code == 302, answer.get_data(as_text=True)
    company = profile_named(app, CHAIN_COMPANY)
    with app.app_context():
        db = database.session()
        roles = {
            (a.party.name, a.role): a
            for a in db.scalars(select(Association).where(Association.profile_id == company.id))
        }
    assert roles[("Wiremu Ngata", "director")].end_date is not None
    assert roles[("Aroha Ngata", "shareholder")].shares == 450
    profile = client.get(answer.headers["Location"]).get_data(as_text=True)
    assert "1 change ticked to take from the Companies Office was not taken" in profile
