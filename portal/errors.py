"""Error pages a person understands, for full pages and htmx fragments alike."""

import logging

from flask import g, render_template
from flask_wtf.csrf import CSRFError
from markupsafe import escape
from werkzeug.exceptions import HTTPException

MESSAGES = {
    400: "The request could not be understood. Go back, check what you entered and try again.",
    403: "You do not have permission to do that. A firm administrator can.",
    404: "There is nothing here. It may have been removed, or the link may be wrong.",
    405: "That action is not available here.",
    413: "That upload is too large.",
    429: "Too many attempts. Wait a few minutes, then try again.",
    500: "Something went wrong on our side. Nothing you entered was half-saved; try again.",
}
log = logging.getLogger(__name__)
#: The page when even the error page cannot be drawn (the database is down, say).
BARE_PAGE = (
    '<!doctype html><html lang="en-NZ"><meta charset="utf-8"><title>{status} · Portal</title>'
    '<h1>Something went wrong</h1><p>{message}</p><p><a href="/">Back to Clients</a></p></html>'
)


def _page(status: int, message: str):
    try:
        _roll_back()
        body = render_template("errors/error.html", status=status, message=message)
    except Exception:
        log.exception("The error page failed; answering with the bare one")
        body = BARE_PAGE.format(status=status, message=escape(message))
    return body, status


def _roll_back() -> None:
    """End whatever transaction the failed request left open before the page queries again
    (the signed-in user's firm, for the header): on PostgreSQL a failed statement leaves the
    transaction unusable, and the error page would fail in turn."""
    session = g.get("db_session")
    if session is not None:
        session.rollback()


def handle_http_error(error: HTTPException):
    status = error.code or 500
    return _page(status, MESSAGES.get(status, error.description))


def handle_csrf_error(_error: CSRFError):
    return _page(
        400,
        "This form has expired or did not come from this portal. "
        "Reload the page and submit it again.",
    )


def init_app(app) -> None:
    app.register_error_handler(CSRFError, handle_csrf_error)
    app.register_error_handler(HTTPException, handle_http_error)
