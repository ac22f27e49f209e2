"""What every response shares: one render helper (page or fragment) and the header baseline."""

from datetime import UTC
from zoneinfo import ZoneInfo

from flask import Response, abort, make_response, render_template, request
from jinja2_fragments.flask import render_block

from portal.extensions import htmx
from portal.reference import MONTHS, ROLES

CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "connect-src 'self'",
        "form-action 'self'",
        "object-src 'none'",
        "frame-ancestors 'none'",
        "base-uri 'none'",
    )
)

NEW_ZEALAND = ZoneInfo("Pacific/Auckland")

SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "strict-origin-when-cross-origin",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
}


def wants_fragment() -> bool:
    """True for an htmx request that swaps part of a page (not boosted, not a history restore)."""
    return bool(htmx) and not htmx.boosted and not htmx.history_restore_request


def render(template: str, block: str, status: int = 200, **context) -> Response:
    """Render ``block`` of ``template`` for htmx, or the whole page otherwise."""
    if wants_fragment():
        body = render_block(template, block, **context)
    else:
        body = render_template(template, **context)
    response = make_response(body, status)
    response.vary.add("HX-Request")
    return response


def add_security_headers(response: Response) -> Response:
    """Apply the header baseline (quality.md, Headers) to every response."""
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)
    if response.mimetype == "text/html":
        response.headers.setdefault("Cache-Control", "no-store")
    return response


def nzdate(value) -> str:
    """A date as New Zealanders write it: 26 Nov 1970."""
    return value.strftime("%-d %b %Y") if value else ""


def nztime(value) -> str:
    """A stored UTC time as it was in New Zealand: 26 Nov 2026, 2:05 pm."""
    if not value:
        return ""
    local = value.replace(tzinfo=UTC).astimezone(NEW_ZEALAND)
    return local.strftime("%-d %b %Y, %-I:%M %p").replace("AM", "am").replace("PM", "pm")


def month_name(value) -> str:
    return MONTHS[value - 1] if value else ""


def role_label(code: str, plural: bool = False) -> str:
    label = dict(ROLES).get(code, code.replace("_", " ").capitalize())
    if not plural or label.endswith("of"):
        return label
    return label[:-1] + "ies" if label.endswith("y") else label + "s"


def safe_web_address(value: str) -> bool:
    """Only http(s) addresses become links; anything else (javascript:, data:) stays text."""
    return value.lower().startswith(("https://", "http://"))


FILTERS = {
    "nzdate": nzdate,
    "nztime": nztime,
    "month_name": month_name,
    "role_label": role_label,
    "safe_web_address": safe_web_address,
}


def refuse_nul_characters() -> None:
    """No database stores NUL in text: refuse it up front with a 400 instead of failing later."""
    values = [*request.args.values(), *request.form.values(), request.path]
    if any("\x00" in value for value in values):
        abort(400)


def init_app(app) -> None:
    app.before_request(refuse_nul_characters)
    app.after_request(add_security_headers)
    app.jinja_env.add_extension("jinja2.ext.do")
    app.jinja_env.filters.update(FILTERS)
