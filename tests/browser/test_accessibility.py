"""axe-core (through axe-playwright-python, which bundles it) scans every page and state a
member of staff meets, and fails on any violation of any impact: the WCAG 2.0, 2.1 and 2.2
A and AA rules and axe's best practices. Each page is also laid out at 1280 px, 768 px and
200 % zoom, where nothing may scroll sideways.

One portal (tests/browser/accessibility_site.py) serves the whole module, and one signed-in
browser context per member of staff is reused, so that the file runs in about a minute.
"""

import re
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from tests.browser import accessibility_site
from tests.browser.accessibility_site import EMPTY_FIRM, RECEPTION
from tests.browser.accessibility_states import (
    from_register_chosen,
    from_register_found,
    go,
    import_form,
    just_imported,
    manual_add_blocked,
    manual_add_with_errors,
    menu_open,
    merge_review,
    panel_linking,
    panel_with,
    second_factor,
    sign_in_page,
    sign_in_refused,
    structure_changed,
)
from tests.browser.conftest import ARTIFACTS
from tests.conftest import PASSWORD

#: Every WCAG 2.x rule at levels A and AA, and axe's best practices; no rule is left out.
RULES = {
    "runOnly": {
        "type": "tag",
        "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"],
    },
    "resultTypes": ["violations"],
}
#: The rules whose outcome depends on the width the page is laid out at.
LAYOUT_RULES = {
    "runOnly": {"type": "rule", "values": ["target-size", "scrollable-region-focusable"]},
    "resultTypes": ["violations"],
}
#: The widths a page is laid out at. 200 % zoom of a 1280 px window is a 640 px wide layout
#: viewport: the browser applies the same media queries and wraps the same way.
WIDTHS = {"1280 px": (1280, 900), "768 px": (768, 1024), "200 % zoom": (640, 450)}
SHOTS = ARTIFACTS / "accessibility"
AXE = Axe()  # axe-core as the package bundles it
#: Nothing moving and nothing htmx is still fetching or swapping. (A function, not an
#: expression: Playwright evaluates an expression with eval, which the portal's CSP refuses.)
SETTLED = """() => !document.querySelector('.htmx-request, .htmx-settling, .htmx-swapping')
  && document.getAnimations().every(a => a.playState !== 'running')"""


@dataclass(frozen=True)
class State:
    """A page or a state of one, as the member of staff ``who`` reaches it."""

    name: str
    open: Callable
    who: str = "staff"
    shot: bool = False  # one of the main screens, photographed at each width


STATES = [
    State("sign-in", sign_in_page, who="nobody", shot=True),
    State("sign-in, refused", sign_in_refused, who="nobody"),
    State("sign-in, second factor", second_factor, who="nobody"),
    State("Clients, empty", go("/clients/", "Clients"), who="empty", shot=True),
    State("Clients, full", go("/clients/", "Clients"), shot=True),
    State("Clients, searched", go("/clients/?q=kowhai", "Clients")),
    State("Clients, nothing matches", go("/clients/?q=zzzz", "Clients")),
    State("Clients, menu open", menu_open),
    State("panel, just opened", panel_with(None)),
    State("panel, with results", panel_with("kōwhai"), shot=True),
    State("panel, not connected", panel_with(None), who="empty"),
    State("panel, linking a profile", panel_linking),
    State("import form, company", import_form("company"), shot=True),
    State("import form, trust", import_form("trust")),
    State("import form, individual", import_form("individual")),
    State("import form, kind to choose", import_form("unmapped")),
    State("profile with its checklist", go("/clients/{imported}"), shot=True),
    State("profile just imported", just_imported, shot=True),
    State("profile of a trust", go("/clients/{family_trust}")),
    State("profile of a person", go("/clients/{older}"), shot=True),
    State("profile linked to XPM", go("/clients/{refresh}")),
    State("profile linked to the Companies Office", go("/clients/{compare}")),
    State("profile, edit", go("/clients/{imported}/edit")),
    State("profile, possible duplicate", go("/clients/{newer}")),
    State("manual add", go("/clients/new/company", "Add client manually")),
    State("manual add, server errors", manual_add_with_errors, shot=True),
    State("manual add, Create blocked", manual_add_blocked),
    State("bulk import, upload", go("/clients/bulk/", "Bulk import"), shot=True),
    State("bulk import, report with a bad row", go("/clients/bulk/{bulk_report}"), shot=True),
    State("bulk import, done", go("/clients/bulk/{bulk_done}", "Imported"), shot=True),
    State("XPM report file, what to build", go("/clients/bulk/xpm-report/"), shot=True),
    State("XPM report file, columns", go("/clients/bulk/xpm-report/{report_columns}/columns")),
    State("XPM report file, check", go("/clients/bulk/xpm-report/{report_check}/check"), shot=True),
    State("XPM report file, imported", go("/clients/bulk/xpm-report/{report_done}/progress")),
    State("Refresh from XPM", go("/clients/{refresh}/xpm/refresh", "Refresh from XPM"), shot=True),
    State("Settings, Add-ons connected", go("/settings/addons/"), shot=True),
    State("Settings, Add-ons not connected", go("/settings/addons/"), who="empty"),
    State("Settings, Add-ons, not an administrator", go("/settings/addons/"), who="reception"),
    State("Settings, structure mapping", go("/settings/structures/"), shot=True),
    State("Settings, structure just added", structure_changed),
    State("Settings, staff", go("/settings/staff/"), shot=True),
    State("Settings, reset two-factor", go("/settings/staff/{reception}/reset-two-factor")),
    State("audit log", go("/audit/", "Audit log"), shot=True),
    State("From the Companies Office, search", go("/clients/from-register")),
    State("From the Companies Office, results", from_register_found, shot=True),
    State("From the Companies Office, chosen", from_register_chosen),
    State("Companies Office, link", go("/clients/{unlinked}/companies-office"), shot=True),
    State(
        "Companies Office, compare", go("/clients/{compare}/companies-office/compare"), shot=True
    ),
    State("Companies Office, unlink", go("/clients/{compare}/companies-office/unlink")),
    State("your account", go("/account/"), shot=True),
    State("two-factor set-up", go("/account/authenticator")),
    State("passkey set-up", go("/account/passkeys/new")),
    State("merge, search", go("/clients/{newer}/merge")),
    State("merge, side by side", go("/clients/{newer}/merge/{older}", "Merge two profiles")),
    State("merge, review", merge_review, shot=True),
    State("roles, add", go("/clients/{family_company}/roles/new")),
    State("roles, edit", go("/clients/{family_company}/roles/{director_role}/edit"), shot=True),
    State("roles, end", go("/clients/{family_company}/roles/{director_role}/end")),
    State("roles, remove", go("/clients/{family_company}/roles/{director_role}/remove")),
    State("page not found", go("/clients/999999")),
]


# --- The portal, and a signed-in browser context per member of staff -------------------------
@pytest.fixture(scope="module")
def site(tmp_path_factory, sandbox_url, register_url):
    yield from accessibility_site.build(tmp_path_factory.mktemp("a11y"), sandbox_url, register_url)


@pytest.fixture(scope="module")
def contexts(browser, site):
    """A browser context for each member of staff, signed in once; and one signed out."""
    made = {}
    staff = {"staff": "staff@kowhai.example", "empty": EMPTY_FIRM["email"], "reception": RECEPTION}
    for who, email in staff.items():
        made[who] = _context(browser, site)
        page = made[who].new_page()
        page.goto("/login")
        page.get_by_label("E-mail").fill(email)
        page.get_by_label("Password").fill(PASSWORD)
        page.keyboard.press("Enter")
        expect(page.get_by_role("heading", name="Clients")).to_be_visible()
        page.close()
    made["nobody"] = _context(browser, site)
    yield made
    for context in made.values():
        context.close()


def _context(browser, site):
    context = browser.new_context(base_url=site.base, viewport={"width": 1280, "height": 900})
    context.set_default_timeout(10_000)
    return context


@pytest.fixture(scope="module")
def opened(contexts, site, request):
    """A new page in the state's context, the state reached. Module-scoped, so pytest runs
    both tests of one state on one page (in the order they are written) before the next."""
    state = request.param
    page = contexts[state.who].new_page()
    state.open(page, site)
    settle(page)
    yield state, page
    page.close()


def settle(page) -> None:
    """Wait for the slide-ins and fades to end and for htmx to have swapped what it asked for."""
    page.wait_for_load_state("load")
    page.wait_for_function(SETTLED)


def by_name(states):
    return pytest.mark.parametrize("opened", states, ids=[s.name for s in states], indirect=True)


# --- The tests ------------------------------------------------------------------------------
@by_name(STATES)
def test_axe_finds_no_violation(opened):
    state, page = opened
    violations = scan(page, RULES)
    if violations:
        pytest.fail(f"{state.name} ({page.url}):\n{described(violations)}", pytrace=False)


@by_name(STATES)
def test_each_width_fits(opened):
    """At each width nothing scrolls sideways, and axe's rules that depend on the layout
    (the size and spacing of targets, scrollable regions) hold there too."""
    state, page = opened
    problems = []
    for width_name, (width, height) in WIDTHS.items():
        page.set_viewport_size({"width": width, "height": height})
        page.wait_for_function(SETTLED)
        if state.shot:
            SHOTS.mkdir(parents=True, exist_ok=True)
            name = re.sub(r"[^a-z0-9]+", "-", f"{state.name} {width_name}".lower()).strip("-")
            page.screenshot(path=SHOTS / f"{name}.png", full_page=True)
        content, viewport = page.evaluate(
            "[document.documentElement.scrollWidth, document.documentElement.clientWidth]"
        )
        if content > viewport:
            problems.append(
                f"at {width_name}, scrolls sideways: {content} px of content in"
                f" {viewport} px; beyond the edge: {widest(page)}"
            )
        for region in page.evaluate(SCROLLING_SIDEWAYS):
            problems.append(f"at {width_name}, a region scrolls sideways: {region}")
        if width_name != "1280 px":  # test_axe_finds_no_violation has scanned it there
            violations = scan(page, LAYOUT_RULES)
            if violations:
                problems.append(f"at {width_name}:\n{described(violations)}")
    if problems:
        pytest.fail(f"{state.name} ({page.url}):\n" + "\n".join(problems), pytrace=False)


def scan(page, options: dict) -> list[dict]:
    """axe-core's violations on the page as it is now. ``Axe.run`` would load axe-core's
    half a megabyte into the page for every scan; it is loaded once per page instead."""
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.evaluate(AXE.axe_script)
    return page.evaluate("options => axe.run(document, options)", options)["violations"]


def described(violations) -> str:
    """Each violation: its rule, impact, what it means, and the elements it was found on."""
    lines = []
    for violation in violations:
        lines.append(f"- {violation['id']} ({violation['impact']}): {violation['help']}")
        for node in violation["nodes"][:8]:
            summary = node.get("failureSummary", "").replace("\n", " ")
            lines.append(f"    {' '.join(node['target'])}: {summary}")
        if len(violation["nodes"]) > 8:
            lines.append(f"    …and {len(violation['nodes']) - 8} more")
    return "\n".join(lines)


def widest(page) -> str:
    """The elements that reach beyond the viewport's right edge, outermost first."""
    return page.evaluate(
        """() => {
          const edge = document.documentElement.clientWidth, found = [];
          for (const el of document.querySelectorAll('body *')) {
            const box = el.getBoundingClientRect();
            if (box.right > edge + 0.5 && box.width > 0 && !found.some(f => f.contains(el))) {
              found.push(el);
            }
          }
          return found.slice(0, 5).map(el =>
            el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') +
            (el.className && typeof el.className === 'string'
              ? '.' + el.className.trim().split(/\\s+/).join('.') : '') +
            ' (' + Math.round(el.getBoundingClientRect().right) + ' px)').join(', ');
        }"""
    )


#: The regions of the page that scroll sideways themselves (the panel, a table's box): the
#: document does not, but what they hold is cut off all the same.
SCROLLING_SIDEWAYS = """() => [...document.querySelectorAll('body *')]
  .filter(el => ['auto', 'scroll'].includes(getComputedStyle(el).overflowX)
    && el.scrollWidth > el.clientWidth + 1 && el.getClientRects().length > 0)
  .map(el => el.tagName.toLowerCase() + (el.id ? '#' + el.id : '')
    + (typeof el.className === 'string' && el.className.trim()
      ? '.' + el.className.trim().split(/\\s+/).join('.') : '')
    + ` (${el.scrollWidth} px of content in ${el.clientWidth} px)`)"""


def test_the_scan_reports_what_it_finds(contexts, site):
    """The scan is not blind: a picture without a text alternative and text too faint to
    read, put on a real page, are reported with the elements they are on."""
    page = contexts["staff"].new_page()
    go("/clients/", "Clients")(page, site)
    page.evaluate(
        """() => {
          const picture = document.createElement('img');
          picture.id = 'no-alt';
          picture.src = '/static/favicon.ico';
          const faint = document.createElement('p');
          faint.id = 'faint';
          faint.textContent = 'Hard to read';
          faint.style.color = '#eeeeee';
          document.querySelector('main').append(picture, faint);
        }"""
    )
    found = {v["id"]: [t for n in v["nodes"] for t in n["target"]] for v in scan(page, RULES)}
    page.close()
    assert "#no-alt" in found.get("image-alt", [])
    assert "#faint" in found.get("color-contrast", [])
