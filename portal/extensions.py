"""Extension objects, created unbound here and bound to the application in the factory."""

from flask import request
from flask_htmx import HTMX
from flask_limiter import Limiter
from flask_login import LoginManager
from flask_wtf.csrf import CSRFProtect


def client_address() -> str:
    """The address a request came from (ProxyFix, when configured, has already set it)."""
    return request.remote_addr or "unknown"


csrf = CSRFProtect()
htmx = HTMX()
login_manager = LoginManager()
limiter = Limiter(key_func=client_address, default_limits=[], headers_enabled=True)
