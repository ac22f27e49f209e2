"""Browser tests: Playwright driving Debian's Chromium against a live, threaded server.

Without Chromium they skip with the reason shown, unless PORTAL_REQUIRE_BROWSER=1 (CI),
where a missing browser fails them.
"""

import os
import shutil
import threading
import time
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from portal import create_app
from portal.migrate import upgrade
from portal.sandbox.settings import redirect_uris
from tests.conftest import empty_tables, make_user, settings_for

CHROMIUM = os.environ.get("PORTAL_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


def _browser_missing_reason() -> str | None:
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "Playwright for Python is not installed (pip install -r requirements-dev.txt)"
    if not (os.path.exists(CHROMIUM) or shutil.which(CHROMIUM)):
        return f"Chromium not found at {CHROMIUM} (apt-get install -y chromium)"
    return None


def pytest_collection_modifyitems(config, items):
    reason = _browser_missing_reason()
    for item in items:
        if "tests/browser" in str(item.path):
            item.add_marker(pytest.mark.browser)
            if reason and os.environ.get("PORTAL_REQUIRE_BROWSER") != "1":
                item.add_marker(pytest.mark.skip(reason=reason))


@pytest.fixture(scope="session")
def browser():
    reason = _browser_missing_reason()
    if reason:
        pytest.fail(f"Browser tests are required here but cannot run: {reason}")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, args=CHROMIUM_FLAGS, headless=True
        )
        yield browser
        browser.close()


@pytest.fixture(scope="session")
def migrated_database(tmp_path_factory) -> Path:
    """An SQLite database migrated to the newest revision once per run; each test's portal
    starts from a copy (migrating takes half a second, a copy a millisecond)."""
    path = tmp_path_factory.mktemp("migrated") / "portal.db"
    upgrade(f"sqlite:///{path}")
    return path


def migrated_copy(migrated_database: Path, path: Path) -> str:
    """A fresh copy of the migrated database at ``path``; its SQLAlchemy URL."""
    shutil.copyfile(migrated_database, path)
    return f"sqlite:///{path}"


@pytest.fixture
def live_app(tmp_path, migrated_database):
    url = migrated_copy(migrated_database, tmp_path / "browser.db")
    app = create_app(settings_for(url, WTF_CSRF_ENABLED=True))
    yield app
    empty_tables(app)


@pytest.fixture
def live_server(live_app):
    """The application served over real HTTP on a free loopback port, in a thread."""
    server = make_server("127.0.0.1", 0, live_app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=5)


@pytest.fixture
def mounted_sandbox_server(tmp_path, migrated_database):
    """The portal with the sandbox mounted, as `make run` serves it; returns its base URL."""
    holder = {}
    server = make_server(
        "127.0.0.1", 0, lambda env, start: holder["app"](env, start), threaded=True
    )
    base = f"http://127.0.0.1:{server.server_port}"
    url = migrated_copy(migrated_database, tmp_path / "portal.db")
    holder["app"] = create_app(
        settings_for(
            url,
            WTF_CSRF_ENABLED=True,
            PORTAL_SANDBOX="1",
            SANDBOX_URL=f"{base}/sandbox",
            SANDBOX_DATABASE_URL=f"sqlite:///{tmp_path / 'sandbox.db'}",
            SANDBOX_SEED_CLIENTS=300,
            SANDBOX_REDIRECT_URIS=redirect_uris(base),
        )
    )
    make_user(holder["app"], admin=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield base
    server.shutdown()
    thread.join(timeout=5)
    empty_tables(holder["app"])


@pytest.fixture
def page(browser, live_server, request):
    context = browser.new_context(base_url=live_server, viewport={"width": 1280, "height": 900})
    context.set_default_timeout(10_000)
    page = context.new_page()
    seen = _record_events(page)
    yield page
    if request.node.rep_call.failed if hasattr(request.node, "rep_call") else False:
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=ARTIFACTS / f"{request.node.name}-failure.png", full_page=True)
        # Shown with the failure ("Captured stdout teardown"): what the page did on the way.
        print("What the page did, in order:", *seen, sep="\n  ")
    context.close()


def _record_events(page) -> list[str]:
    """The page's loads, same-document changes of address, console messages and failed
    requests, as they happen: what a failure on a loaded CI machine needs to be understood."""
    seen: list[str] = []
    started = time.monotonic()

    def note(text: str) -> None:
        seen.append(f"{time.monotonic() - started:7.3f} s  {text}")

    page.on("framenavigated", lambda frame: frame == page.main_frame and note(f"at {frame.url}"))
    page.on("load", lambda _: note("load"))
    page.on("console", lambda message: note(f"console {message.type}: {message.text}"))
    page.on("pageerror", lambda error: note(f"page error: {error}"))
    page.on("requestfailed", lambda r: note(f"request failed: {r.method} {r.url} {r.failure}"))
    page.on(
        "request",
        lambda r: (
            r.resource_type in ("document", "xhr", "fetch")
            and note(f"{r.resource_type} {r.method} {r.url}")
        ),
    )
    return seen


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    report = yield
    setattr(item, f"rep_{report.when}", report)
    return report


@pytest.fixture
def staff(live_app):
    """Credentials of a firm administrator in the live application."""
    make_user(live_app, admin=True)
    return {"email": "staff@kowhai.example", "password": "correct horse battery staple"}


@pytest.fixture
def register_origin(live_app):
    """The register sandbox served on its own port (another origin than the portal's), and
    the live portal pointed at it as it would be at MBIE's gateway; returns its base URL."""
    from portal import register_sandbox

    app = register_sandbox.create_app({"TESTING": True, "REGISTER_SANDBOX_CLIENTS": 300})
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{server.server_port}{register_sandbox.URL_PREFIX}"
    live_app.config.update(register_sandbox.provider_urls(base))
    yield base
    server.shutdown()
    thread.join(timeout=5)
