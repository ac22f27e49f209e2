"""The register sandbox: a small server inside the project that speaks the NZBN API v5
(the New Zealand Business Number register, carrying the Companies Register) over a
register consistent with the XPM sandbox's practice (``register.py`` says how, and which
differences are made on purpose).

The portal's register client talks to it exactly as to MBIE's gateway; only configuration
(``provider_urls``) points it here. Mounted at ``/register-sandbox`` by ``init_app`` (with
``PORTAL_SANDBOX=1``) or run alone by ``create_app`` / ``python -m portal.register_sandbox``.

URL map (under ``/register-sandbox``)::

    GET /gateway/nzbn/v5/entities?search-term=…&page=…&page-size=…   search
    GET /gateway/nzbn/v5/entities/<nzbn>                             the full entity
        (Ocp-Apim-Subscription-Key: <key> on both)
    GET|POST|DELETE /_control/faults, GET /_control/calls, POST /_control/reset
        (Authorization: Bearer <REGISTER_SANDBOX_CONTROL_TOKEN>)
"""

from flask import Blueprint, Flask

from portal.register_sandbox import runtime, settings
from portal.register_sandbox.settings import DEMO_SUBSCRIPTION_KEY

URL_PREFIX = "/register-sandbox"

bp = Blueprint("register_sandbox", __name__, url_prefix=URL_PREFIX)


def _children() -> tuple[Blueprint, ...]:
    from portal.register_sandbox.api import nzbn_api
    from portal.register_sandbox.control import control

    return nzbn_api, control


for _child in _children():
    bp.register_blueprint(_child)


def init_app(app: Flask) -> None:
    """Mount the register sandbox at /register-sandbox on ``app``, outside its CSRF protection."""
    from portal.extensions import csrf

    settings.apply_defaults(app)
    app.extensions[runtime.EXTENSION] = runtime.RegisterSandbox(app.config)
    app.register_blueprint(bp)
    for blueprint in (bp, *_children()):
        csrf.exempt(blueprint)  # API and control calls come from programs, not forms


def create_app(config: dict | None = None) -> Flask:
    """A Flask application holding only the register sandbox, at the same prefix."""
    app = Flask(__name__, instance_relative_config=True, static_folder=None)
    app.config.from_mapping(config or {})
    settings.apply_defaults(app)
    app.extensions[runtime.EXTENSION] = runtime.RegisterSandbox(app.config)
    app.register_blueprint(bp)
    return app


def provider_urls(base: str) -> dict[str, str]:
    """The portal's register settings for a register sandbox at ``base`` (…/register-sandbox)."""
    from portal.register_sandbox.api import API_PREFIX

    return {
        "NZBN_API_URL": f"{base.rstrip('/')}{API_PREFIX}",
        "NZBN_SUBSCRIPTION_KEY": DEMO_SUBSCRIPTION_KEY,
    }


def calls(app: Flask) -> dict[str, int]:
    """Calls per endpoint since start or the last reset, for in-process tests and benchmarks."""
    return app.extensions[runtime.EXTENSION].calls()


def reset(app: Flask) -> None:
    """Forget calls and runtime faults."""
    app.extensions[runtime.EXTENSION].reset()
