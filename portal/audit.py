"""The audit log: one call records one event; nothing in the application edits or deletes."""

from sqlalchemy.orm import Session

from portal.models import AuditEvent


def record(
    db: Session,
    action: str,
    *,
    address: str | None,
    firm_id: int | None,
    user_id: int | None,
    outcome: str = "ok",
    object_type: str | None = None,
    object_id: int | None = None,
    summary: str = "",
    detail: dict | None = None,
) -> AuditEvent:
    """Add an audit event to the session; it is committed with the work it describes.
    ``address`` is where the request came from (``portal.extensions.client_address``), None
    for work off a request: background jobs, the command line, a provider's refusal."""
    event = AuditEvent(
        action=action,
        firm_id=firm_id,
        user_id=user_id,
        outcome=outcome,
        object_type=object_type,
        object_id=object_id,
        summary=summary[:500],
        detail=detail or {},
        remote_addr=address,
    )
    db.add(event)
    return event
