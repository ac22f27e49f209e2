"""Error pages a person understands, for full pages and htmx fragments alike."""

from flask import render_template
from flask_wtf.csrf import CSRFError
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


def _page(status: int, message: str):
    return render_template("errors/error.html", status=status, message=message), status


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
