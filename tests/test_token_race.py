"""Four worker processes find the access token expired at once: exactly one refreshes it."""

import multiprocessing
from datetime import timedelta

from sqlalchemy import select

from portal import database
from portal.models import XpmConnection

WORKERS = 4
CALLS_PER_WORKER = 25
SHARED_SETTINGS = (
    "SECRET_KEY",
    "PORTAL_TOKEN_KEY",
    "DATABASE_URL",
    "XPM_CLIENT_ID",
    "XPM_CLIENT_SECRET",
    "XERO_AUTHORIZE_URL",
    "XERO_TOKEN_URL",
    "XERO_REVOKE_URL",
    "XERO_CONNECTIONS_URL",
    "XPM_API_URL",
)


def worker(settings: dict, connection_id: int, start, results) -> None:
    """One process: wait for the others, then ask for the access token 25 times."""
    from portal import create_app
    from portal.addons.providers import provider
    from portal.addons.tokens import ConnectionTokens
    from portal.vault import vault

    app = create_app({**settings, "TESTING": True})
    with app.app_context():
        tokens = ConnectionTokens(
            app.extensions["portal.sessions"], vault(), provider(app.config, "xpm"), connection_id
        )
        start.wait(timeout=30)
        try:
            results.put([tokens.access_token() for _ in range(CALLS_PER_WORKER)])
        except Exception as error:  # noqa: BLE001 - reported to the parent as text
            results.put(repr(error))


def test_refresh_race_across_processes(app, connected, sandbox_control):
    with app.app_context():
        session = database.session()
        row = session.scalar(select(XpmConnection))
        with database.writing(session):
            row.access_token_expires_at -= timedelta(hours=1)
        original_refresh = row.refresh_token
    before = sandbox_control.calls().get("identity/connect/token", 0)

    # Fresh processes, forked from one that has imported the portal once (not four times).
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload([__name__, "portal.addons.tokens", "portal.vault"])
    start, results = context.Barrier(WORKERS), context.Queue()
    settings = {key: app.config[key] for key in SHARED_SETTINGS}
    processes = [
        context.Process(target=worker, args=(settings, row.id, start, results))
        for _ in range(WORKERS)
    ]
    for process in processes:
        process.start()
    outcomes = [results.get(timeout=120) for _ in processes]
    for process in processes:
        process.join(timeout=30)

    assert all(isinstance(outcome, list) for outcome in outcomes), outcomes
    handed_out = {token for outcome in outcomes for token in outcome}
    assert len(handed_out) == 1, "every worker uses the one refreshed token"
    assert sum(len(outcome) for outcome in outcomes) == WORKERS * CALLS_PER_WORKER
    assert sandbox_control.calls().get("identity/connect/token", 0) - before == 1
    with app.app_context():
        from portal.vault import vault

        stored = database.session().scalar(select(XpmConnection))
        assert stored.refresh_token != original_refresh
        assert vault().open(stored.access_token) in handed_out
