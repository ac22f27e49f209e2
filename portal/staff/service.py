"""Settings → Staff's one write of its own: the firm's two-factor rule (resetting a member
of staff's second factors is ``auth.service.reset_second_factors``)."""

from sqlalchemy.orm import Session

from portal import audit
from portal.database import writing
from portal.models import User


def require_two_factor(db: Session, admin: User, required: bool, *, address: str | None) -> None:
    """Require (or stop requiring) a second factor of everyone in ``admin``'s firm, recorded."""
    with writing(db):
        admin.firm.require_two_factor = required
        audit.record(
            db,
            "two_factor",
            address=address,
            firm_id=admin.firm_id,
            user_id=admin.id,
            summary="Two-factor sign-in required for the firm"
            if required
            else "Two-factor sign-in no longer required for the firm",
        )
