"""The one way a feature gets an XPM (or WorkflowMax) client for the signed-in firm."""

from flask import current_app
from sqlalchemy.orm import Session

from portal.addons import service
from portal.addons.providers import provider
from portal.addons.tokens import ConnectionTokens, NotConnected, mark_needs_reconnect
from portal.addons.vault import vault
from portal.models import XpmConnection
from portal.xpm import XpmApi
from portal.xpm.errors import XpmError
from portal.xpm.factory import api_for


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
