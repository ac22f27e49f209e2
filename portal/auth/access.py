"""Who may see what: signed-in staff for every page, administrators for some."""

from functools import wraps
from urllib.parse import urlsplit

from flask import abort, current_app, flash, g, redirect, request, url_for
from flask_login import current_user

from portal import database
from portal.auth import sessions
from portal.extensions import htmx, login_manager
from portal.web import open_page

#: What a person is told when their session ended without them signing out.
ENDED = {
    "idle": "You were signed out after {idle} without activity. Sign in again to carry on.",
    "expired": "Your session reached its limit of {lifetime}. Sign in again to carry on.",
    "password changed": "Your password was changed, so this session ended. Sign in again.",
    "second factor changed": (
        "Your two-factor sign-in was changed, so this session ended. Sign in again."
    ),
    "second factor reset": (
        "An administrator reset your two-factor sign-in, so this session ended. Sign in again."
    ),
    "signed out elsewhere": "This session was signed out from another one. Sign in again.",
}


def lifetimes() -> sessions.Lifetimes:
    return sessions.Lifetimes.from_config(current_app.config)


@login_manager.user_loader
def _load_user(token: str):
    user, reason = sessions.signed_in_user(database.session(), token, lifetimes())
    g.session_ended = reason
    return user


def span_words(delta) -> str:
    hours = delta.total_seconds() / 3600
    if hours >= 48 and hours % 24 == 0:
        return f"{int(hours // 24)} days"
    if hours >= 1 and hours == int(hours):
        return f"{int(hours)} hour" + ("" if hours == 1 else "s")
    return f"{int(delta.total_seconds() // 60)} minutes"


@login_manager.unauthorized_handler
def _unauthorized():
    """Send a signed-out visitor to the login page, saying why a session ended if it did."""
    message = ENDED.get(g.get("session_ended") or "")
    if message:
        spans = lifetimes()
        flash(message.format(idle=span_words(spans.idle), lifetime=span_words(spans.absolute)))
    if htmx:
        here = urlsplit(htmx.current_url or "")
        return open_page(url_for("auth.login", next=safe_next(here.path) or None), 401)
    return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))


#: Where staff may go while their firm requires a second factor they have not set up.
ENROLMENT_ENDPOINTS = {"static", "auth.logout", "auth.login"}


def second_factor_required():
    """Lead staff of a firm that requires two-factor sign-in to set it up before anything else
    (an ``before_app_request`` hook; the sandbox, a separate service, is left alone)."""
    endpoint = request.endpoint or ""
    if endpoint in ENROLMENT_ENDPOINTS or endpoint.startswith(("account.", "sandbox")):
        return None
    if not current_user.is_authenticated:
        return None
    if current_user.firm.require_two_factor and not current_user.has_second_factor:
        return open_page(url_for("account.index", setup=1))
    return None


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
