"""The "Add client" panel in a real browser, against the XPM sandbox over HTTP: what a
person does with the keyboard and the mouse, and what they see."""

import re

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from portal import database
from portal.database import writing
from portal.models import Profile, SubscriptionPlan
from tests.browser.conftest import ARTIFACTS
from tests.browser.test_import import answered
from tests.browser.test_manual_add import sign_in, tab_to
from tests.panel.conftest import HX, drain
from tests.sandboxed import connect_portal

OPTION = '#panel-list [role="option"]'


@pytest.fixture
def xpm(live_app, staff, sandbox_url, sandbox_control):
    """The live portal connected to the sandbox's XPM, its directory already read."""
    client = live_app.test_client()
    live_app.config["WTF_CSRF_ENABLED"] = False  # this set-up is not what the browser tests
    client.post("/login", data=staff)
    assert "Connected to" in connect_portal(live_app, client, sandbox_url)
    client.get("/clients/add", headers=HX)
    drain(live_app)
    live_app.config["WTF_CSRF_ENABLED"] = True
    sandbox_control("POST", "reset", json={})
    yield sandbox_control
    drain(live_app)


def open_from_menu(page, connected=True):
    page.get_by_role("button", name="I would like to...").click()
    page.get_by_role("menuitem", name="Import from other system").click()
    panel = page.get_by_role("dialog", name="Add client")
    expect(panel).to_be_visible()
    if connected:
        expect(panel_search(page)).to_be_focused()  # where what is typed next goes
    return panel


def action(row, name):
    """A row's action ("Import", "Open", "Link"): a label in the option, not a control."""
    return row.locator("[data-row-action]", has_text=name)


def panel_search(page):
    return page.get_by_role("combobox", name="Search Xero Practice Manager by name")


def shot(page, name):
    page.wait_for_timeout(250)  # the slide-in
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=ARTIFACTS / name)


def test_open_with_the_keyboard_and_esc_gives_focus_back(page, staff, xpm):
    sign_in(page, staff)
    menu_button = page.get_by_role("button", name="I would like to...")
    tab_to(page, menu_button)
    page.keyboard.press("Enter")
    expect(page.get_by_role("menuitem", name="Add client manually")).to_be_focused()
    page.keyboard.press("ArrowDown")
    expect(page.get_by_role("menuitem", name="Import from other system")).to_be_focused()
    page.keyboard.press("Enter")

    panel = page.get_by_role("dialog", name="Add client")
    expect(panel).to_be_visible()
    expect(page).to_have_url(re.compile(r"/clients/add$"))
    expect(panel_search(page)).to_be_focused()
    expect(page.get_by_role("heading", name="Clients")).to_be_attached()  # the page stays
    expect(page.locator("#panel-announce")).to_have_text(re.compile(r"^\d[\d,]* clients$"))
    shot(page, "panel-open.png")

    page.keyboard.press("Escape")
    expect(panel).to_be_hidden()
    expect(menu_button).to_be_focused()
    expect(page).to_have_url(re.compile(r"/clients/$"))


def test_type_part_of_a_name_with_a_macron_then_down_down_enter(page, staff, xpm):
    sign_in(page, staff)
    open_from_menu(page)
    page.keyboard.type("kōwh", delay=60)
    matches = page.locator(OPTION)
    expect(matches).to_have_count(3)
    expect(page.locator(f"{OPTION} mark").first).to_have_text("Kōwh")
    expect(page.locator("#panel-announce")).to_have_text("3 clients match “kōwh”")
    expect(page).to_have_url(re.compile(r"/clients/add\?q=k%C5%8Dwh$"))

    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")
    second = matches.nth(1)
    expect(second).to_have_attribute("aria-selected", "true")
    search = panel_search(page)
    expect(search).to_have_attribute("aria-activedescendant", second.get_attribute("id"))
    expect(action(second, "Import")).to_be_visible()
    expect(action(matches.nth(0), "Import")).to_be_hidden()
    shot(page, "panel-search.png")

    uuid = second.get_attribute("id").removeprefix("client-")
    with page.expect_request(re.compile(rf"/clients/import/xpm/{uuid}$")):
        page.keyboard.press("Enter")
    expect(page.get_by_role("dialog", name="Add client")).to_be_visible()


def test_the_import_form_replaces_the_list_and_back_restores_the_search(page, staff, xpm):
    sign_in(page, staff)
    open_from_menu(page)
    page.keyboard.type("kowhai hold")
    answered(page, "kowhai hold")
    expect(page.locator(OPTION)).to_have_count(2)
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Enter")
    back = page.locator("#add-client [data-panel-back]")  # the import form, in the panel
    expect(back).to_be_visible()
    expect(page.locator(OPTION)).to_have_count(0)
    expect(page.get_by_role("heading", name="Add client")).to_be_visible()
    shot(page, "panel-import-form.png")
    back.click()
    expect(panel_search(page)).to_have_value("kowhai hold")
    expect(panel_search(page)).to_be_focused()
    expect(page.locator(OPTION)).to_have_count(2)
    expect(page.get_by_role("heading", name="Add client")).to_have_count(1)


def test_hovering_a_row_reveals_its_import_button(page, staff, xpm):
    sign_in(page, staff)
    open_from_menu(page)
    row = page.locator(OPTION).nth(2)
    expect(action(row, "Import")).to_be_hidden()
    row.hover()
    expect(action(row, "Import")).to_be_visible()


def test_an_imported_client_offers_open(page, live_app, staff, xpm):
    sign_in(page, staff)
    open_from_menu(page)
    page.keyboard.type("kowhai joinery")
    row = page.locator(OPTION)
    expect(row).to_have_count(1)
    uuid = row.get_attribute("id").removeprefix("client-")
    with live_app.app_context():
        session = database.session()
        plan = session.scalars(select(SubscriptionPlan)).first()
        with writing(session):
            profile = Profile(
                firm_id=plan.firm_id,
                kind="company",
                standing="client",
                subscription_plan_id=plan.id,
                name="Kōwhai Joinery Limited",
                sort_name="kowhai joinery limited",
                xpm_provider="xpm",
                xpm_client_uuid=uuid,
            )
            session.add(profile)
    page.keyboard.press("Escape")
    open_from_menu(page)
    page.keyboard.type("kowhai joinery")
    answered(page, "kowhai joinery")
    expect(row.get_by_text("Imported")).to_be_visible()
    expect(action(row, "Open")).to_be_visible()  # no hover needed
    shot(page, "panel-imported.png")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(rf"/clients/{profile.id}$"))
    expect(page.get_by_role("heading", name="Kōwhai Joinery Limited")).to_be_visible()


def test_the_panel_has_its_own_address_and_back_closes_it(page, staff, xpm):
    sign_in(page, staff)
    page.goto("/clients/add?q=kowhai")
    panel = page.get_by_role("dialog", name="Add client")
    expect(panel).to_be_visible()
    expect(page.locator(OPTION)).to_have_count(3)
    expect(panel_search(page)).to_have_value("kowhai")
    page.go_back()
    expect(panel).to_be_hidden()
    expect(page).to_have_url(re.compile(r"/clients/$"))
    expect(page.get_by_role("heading", name="Clients")).to_be_visible()
    page.go_forward()
    expect(panel).to_be_visible()
    expect(page.locator(OPTION)).to_have_count(3)


def test_slash_finds_the_panel_search_and_the_list_grows_as_it_scrolls(page, staff, xpm):
    sign_in(page, staff)
    open_from_menu(page)
    page.get_by_role("button", name="Close").focus()
    page.keyboard.press("/")
    expect(panel_search(page)).to_be_focused()
    rows = page.locator(OPTION)
    expect(rows).to_have_count(25)
    for _ in range(26):
        page.keyboard.press("ArrowDown")
    expect(rows).to_have_count(50)  # moving past the last row loaded the next page
    expect(rows.nth(25)).to_have_attribute("aria-selected", "true")
    page.locator("#panel-list").evaluate("element => element.scrollTo(0, 1e6)")
    expect(rows).to_have_count(75)
    assert xpm.calls() == {}  # scrolling is answered by the portal's copy


def test_typing_a_name_costs_at_most_two_calls_to_xpm(page, staff, xpm):
    sign_in(page, staff)
    open_from_menu(page)
    xpm("POST", "reset", json={})
    panel_search(page).press_sequentially("kowhai", delay=125)  # 8 a second
    expect(page.locator("#panel-announce")).to_have_text("3 clients match “kowhai”")
    page.wait_for_timeout(1500)  # let the search settle and XPM confirm it
    calls = xpm.calls()
    assert calls.get("client.api/search", 0) <= 1 and sum(calls.values()) <= 2, calls


def test_an_older_answer_never_replaces_a_newer_one(page, staff, xpm):
    sign_in(page, staff)
    open_from_menu(page)
    xpm("POST", "faults", json={"latency_ms": 1500, "endpoints": ["client.api/search"]})
    search = panel_search(page)
    search.press_sequentially("rimu")
    expect(page.locator("#panel-checking")).to_be_visible()  # XPM is asked about "rimu"
    search.press_sequentially(" zzz")
    expect(page.locator("#panel-announce")).to_have_text("No clients match “rimu zzz”")
    page.wait_for_timeout(2500)  # the answer about "rimu" has long arrived
    expect(page.locator("#panel-results .count")).to_have_text("No clients match “rimu zzz”")
    expect(page.locator(OPTION)).to_have_count(0)


def test_down_before_the_last_answer_keeps_the_row_it_chose(page, staff, xpm):
    """↓ pressed after the last key but before its answer chooses among the rows on screen;
    the answer, which still lists that row, keeps it chosen and Enter imports it. (It used
    to let the row go, and Enter only searched again.) A typed key lets the row go."""
    sign_in(page, staff)
    open_from_menu(page)
    page.keyboard.type("kowhai hol")
    answered(page, "kowhai hol")
    first = page.locator(OPTION).first
    uuid = first.get_attribute("id").removeprefix("client-")

    def late(route):
        page.wait_for_timeout(700)  # the portal's answer to the last key, held back
        route.continue_()

    page.route(re.compile(r"/clients/add/results\?q=kowhai%20hold$"), late, times=1)
    page.keyboard.type("d")
    page.keyboard.press("ArrowDown")
    expect(first).to_have_attribute("aria-selected", "true")
    answered(page, "kowhai hold")
    chosen = page.locator(f'{OPTION}[id="client-{uuid}"]')
    expect(chosen).to_have_attribute("aria-selected", "true")
    expect(panel_search(page)).to_have_attribute("aria-activedescendant", f"client-{uuid}")

    page.keyboard.type("i")  # a key typed: no row is chosen until ↓ again
    expect(page.locator(f'{OPTION}[aria-selected="true"]')).to_have_count(0)
    page.keyboard.press("Backspace")
    answered(page, "kowhai hold")
    page.keyboard.press("ArrowDown")
    with page.expect_request(re.compile(rf"/clients/import/xpm/{uuid}$")):
        page.keyboard.press("Enter")
    page.unroute_all(behavior="wait")


def test_when_xpm_is_down_the_panel_says_so_and_still_answers(page, staff, xpm):
    xpm("POST", "faults", json={"fault": "503", "endpoints": ["client.api/search"]})
    sign_in(page, staff)
    open_from_menu(page)
    page.keyboard.type("kowhai")
    expect(page.get_by_text("could not be asked about this search just now")).to_be_visible()
    expect(page.locator(OPTION)).to_have_count(3)
    shot(page, "panel-xpm-down.png")


def test_not_connected(page, live_app, staff):
    sign_in(page, staff)
    open_from_menu(page, connected=False)
    expect(page.get_by_text("Xero Practice Manager is not connected yet")).to_be_visible()
    link = page.get_by_role("link", name="Connect it under Settings → Add-ons")
    expect(link).to_be_visible()
    shot(page, "panel-not-connected.png")


def test_usable_at_tablet_width(page, staff, xpm):
    page.set_viewport_size({"width": 768, "height": 1024})
    sign_in(page, staff)
    open_from_menu(page)
    page.keyboard.type("trust")
    answered(page, "trust")
    expect(page.locator(OPTION).first).to_contain_text("Trust")
    page.keyboard.press("ArrowDown")
    expect(action(page.locator(OPTION).first, "Import")).to_be_in_viewport()
    shot(page, "panel-tablet.png")
    page.set_viewport_size({"width": 640, "height": 450})  # 1280 × 900 at 200 % zoom
    expect(action(page.locator(OPTION).first, "Import")).to_be_in_viewport()
    shot(page, "panel-zoom-200.png")


# --- Issue 14: rows told apart, focus kept inside, the shortcut, status lines that clear ---
def row_texts(rows) -> list[str]:
    return [" ".join(text.split()) for text in rows.locator(".row-text").all_inner_texts()]


def test_rows_of_one_name_can_be_told_apart_and_show_the_match(page, staff, xpm):
    sign_in(page, staff)
    open_from_menu(page)
    page.keyboard.type("john smith")
    rows = page.locator(OPTION).filter(has_text="John Smith")
    expect(rows.first).to_be_visible()
    assert rows.count() >= 3  # the practice entered one person three times
    texts = row_texts(rows)
    assert len(set(texts)) == len(texts), texts  # no two rows read the same
    assert all(re.search(r"Born \d{4}", text) for text in texts), texts
    expect(rows.first.locator("mark")).to_have_text("John Smith")
    shot(page, "panel-duplicates.png")


def focus_is_in_the_panel(page) -> bool:
    return page.evaluate(
        "() => document.activeElement !== document.body &&"
        " !!document.activeElement.closest('#add-client')"
    )


def test_tab_and_shift_tab_stay_inside_the_panel(page, staff, xpm):
    sign_in(page, staff)
    open_from_menu(page)
    expect(panel_search(page)).to_be_focused()
    seen = set()
    for _ in range(12):  # round the panel more than once
        page.keyboard.press("Tab")
        assert focus_is_in_the_panel(page)
        seen.add(page.evaluate("() => document.activeElement.outerHTML.slice(0, 60)"))
    assert len(seen) >= 3  # it went round: Close, the search, the tick box
    close = page.get_by_role("button", name="Close")
    close.focus()
    page.keyboard.press("Shift+Tab")  # the first control, backwards: to the last
    assert focus_is_in_the_panel(page)
    page.keyboard.press("Tab")
    expect(close).to_be_focused()  # and forwards again from the last: to the first


def test_alt_i_opens_the_panel_from_anywhere_on_the_clients_page(page, staff, xpm):
    sign_in(page, staff)
    item = page.get_by_role("menuitem", name="Import from other system", include_hidden=True)
    expect(item).to_have_attribute("aria-keyshortcuts", "Alt+I")
    page.get_by_role("button", name="I would like to...").click()
    expect(item).to_contain_text("Alt+I")  # shown beside the item
    page.keyboard.press("Escape")
    list_search = page.get_by_label("Search clients by name")
    page.keyboard.press("/")
    expect(list_search).to_be_focused()  # "/" still finds the list's search
    page.keyboard.press("Alt+i")  # even from inside a text box
    panel = page.get_by_role("dialog", name="Add client")
    expect(panel).to_be_visible()
    expect(panel_search(page)).to_be_focused()
    expect(page).to_have_url(re.compile(r"/clients/add$"))
    page.keyboard.press("Escape")
    expect(panel).to_be_hidden()
    expect(list_search).to_be_focused()  # back where the key was pressed
    page.locator("h1").click()
    page.keyboard.press("Alt+i")
    expect(panel).to_be_visible()


def test_checking_xpm_is_said_only_while_it_is_checked(page, live_app, staff, xpm):
    live_app.config["PANEL_CONFIRM_WAIT"] = 5  # the panel waits for XPM's slow answer
    xpm("POST", "faults", json={"latency_ms": 1200, "endpoints": ["client.api/search"]})
    sign_in(page, staff)
    open_from_menu(page)
    page.keyboard.type("zzqx nobody")
    expect(page.get_by_text("No client called “zzqx nobody” yet.")).to_be_visible()
    checking = page.locator("#panel-checking")
    expect(checking).to_be_visible()  # XPM is being asked
    expect(checking).to_be_hidden(timeout=5000)  # and the words go when it has answered
    expect(page.get_by_text(re.compile("too…"))).to_have_count(0)
    expect(page.locator("#panel-sync")).to_have_text(
        re.compile(r"^\s*Client list checked with Xero Practice Manager just now\.\s*$")
    )


def test_when_xpm_fails_the_one_status_line_says_so(page, staff, xpm):
    xpm("POST", "faults", json={"fault": "503", "endpoints": ["client.api/search"]})
    sign_in(page, staff)
    open_from_menu(page)
    page.keyboard.type("kowhai")
    sync = page.locator("#panel-sync")
    expect(sync).to_contain_text("could not be asked about this search just now")
    expect(page.get_by_text("Client list checked")).to_have_count(0)
    expect(page.get_by_text("could not be asked")).to_have_count(1)
    xpm("DELETE", "faults")
    page.keyboard.type(" h")  # a new search: the failure was about the last one
    expect(sync).to_contain_text("Client list checked with Xero Practice Manager")
    expect(page.get_by_text("could not be asked")).to_have_count(0)


def no_sideways_scroll(page) -> None:
    widths = page.evaluate(
        """() => [document.documentElement, ...document.querySelectorAll(
              '#add-client, #add-client .slideout-main, #panel-results, #panel-list')]
            .map(e => [e.id || e.tagName, e.scrollWidth, e.clientWidth])"""
    )
    for name, scroll, client in widths:
        assert scroll <= client + 1, (name, scroll, client)


@pytest.mark.parametrize(
    ("width", "height", "scale", "name"),
    [(1280, 900, 1, "1280"), (768, 1024, 1, "768"), (640, 450, 2, "zoom-200")],
)
def test_the_panel_fits_without_sideways_scrolling(
    browser, live_server, staff, xpm, width, height, scale, name
):
    context = browser.new_context(
        base_url=live_server,
        viewport={"width": width, "height": height},
        device_scale_factor=scale,
    )
    page = context.new_page()
    try:
        sign_in(page, staff)
        open_from_menu(page)
        page.keyboard.type("amelia")
        expect(page.locator("#panel-announce")).to_contain_text("match “amelia”")
        page.wait_for_timeout(1500)  # XPM's answer has come, and with it the structures
        page.keyboard.press("ArrowDown")
        chosen = action(page.locator(OPTION).first, "Import")
        expect(chosen).to_be_visible()
        expect(chosen).to_be_in_viewport()
        no_sideways_scroll(page)
        shot(page, f"panel-rows-{name}.png")
    finally:
        context.close()
