"""The import form fits the panel, with Create in view, for a company, a trust and an
individual at 1280 px, at 768 px and at 200 % zoom (1280 px seen at twice the size: 640 CSS
pixels at a device scale of 2): nothing scrolls sideways (issue 14)."""

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from portal import database
from portal.models import Firm
from portal.sandbox.fixtures import CHAIN_COMPANY
from tests.browser.conftest import ARTIFACTS
from tests.browser.test_import import xpm  # noqa: F401
from tests.browser.test_manual_add import sign_in
from tests.importing.sandboxed import find

SIZES = {"1280": (1280, 900, 1), "768": (768, 1024, 1), "200pc": (640, 450, 2)}
CLIENTS = {
    # The widest preview: shareholders with shares, and where it holds shares itself.
    "company": ("kōwhai holdings", CHAIN_COMPANY, "Company"),
    "trust": ("pōhutukawa fam", "Pōhutukawa Family Trust", None),
    "individual": ("hēmi ngata", "Hēmi Ngata", None),
}
WIDTHS = """() => {
  const main = document.querySelector('#add-client .slideout-main');
  const panel = document.getElementById('add-client').getBoundingClientRect();
  const create = document.querySelector('#add-client [data-gate-submit]').getBoundingClientRect();
  return {
    document: [document.documentElement.scrollWidth, document.documentElement.clientWidth],
    panel: [main.scrollWidth, main.clientWidth],
    create: [create.left, create.right, panel.left, panel.right],
  };
}"""


@pytest.mark.parametrize("size", SIZES)
def test_the_import_form_fits_the_panel(browser, live_app, live_server, staff, xpm, size):  # noqa: F811
    with live_app.app_context():
        firm_id = database.session().scalar(select(Firm.id))
    width, height, scale = SIZES[size]
    context = browser.new_context(
        base_url=live_server, viewport={"width": width, "height": height}, device_scale_factor=scale
    )
    context.set_default_timeout(10_000)
    page = context.new_page()
    try:
        sign_in(page, staff)
        for kind, (typed, name, structure) in CLIENTS.items():
            # XPM has several clients of some names: the one with this structure.
            uuid = find(live_app, firm_id, name, structure)
            page.goto("/clients/add")
            panel = page.get_by_role("dialog", name="Add client")
            expect(panel).to_be_visible()
            page.keyboard.type(typed, delay=20)
            # A row holds no link of its own (an option holds no control): its id names it.
            row = page.locator(f'#panel-list [role="option"][id="client-{uuid}"]')
            expect(row).to_contain_text(name)
            for _ in range(10):  # ↓ to that row, then Enter imports it
                page.keyboard.press("ArrowDown")
                if row.get_attribute("aria-selected") == "true":
                    break
            page.keyboard.press("Enter")
            expect(panel.get_by_role("heading", name=name, exact=True)).to_be_visible()
            expect(panel.get_by_role("button", name="Create")).to_be_visible()
            ARTIFACTS.mkdir(exist_ok=True)
            page.screenshot(path=ARTIFACTS / f"import-form-{kind}-{size}.png")
            preview = panel.locator(".preview").first
            preview.screenshot(path=ARTIFACTS / f"import-form-{kind}-{size}-preview.png")
            panel.locator(".slideout-main").evaluate("el => el.scrollTo(0, el.scrollHeight)")
            page.screenshot(path=ARTIFACTS / f"import-form-{kind}-{size}-end.png")
            measured = page.evaluate(WIDTHS)
            scroll, client = measured["document"]
            assert scroll <= client, f"{kind} at {size}: the page scrolls sideways {measured}"
            scroll, client = measured["panel"]
            assert scroll <= client, f"{kind} at {size}: the panel scrolls sideways {measured}"
            left, right, panel_left, panel_right = measured["create"]
            assert panel_left <= left and right <= panel_right, f"{kind} at {size}: {measured}"
    finally:
        context.close()
