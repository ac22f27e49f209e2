"""The one way a feature gets an XPM (or WorkflowMax) client for the signed-in firm: which
connection it uses, and a client built from the application's configuration with the
application's one limiter (``portal.xpm.factory`` builds both, without Flask)."""

from flask import current_app
from sqlalchemy.orm import Session

from portal.addons import service
from portal.addons.providers import provider
from portal.addons.tokens import ConnectionTokens, NotConnected, mark_needs_reconnect
from portal.directory.store import Practice
from portal.models import XpmConnection
from portal.vault import vault
from portal.xpm import TenantLimiter, TokenSource, XpmApi
from portal.xpm.errors import XpmError
from portal.xpm.factory import api_from_config, limiter_from_config


def working_connection(db: Session, firm_id: int) -> XpmConnection | None:
    """XPM's connection if it works, else WorkflowMax's if that does, else whichever exists
    (so the panel can say what is wrong with it): the one the panel searches and links to."""
    rows = service.connections(db, firm_id)
    working = [row for row in rows.values() if row is not None and row.status == "connected"]
    return working[0] if working else rows["xpm"] or rows["workflowmax"]


def practice_of(row: XpmConnection) -> Practice:
    """The directory's key for a working connection."""
    return Practice(firm_id=row.firm_id, provider=row.provider, tenant_id=row.tenant_id)


def practice_api(db: Session, firm_id: int, provider_key: str = "xpm") -> XpmApi:
    """A read-only client for the firm's connected practice; NotConnected when there is none."""
    chosen = provider(current_app.config, provider_key)
    row = service.connection(db, firm_id, provider_key)
    if row is None or row.status != "connected":
        raise NotConnected(
            "it is not connected" if row is None else "it needs reconnecting",
            system=chosen.label,
        )
    sessions = current_app.extensions["portal.sessions"]
    tokens = ConnectionTokens(sessions, vault(), chosen, row.id)

    def access_lost(error: XpmError) -> None:
        with sessions() as own:
            mark_needs_reconnect(own, own.get(XpmConnection, row.id), error.detail)
            own.commit()

    return api_for(provider_key, row.tenant_id, tokens, on_access_lost=access_lost)


def init_app(app) -> None:
    """Create the application's one XPM limiter when the application is made: shared by all
    its requests and jobs (and, through Redis, by every worker)."""
    app.extensions["xpm_limiter"] = limiter_from_config(app.config)


def app_limiter() -> TenantLimiter:
    """The application's one limiter."""
    return current_app.extensions["xpm_limiter"]


def api_for(provider: str, tenant_id: str, token_source: TokenSource, **options) -> XpmApi:
    """A client for one practice's XPM or WorkflowMax, configured from ``current_app``."""
    return api_from_config(
        current_app.config, app_limiter(), provider, tenant_id, token_source, **options
    )
