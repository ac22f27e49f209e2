"""The XPM sandbox: a small server inside the project that speaks Xero's identity protocol,
the XPM 3.1 API and WorkflowMax's, over a deterministic invented New Zealand practice.

The portal's real OAuth and HTTP code talks to it exactly as to Xero; only configuration
(``provider_urls``) points it here. Mounted at ``/sandbox`` by ``init_app`` or run alone by
``create_app`` / ``python -m portal.sandbox``.

URL map (under ``/sandbox``)::

    GET|POST /identity/connect/authorize      consent page, Approve / Deny
    POST     /identity/connect/token          authorization_code (PKCE), refresh_token
    POST     /identity/connect/revocation     revoke a refresh token's grant
    GET      /xero/connections                tenants the token's app is connected to
    DELETE   /xero/connections/<id>           disconnect one tenant
    GET      /xero/practicemanager/3.1/client.api/{list,paged-list,search,get/<uuid>}
    GET      /xero/practicemanager/3.1/clientgroup.api/{list,get/<uuid>}
    GET|POST /workflowmax/oauth/authorize, POST /workflowmax/oauth/{token,revoke}
    GET      /workflowmax/api/client.api/…, /workflowmax/api/clientgroup.api/…
             /_control/{faults,calls,stats,reset,clock,clients}
             (Authorization: Bearer <SANDBOX_CONTROL_TOKEN>)
"""

from flask import Blueprint, Flask

from portal.sandbox import runtime, settings
from portal.sandbox.settings import (
    DEMO_CLIENT_ID,
    DEMO_CLIENT_SECRET,
    WORKFLOWMAX_DEMO_CLIENT_ID,
    WORKFLOWMAX_DEMO_CLIENT_SECRET,
)
from portal.sandbox.settings import (
    redirect_uris as redirect_uris,  # re-exported: the portal's callbacks, for tests and benchmarks
)

URL_PREFIX = "/sandbox"

bp = Blueprint(
    "sandbox", __name__, url_prefix=URL_PREFIX, static_folder="static", template_folder="templates"
)


@bp.before_request
def _ready():
    runtime.current().ready()


def _children() -> tuple[Blueprint, ...]:
    from portal.sandbox.api import workflowmax_api, xpm
    from portal.sandbox.control import control
    from portal.sandbox.oauth import identity, workflowmax

    return identity, xpm, workflowmax, workflowmax_api, control


for _child in _children():
    bp.register_blueprint(_child)


def init_app(app: Flask) -> None:
    """Mount the sandbox at /sandbox on ``app``, outside its CSRF protection, with its CLI."""
    from portal.extensions import csrf
    from portal.sandbox.cli import sandbox_cli

    settings.apply_defaults(app)
    app.extensions[runtime.EXTENSION] = runtime.Sandbox(app.config)
    app.register_blueprint(bp)
    for blueprint in (bp, *_children()):
        csrf.exempt(blueprint)  # OAuth and API calls come from other programs, not forms
    app.cli.add_command(sandbox_cli)


def create_app(config: dict | None = None) -> Flask:
    """A Flask application holding only the sandbox, mounted at the same /sandbox prefix."""
    from portal.sandbox.cli import sandbox_cli

    app = Flask(__name__, instance_relative_config=True, static_folder=None)
    app.config.from_mapping(config or {})
    settings.apply_defaults(app)
    app.extensions[runtime.EXTENSION] = runtime.Sandbox(app.config)
    app.register_blueprint(bp)
    app.cli.add_command(sandbox_cli)
    return app


def provider_urls(base: str) -> dict[str, str]:
    """The portal's provider settings for a sandbox at ``base`` (…/sandbox, no trailing slash)."""
    base = base.rstrip("/")
    return {
        "XERO_AUTHORIZE_URL": f"{base}/identity/connect/authorize",
        "XERO_TOKEN_URL": f"{base}/identity/connect/token",
        "XERO_REVOKE_URL": f"{base}/identity/connect/revocation",
        "XERO_CONNECTIONS_URL": f"{base}/xero/connections",
        "XPM_API_URL": f"{base}/xero/practicemanager/3.1/",
        "WORKFLOWMAX_AUTHORIZE_URL": f"{base}/workflowmax/oauth/authorize",
        "WORKFLOWMAX_TOKEN_URL": f"{base}/workflowmax/oauth/token",
        "WORKFLOWMAX_API_URL": f"{base}/workflowmax/api/",
        "XPM_CLIENT_ID": DEMO_CLIENT_ID,
        "XPM_CLIENT_SECRET": DEMO_CLIENT_SECRET,
        "WORKFLOWMAX_CLIENT_ID": WORKFLOWMAX_DEMO_CLIENT_ID,
        "WORKFLOWMAX_CLIENT_SECRET": WORKFLOWMAX_DEMO_CLIENT_SECRET,
    }


def calls(app: Flask) -> dict[str, int]:
    """Calls per endpoint since start or the last reset, for in-process tests and benchmarks."""
    return app.extensions[runtime.EXTENSION].calls()


def reset(app: Flask) -> None:
    """Forget calls, rate-limit windows, runtime faults and clock moves."""
    app.extensions[runtime.EXTENSION].reset()
