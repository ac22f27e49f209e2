"""Who may see what: signed-in staff for every page, administrators for some."""

from functools import wraps
from urllib.parse import urlsplit

from flask import abort, make_response, redirect, request, url_for
from flask_login import current_user

from portal import db
from portal.auth.service import load_user
from portal.extensions import htmx, login_manager


@login_manager.user_loader
def _load_user(session_id: str):
    return load_user(db.session(), session_id)


@login_manager.unauthorized_handler
def _unauthorized():
    """Send a signed-out visitor to the login page; htmx gets HX-Redirect, not a fragment."""
    if htmx:
        here = urlsplit(htmx.current_url or "")
        target = url_for("auth.login", next=safe_next(here.path) or None)
        response = make_response("", 401)
        response.headers["HX-Redirect"] = target
        return response
    return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))


def require_login():
    """A ``before_request`` hook for blueprints whose every page needs a signed-in user."""
    if not current_user.is_authenticated:
        return login_manager.unauthorized()
    return None


def admin_required(view):
    """Let only firm administrators through."""

    @wraps(view)
    def wrapped(*args, **kwargs):
        if not current_user.is_admin:
            abort(403)
        return view(*args, **kwargs)

    return wrapped


def safe_next(target: str | None) -> str | None:
    """``target`` if it is a path on this site, otherwise None."""
    if not target or "\\" in target or any(ord(c) < 32 for c in target):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target
