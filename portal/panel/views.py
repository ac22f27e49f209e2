"""The panel's routes: the panel itself, a page of rows, confirming with XPM, refresh status.

Each answers the Clients page with the panel open, or for htmx one block of it (``page``).
Every answer names the search it is for in ``X-Panel-Query``, so the page can drop an
answer to a search the user has already typed past.
"""

from flask import current_app, request

from portal import database, directory
from portal.auth.access import require_login
from portal.directory import Confirmation
from portal.panel import bp, practice
from portal.panel.page import Panel
from portal.xpm import XpmError

#: Seconds a request waits for XPM to confirm a search before answering without it.

bp.before_request(require_login)


@bp.get("")
def show():
    """The "Add client" panel over the Clients page."""
    panel = Panel()
    panel.freshen()
    panel.find()
    return panel.respond("panel")


@bp.get("/results")
def results():
    """The first page of rows for a search, or the next page (``after``)."""
    panel = Panel()
    panel.find()
    if panel.search.after:
        return panel.respond("panel_rows")
    panel.freshen(start=False)  # the status line is redrawn with the rows
    panel.sync_oob = True
    return panel.respond("panel_results")


@bp.get("/confirm")
def confirm():
    """Ask XPM about a settled search: the rows again if that changed them, else 204."""
    panel = Panel()
    if not panel.confirmable():
        return "", 204
    outcome = panel.confirmation = _confirmation(panel)
    if not (outcome.changed or outcome.error or outcome.slow):
        return "", 204
    panel.freshen()
    panel.find()
    panel.sync_oob = True
    return panel.respond("panel_results")


@bp.get("/status")
def status():
    """How the directory's refresh is going (polled while one runs); once a refresh has
    changed the rows since the panel was drawn (``seen``), the panel is told to reload them."""
    panel = Panel()
    freshness = panel.freshen()
    response = panel.respond("panel_sync")
    changed_at = freshness and freshness.changed_at
    if changed_at and changed_at.isoformat() > request.args.get("seen", ""):
        response.headers["HX-Trigger"] = "panel-directory-changed"
    return response


def _confirmation(panel: Panel) -> Confirmation:
    """XPM's answer to the panel's search, waited for a few seconds at most."""
    session = database.session()
    local = directory.listing(session, panel.practice, panel.search).total or 0
    try:
        api = practice.search_api(session, panel.practice)
    except XpmError as error:
        return Confirmation(error=error)
    database.end_read(session)  # no transaction held while waiting on XPM
    return directory.confirm(
        practice.sessions(),
        practice.jobs(),
        practice.memo(),
        api,
        panel.practice,
        panel.search.text,
        local_matches=local,
        wait=float(current_app.config["PANEL_CONFIRM_WAIT"]),
    )
