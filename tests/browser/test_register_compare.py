"""Compare a linked company with the Companies Office in the browser, the register sandbox
on its own origin: the sandbox's deliberate differences are shown, the ticked ones taken,
the others left as they are."""

import re
from datetime import date

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from portal import database, nzbn, register_sandbox
from portal.models import Profile, SubscriptionPlan
from tests.browser.conftest import ARTIFACTS
from tests.browser.test_manual_add import sign_in
from tests.register_compare.conftest import (
    entity_named,
    store_as_the_practice_has_it,
    store_the_sandboxs_companies,
    the_sandboxs_companies,
)
from tests.register_compare.conftest import held as roles_held
from tests.sandboxed import REGISTER_CONTROL_TOKEN, serve


@pytest.fixture
def register_origin():
    """The register sandbox served on its own port: another origin than the portal's."""
    app = register_sandbox.create_app(
        {
            "REGISTER_SANDBOX_CLIENTS": 300,
            "REGISTER_SANDBOX_CONTROL_TOKEN": REGISTER_CONTROL_TOKEN,
        }
    )
    http, origin = serve(app)
    yield f"{origin}{register_sandbox.URL_PREFIX}"
    http.shutdown()
    http.server_close()


def _store(live_app, register_url) -> tuple[int, int]:
    """Kōwhai Holdings as its practice keeps it (Wiremu Ngata still a director, Aroha Ngata
    with 400 shares) and Ngāti Rua Farms without the register's shareholder company."""
    live_app.config.update(register_sandbox.provider_urls(register_url))
    kowhai, farms = the_sandboxs_companies(nzbn.api_from_config(live_app.config))
    with live_app.app_context():
        session = database.session()
        with database.writing(session):
            firm_id = session.scalar(select(SubscriptionPlan.firm_id))
            return store_the_sandboxs_companies(session, firm_id, kowhai, farms)


def test_compare_and_take_from_the_companies_office(
    page, live_app, live_server, staff, register_origin
):
    assert register_origin.split("/")[2] != live_server.split("/")[2]  # another origin
    kowhai, farms = _store(live_app, register_origin)
    sign_in(page, staff)
    ARTIFACTS.mkdir(exist_ok=True)

    page.goto(f"/clients/{kowhai}")
    page.get_by_role("link", name="Compare with the Companies Office").click()
    expect(page.get_by_role("heading", name="Compare with the Companies Office")).to_be_visible()
    expect(page.get_by_text("KŌWHAI HOLDINGS LIMITED", exact=True)).to_be_visible()
    expect(page.get_by_text("The details match the register")).to_be_visible()
    resigned = page.get_by_label(re.compile(r"Wiremu Ngata — Director: resigned on the register"))
    shares = page.get_by_label(re.compile(r"Aroha Ngata: 400 shares in the portal, 450"))
    expect(resigned).to_be_visible()
    expect(shares).to_be_visible()
    page.screenshot(path=ARTIFACTS / "register-compare-kowhai.png", full_page=True)
    # Tick all, then untick the shares: only the resignation is taken.
    page.get_by_label("Tick all").check()
    expect(shares).to_be_checked()
    shares.uncheck()
    expect(page.get_by_label("Tick all")).not_to_be_checked()
    page.get_by_role("button", name="Take ticked items from the register").click()
    expect(page.get_by_text("Took from the Companies Office: 1 role ended.")).to_be_visible()
    held = roles_held(live_app, kowhai)
    assert held[("Wiremu Ngata", "director")] == (None, date(2024, 6, 30))
    assert held[("Aroha Ngata", "shareholder")] == (400, None)  # not ticked: unchanged
    page.screenshot(path=ARTIFACTS / "register-compare-kowhai-taken.png", full_page=True)

    page.goto(f"/clients/{farms}")
    page.get_by_role("link", name="Compare with the Companies Office").click()
    new_holder = page.get_by_label(
        re.compile(r"Add Te Arawa Pastoral Investments Limited as shareholder of 250 shares")
    )
    expect(new_holder).to_be_visible()
    expect(
        page.get_by_label("Who Te Arawa Pastoral Investments Limited is in the portal")
    ).to_have_value("new")
    page.screenshot(path=ARTIFACTS / "register-compare-farms.png", full_page=True)
    new_holder.focus()
    page.keyboard.press("Space")  # by keyboard
    page.get_by_role("button", name="Take ticked items from the register").click()
    expect(page.get_by_text("Took from the Companies Office: 1 role added.")).to_be_visible()
    expect(page.get_by_text("Te Arawa Pastoral Investments Limited").first).to_be_visible()
    held = roles_held(live_app, farms)
    assert held[("Te Arawa Pastoral Investments Limited", "shareholder")] == (250, None)
    page.screenshot(path=ARTIFACTS / "register-compare-farms-taken.png", full_page=True)


def test_a_removed_company_and_its_details_that_differ(page, live_app, staff, register_origin):
    live_app.config.update(register_sandbox.provider_urls(register_origin))
    api = nzbn.api_from_config(live_app.config)
    removed = entity_named(api, "TŌTARA PARTNERSHIP EXAMPLE LIMITED")
    with live_app.app_context():
        session = database.session()
        with database.writing(session):
            firm_id = session.scalar(select(SubscriptionPlan.firm_id))
            company_id = store_as_the_practice_has_it(
                session, firm_id, removed, "Tōtara Partnership Example Limited"
            )
            company = session.get(Profile, company_id)
            company.annual_return_month = (removed.annual_return_month or 1) % 12 + 1
            company.registered_address, company.registered_city = "1 Old Road", "Hamilton"
            month = removed.annual_return_month
    sign_in(page, staff)
    page.goto(f"/clients/{company_id}/companies-office/compare")
    expect(page.get_by_role("alert")).to_contain_text(
        "TŌTARA PARTNERSHIP EXAMPLE LIMITED is removed on the Companies Register"
    )
    page.get_by_label("Take Annual return filing month from the register").check()
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=ARTIFACTS / "register-compare-removed.png", full_page=True)
    page.get_by_role("button", name="Take ticked items from the register").click()
    expect(page.get_by_text("Took from the Companies Office: 1 field.")).to_be_visible()
    with live_app.app_context():
        company = database.session().get(Profile, company_id)
        assert company.annual_return_month == month
        assert company.registered_city == "Hamilton"  # not ticked: unchanged
