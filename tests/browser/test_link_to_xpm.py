"""Linking an existing company to its XPM client from its profile, with the keyboard, and
taking one field from XPM, in a real browser against the sandbox."""

import re

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from portal import database
from portal.database import utcnow, writing
from portal.models import Profile, SubscriptionPlan
from tests.browser.test_add_client_panel import OPTION, action, shot
from tests.browser.test_add_client_panel import xpm as xpm  # the fixture
from tests.browser.test_manual_add import sign_in, tab_to

NAME = "Kōwhai Joinery Limited"


def add_company(live_app, **values) -> int:
    """A company added by hand, as staff do before linking it to XPM."""
    with live_app.app_context():
        session = database.session()
        plan = session.scalars(select(SubscriptionPlan)).first()
        with writing(session):
            profile = Profile(
                firm_id=plan.firm_id,
                kind="company",
                standing="client",
                subscription_plan_id=plan.id,
                name=NAME,
                sort_name="kowhai joinery limited",
                **values,
            )
            session.add(profile)
        return profile.id


def xpm_uuid(page) -> str:
    page.goto(f"/clients/add?q={NAME}")
    row = page.locator(OPTION).first
    expect(row).to_be_visible()
    return row.get_attribute("id").removeprefix("client-")


@pytest.mark.usefixtures("xpm")
def test_link_an_existing_company_from_its_profile_with_the_keyboard(page, live_app, staff):
    profile_id = add_company(live_app, email="office@joinery.example")
    sign_in(page, staff)
    page.goto(f"/clients/{profile_id}")
    connect = page.get_by_role("link", name="Connect now")
    tab_to(page, connect)
    page.keyboard.press("Enter")

    panel = page.get_by_role("dialog", name="Link to a Xero Practice Manager client")
    expect(panel).to_be_visible()
    search = page.get_by_role("combobox", name="Search Xero Practice Manager by name")
    expect(search).to_have_value(NAME)
    expect(search).to_be_focused()
    expect(panel.get_by_text(f"Linking {NAME}")).to_be_visible()
    first = page.locator(OPTION).first
    expect(first.get_by_text("Suggested")).to_be_visible()
    shot(page, "panel-link-mode.png")
    page.keyboard.press("ArrowDown")
    expect(action(first, "Link")).to_be_visible()
    page.keyboard.press("Enter")

    expect(page).to_have_url(re.compile(rf"/clients/{profile_id}$"))
    expect(page.get_by_text(f"is now linked to {NAME}")).to_be_visible()
    card = page.locator("section", has=page.get_by_role("heading", name="Practice management"))
    expect(card.get_by_text(f"Linked to Xero Practice Manager as {NAME}")).to_be_visible()
    expect(card.get_by_role("button", name="Disconnect")).to_be_visible()
    shot(page, "profile-linked.png")


@pytest.mark.usefixtures("xpm")
def test_refresh_one_field_from_xpm(page, live_app, staff):
    sign_in(page, staff)
    uuid = xpm_uuid(page)
    profile_id = add_company(
        live_app,
        email="old@joinery.example",
        phone="00 000 0000",
        xpm_provider="xpm",
        xpm_client_uuid=uuid,
        xpm_name=NAME,
        xpm_linked_at=utcnow(),
    )
    page.goto(f"/clients/{profile_id}")
    page.get_by_role("link", name="Refresh from XPM").click()
    expect(page.get_by_role("heading", name="Refresh from XPM")).to_be_visible()
    expect(page.locator("td.was", has_text="old@joinery.example")).to_be_visible()
    shot(page, "refresh-from-xpm.png")
    page.get_by_label("Take E-mail from XPM").check()
    page.get_by_role("button", name="Take ticked items from XPM").click()

    expect(page).to_have_url(re.compile(rf"/clients/{profile_id}$"))
    expect(page.get_by_text("Took 1 field from XPM.")).to_be_visible()
    expect(page.get_by_text("old@joinery.example")).to_have_count(0)
    expect(page.get_by_text("00 000 0000")).to_be_visible()  # not ticked, so kept


@pytest.mark.usefixtures("xpm")
def test_refresh_ticks_all_differences_at_once(page, live_app, staff):
    from tests.browser.test_confirmations import shoot

    sign_in(page, staff)
    uuid = xpm_uuid(page)
    profile_id = add_company(
        live_app,
        email="old@joinery.example",
        xpm_provider="xpm",
        xpm_client_uuid=uuid,
        xpm_name=NAME,
        xpm_linked_at=utcnow(),
    )
    page.goto(f"/clients/{profile_id}/xpm/refresh")
    page.wait_for_load_state("load")
    boxes = page.locator("input[data-tickable]")
    assert boxes.count() > 1
    tick_all = page.get_by_label("Tick all differences")
    tick_all.check()
    for i in range(boxes.count()):
        expect(boxes.nth(i)).to_be_checked()
    page.get_by_label("Take E-mail from XPM").uncheck()  # one unticked: "all" no longer holds
    expect(tick_all).not_to_be_checked()
    tick_all.check()
    tick_all.uncheck()
    for i in range(boxes.count()):
        expect(boxes.nth(i)).not_to_be_checked()
    # An empty side reads "(empty)" without the red of a value about to be replaced.
    empty = page.locator("td.empty").first
    expect(empty).to_have_text("(empty)")
    assert empty.evaluate("e => getComputedStyle(e).backgroundColor") == "rgba(0, 0, 0, 0)"
    shoot(page, "refresh-tick-all")
