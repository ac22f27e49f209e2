"""What every response shares: the htmx answers (a page or a fragment of it, ``render``; another
page opened, ``open_page``; ``Vary: HX-Request`` on all of them) and the header baseline."""

import re
from datetime import UTC
from functools import lru_cache
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from flask import (
    Response,
    abort,
    current_app,
    make_response,
    redirect,
    render_template,
    request,
)
from jinja2_fragments.flask import render_block

from portal.database import utcnow
from portal.extensions import htmx
from portal.limits import IdConverter, NzbnConverter
from portal.reference import FILING_OBLIGATIONS, KIND_LABELS, MONTHS, ORIGINS, ROLES
from portal.text import HIDDEN, fold, reveal

#: The settings naming the pages a Connect form sends the browser on to (another origin).
AUTHORIZE_URL_KEYS = ("XERO_AUTHORIZE_URL", "WORKFLOWMAX_AUTHORIZE_URL")
DEFAULT_PORTS = {"http": 80, "https": 443}

NEW_ZEALAND = ZoneInfo("Pacific/Auckland")

SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "strict-origin-when-cross-origin",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
}
#: Production only: over http://127.0.0.1 in development it would lock browsers out.
STRICT_TRANSPORT_SECURITY = "max-age=31536000; includeSubDomains"


def origin_of(url: str | None) -> str | None:
    """The origin (scheme, host, port) of an absolute http(s) address; None for anything else."""
    try:
        parts = urlsplit(url or "")
        host, port = parts.hostname, parts.port
    except ValueError:  # a port that is not a number, a broken IPv6 literal
        return None
    if parts.scheme not in DEFAULT_PORTS or not host or any(c in host for c in " '\";,"):
        return None
    if ":" in host:
        host = f"[{host}]"
    default = port is None or port == DEFAULT_PORTS[parts.scheme]
    return f"{parts.scheme}://{host}" + ("" if default else f":{port}")


def content_security_policy(config) -> str:
    """The policy for every page: only the portal's own scripts, styles and requests.

    Forms may go to the portal itself, and on to the providers' authorize pages: Chromium
    applies ``form-action`` to the redirect a form's answer gives, and Connect answers
    with a redirect to the provider (another origin, such as login.xero.com).
    """
    targets = {origin_of(config.get(key)) for key in AUTHORIZE_URL_KEYS} - {None}
    return _policy(tuple(sorted(targets)))


@lru_cache(maxsize=16)
def _policy(form_targets: tuple[str, ...]) -> str:
    return "; ".join(
        (
            "default-src 'self'",
            "script-src 'self'",
            "style-src 'self'",
            "img-src 'self' data:",
            "connect-src 'self'",
            " ".join(("form-action 'self'", *form_targets)),
            "object-src 'none'",
            "frame-ancestors 'none'",
            "base-uri 'none'",
        )
    )


def wants_fragment() -> bool:
    """True for an htmx request that swaps part of a page (not boosted, not a history restore)."""
    return bool(htmx) and not htmx.boosted and not htmx.history_restore_request


def render(template: str, block: str, status: int = 200, **context) -> Response:
    """Render ``block`` of ``template`` for htmx, or the whole page otherwise."""
    if wants_fragment():
        body = render_block(template, block, **context)
    else:
        body = render_template(template, **context)
    return make_response(body, status)


def open_page(target: str, status: int = 302) -> Response:
    """Open ``target`` as a whole page: a redirect, or ``HX-Redirect`` for htmx, which would
    otherwise follow the redirect itself and swap the whole page in where a fragment goes.
    A refusal (``status`` 4xx) keeps its status either way."""
    if not htmx:
        return redirect(target)
    response = make_response("", 200 if status < 400 else status)
    response.headers["HX-Redirect"] = target
    return response


def vary_on_htmx(response: Response) -> Response:
    """Every answer may differ for htmx (a fragment, an ``HX-Redirect``), so no cache may
    give one kind of request the answer made for the other."""
    response.vary.add("HX-Request")
    return response


def add_security_headers(response: Response) -> Response:
    """Apply the header baseline to every response (the tests check it on every route)."""
    response.headers.setdefault(
        "Content-Security-Policy", content_security_policy(current_app.config)
    )
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)
    if current_app.config["PORTAL_ENV"] == "production":
        # Browsers then refuse plain HTTP for a year, even a first visit typed as http://.
        response.headers.setdefault("Strict-Transport-Security", STRICT_TRANSPORT_SECURITY)
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


def ago(moment) -> str:
    """How long ago ``moment`` (UTC) was, as staff say it."""
    seconds = (utcnow() - moment).total_seconds()
    if seconds < 60:
        return "just now"
    if seconds < 3600:
        count, unit = int(seconds // 60), "minute"
    elif seconds < 86_400:
        count, unit = int(seconds // 3600), "hour"
    elif seconds < 7 * 86_400:
        count, unit = int(seconds // 86_400), "day"
    else:
        return f"on {nzdate(moment)}"
    return f"{count} {unit}{'' if count == 1 else 's'} ago"


def month_name(value) -> str:
    return MONTHS[value - 1] if value else ""


def role_label(code: str, plural: bool = False) -> str:
    label = dict(ROLES).get(code, code.replace("_", " ").capitalize())
    if not plural or label.endswith("of"):
        return label
    return label[:-1] + "ies" if label.endswith("y") else label + "s"


def extra_label(label: str | None, code: str) -> str:
    """XPM's own label of a role when it says more than the role does, else "": "Shareholder
    Of" is only the role read from the other side, "Trustee (corporate)" adds to it."""
    if not label:
        return ""

    def words(text: str) -> list[str]:
        return [w for w in re.findall(r"[a-z]+", fold(text)) if w not in ("of", "the")]

    return "" if words(label) == words(role_label(code)) else label


def role_of(code: str) -> str:
    """A role as it reads before the profile it is held on: "Director of", "Parent of"
    (whose label says "of" already)."""
    label = role_label(code)
    return label if label.endswith(" of") else f"{label} of"


def filing_obligation_label(code: str | None) -> str:
    """A company's filing obligation as staff read it ("" while not known)."""
    return dict(FILING_OBLIGATIONS).get(code, code) if code else ""


def origin_label(code: str) -> str:
    """How a profile came into the portal, as staff read it."""
    return dict(ORIGINS).get(code, code)


def kind_label(kind: str | None) -> str:
    """A profile's kind as staff read it ("Kind not known" for a contact XPM said too little
    about, "Not known yet" where the portal has not been told)."""
    return KIND_LABELS.get(kind, "Not known yet") if kind else "Not known yet"


def safe_web_address(value: str) -> bool:
    """Only http(s) addresses become links; anything else (javascript:, data:) stays text."""
    return value.lower().startswith(("https://", "http://"))


#: (marker in the User-Agent, name shown), first match wins: Edge and Chrome both say Safari.
BROWSERS = (("Edg/", "Edge"), ("Firefox/", "Firefox"), ("Chrome/", "Chrome"), ("Safari/", "Safari"))
SYSTEMS = (
    ("iPhone", "iPhone"),
    ("iPad", "iPad"),
    ("Android", "Android"),
    ("Windows", "Windows"),
    ("Mac OS X", "macOS"),
    ("Linux", "Linux"),
)


def browser_name(user_agent: str | None) -> str:
    """ "Chrome on Windows": enough for a person to recognise their own session."""
    agent = user_agent or ""
    browser = next((name for marker, name in BROWSERS if marker in agent), None)
    system = next((name for marker, name in SYSTEMS if marker in agent), None)
    if browser and system:
        return f"{browser} on {system}"
    return browser or system or "Unknown browser"


def refuse_nul_characters() -> None:
    """No database stores NUL in text: refuse it up front with a 400 instead of failing later."""
    values = [*request.args.values(), *request.form.values(), request.path]
    if any("\x00" in value for value in values):
        abort(400)


def show_hidden_characters(value):
    """What every ``{{ … }}`` of every page prints: text with its hidden characters shown as
    markers (``reveal``), so a name from XPM cannot reorder or hide part of itself on screen.
    Markup is left whole: it is HTML already (a form field keeps the value it was given)."""
    if type(value) is str and HIDDEN.search(value):
        return reveal(value)
    return value


def init_app(app) -> None:
    """Install the header baseline, ``Vary`` and the bounded ``int`` of URLs (before any
    blueprint adds its routes); the template helpers are ``portal.templating``'s."""
    app.url_map.converters["int"] = IdConverter
    app.url_map.converters["nzbn"] = NzbnConverter
    app.before_request(refuse_nul_characters)
    app.after_request(add_security_headers)
    app.after_request(vary_on_htmx)
