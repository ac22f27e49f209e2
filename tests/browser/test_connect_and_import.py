"""Connect → choose a practice → import, in a real browser, for XPM and for WorkflowMax, with
the identity server and the API where a real deployment has them: on another origin (the
sandbox in its own process and port, as ``python -m portal.sandbox`` serves it), and also
mounted inside the portal as ``make run`` serves it.

Chromium applies the page's ``form-action`` to the redirect that answers a form, so a
policy of ``form-action 'self'`` silently stops Connect when the provider is elsewhere:
these tests press the buttons and watch where the browser lands.
"""

import os
import re
import secrets
import subprocess
import sys
import threading
import time
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect
from werkzeug.serving import make_server

from portal import create_app, sandbox
from portal.migrate import upgrade
from tests.browser.conftest import ARTIFACTS
from tests.browser.test_manual_add import sign_in
from tests.conftest import empty_tables, make_user, settings_for
from tests.sandbox.test_server import free_port

PROVIDERS = {
    "xpm": ("Xero Practice Manager", "Kōwhai Chartered Accountants (sandbox)"),
    "workflowmax": ("WorkflowMax", None),  # BlueRock names no organisation: the first one
}
STARTUP_SECONDS = 60


@pytest.fixture(scope="module")
def own_origin_portal_port():
    """The port the portal is served on beside the sandbox: its callbacks are registered
    with the sandbox before the portal starts, as an administrator registers them with Xero."""
    return free_port()


@pytest.fixture(scope="module")
def own_origin_sandbox(tmp_path_factory, own_origin_portal_port):
    """``python -m portal.sandbox`` in its own process, offering two practices."""
    database = tmp_path_factory.mktemp("own-origin") / "sandbox.db"
    command = [
        sys.executable,
        "-m",
        "portal.sandbox",
        "--port",
        "0",
        "--clients",
        "300",
        "--practices",
        "2",
        "--database",
        f"sqlite:///{database}",
    ]
    for uri in sandbox.redirect_uris(f"http://127.0.0.1:{own_origin_portal_port}"):
        command += ["--redirect-uri", uri]
    process = subprocess.Popen(  # noqa: S603 - our own module, with fixed arguments
        command,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={**os.environ, "SANDBOX_CONTROL_TOKEN": secrets.token_urlsafe(32)},
    )
    base, started = None, time.monotonic()
    while base is None and time.monotonic() - started < STARTUP_SECONDS:
        line = process.stdout.readline()
        if not line and process.poll() is not None:
            break
        found = re.search(r"XPM sandbox on (\S+/sandbox)", line)
        base = found.group(1) if found else None
    if base is None:
        process.kill()
        pytest.fail("python -m portal.sandbox did not start")
    threading.Thread(target=process.stdout.read, daemon=True).start()  # keep its pipe drained
    yield base
    process.terminate()
    process.wait(timeout=10)


def _serve(app_factory, port=0):
    holder = {}
    server = make_server(
        "127.0.0.1", port, lambda env, start: holder["app"](env, start), threaded=True
    )
    base = f"http://127.0.0.1:{server.server_port}"
    holder["app"] = app_factory(base)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    return server, thread, base, holder["app"]


@pytest.fixture(params=["own origin", "mounted"])
def deployment(request, tmp_path):
    """(portal base URL, sandbox base URL): the sandbox elsewhere, or mounted in the portal."""
    url = f"sqlite:///{tmp_path / 'portal.db'}"
    upgrade(url)
    port = 0
    if request.param == "own origin":
        elsewhere = request.getfixturevalue("own_origin_sandbox")
        port = request.getfixturevalue("own_origin_portal_port")

        def build(base):
            return create_app(
                settings_for(url, WTF_CSRF_ENABLED=True, **sandbox.provider_urls(elsewhere))
            )

    else:

        def build(base):
            return create_app(
                settings_for(
                    url,
                    WTF_CSRF_ENABLED=True,
                    PORTAL_SANDBOX="1",
                    SANDBOX_URL=f"{base}/sandbox",
                    SANDBOX_DATABASE_URL=f"sqlite:///{tmp_path / 'sandbox.db'}",
                    SANDBOX_SEED_CLIENTS=300,
                    SANDBOX_PRACTICES=2,
                    SANDBOX_REDIRECT_URIS=sandbox.redirect_uris(base),
                )
            )

    server, thread, base, app = _serve(build, port)
    make_user(app, admin=True)
    yield base, elsewhere if request.param == "own origin" else f"{base}/sandbox"
    server.shutdown()
    thread.join(timeout=5)
    jobs = app.extensions.get("portal.jobs")
    if jobs is not None:
        jobs.drain()
    empty_tables(app)


def origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def connect(page, label: str, sandbox_base: str, practice: str | None, choose: bool) -> None:
    """Settings → Connect → the provider's consent page → Approve → choose the practice."""
    page.get_by_role("link", name="Settings").click()
    blocked = []  # what Chromium says when the page's policy stops a form

    def note(message):
        if "violates" in message.text:
            blocked.append(message.text)

    page.on("console", note)
    page.get_by_role("button", name=f"Connect {label}").click()
    expect(page.get_by_role("button", name="Approve")).to_be_visible()
    assert origin(page.url) == origin(sandbox_base), page.url
    assert blocked == []
    page.get_by_role("button", name="Approve").click()
    if choose:
        expect(page.get_by_role("heading", name="Choose a practice")).to_be_visible()
        radios = page.get_by_role("radio")
        (page.get_by_role("radio", name=practice) if practice else radios.first).check()
        page.get_by_role("button", name="Use this practice").click()
    expect(page.locator(".flash").get_by_text(re.compile(r"^Connected to "))).to_be_visible()
    card = page.get_by_role("region", name=re.compile(label))
    expect(card).to_contain_text("Connected")


def import_first_company(page) -> str:
    """Clients → "I would like to..." → "Import from other system" → a company → Create."""
    page.get_by_role("link", name="Clients", exact=True).click()
    expect(page.get_by_role("heading", name="Clients")).to_be_visible()
    # The menu works once the deferred scripts have run: under load that is after the heading.
    page.wait_for_load_state("load")
    page.get_by_role("button", name="I would like to...").click()
    page.get_by_role("menuitem", name="Import from other system").click()
    panel = page.get_by_role("dialog", name="Add client")
    expect(panel).to_be_visible()
    page.keyboard.type("holdings", delay=30)
    # The practice has two clients of this name; the first in the list is the one with
    # three directors, all called John Smith.
    row = page.locator('#panel-list [role="option"]').filter(has_text="Kōwhai Holdings Limited")
    expect(row.first).to_be_visible(timeout=30_000)
    row.first.hover()
    row.first.locator("[data-row-action]", has_text="Import").click()
    expect(panel.get_by_role("heading", name="Kōwhai Holdings Limited", exact=True)).to_be_visible()
    create = panel.get_by_role("button", name="Create")
    expect(create).to_be_disabled()
    kind = panel.locator("select#kind")
    if kind.count():  # the practice's structure is not mapped: the form asks
        kind.select_option("company")
    panel.get_by_label("Company type").select_option(label="Limited company (small)")
    panel.get_by_label("Subscription plan").select_option(label="Standard")
    expect(create).to_be_enabled()
    create.click()
    expect(page.get_by_role("heading", name="Kōwhai Holdings Limited", exact=True)).to_be_visible()
    expect(page).to_have_url(re.compile(r"/clients/\d+$"))
    return page.locator("#associations").inner_text()


@pytest.mark.parametrize("provider", list(PROVIDERS))
def test_connect_choose_and_import(browser, deployment, provider):
    portal, sandbox_base = deployment
    label, practice = PROVIDERS[provider]
    context = browser.new_context(base_url=portal, viewport={"width": 1280, "height": 900})
    context.set_default_timeout(15_000)
    page = context.new_page()
    try:
        sign_in(page, {"email": "staff@kowhai.example", "password": "correct horse battery staple"})
        elsewhere = origin(sandbox_base) != portal
        # Mounted, WorkflowMax offers one organisation (see the sandbox's consent page).
        connect(page, label, sandbox_base, practice, choose=provider == "xpm" or elsewhere)
        associations = import_first_company(page)
        if provider == "xpm":  # WorkflowMax data rarely has relationships
            assert "Directors" in associations
        ARTIFACTS.mkdir(exist_ok=True)
        where = "elsewhere" if elsewhere else "mounted"
        page.screenshot(path=ARTIFACTS / f"connect-import-{provider}-{where}.png", full_page=True)
    finally:
        context.close()
