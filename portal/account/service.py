"""Your account's changes to how you sign in: each one write transaction, recorded, and a
change of second factor or password ends every other session."""

from sqlalchemy.orm import Session

from portal import audit
from portal.auth import service, sessions, two_factor
from portal.database import writing
from portal.models import Passkey, User


def enrol_authenticator(
    db: Session, vault, user: User, secret: str, code: str, *, address: str | None
):
    """Set up the authenticator app once ``code`` proves it works (NotAccepted otherwise);
    returns the first recovery codes, or None when the user has some already."""
    with writing(db):
        two_factor.enrol_totp(db, vault, user, secret, code)
        codes = _first_codes(db, user)
        _factor_changed(db, user, "Authenticator app set up", address=address)
        return codes


def enrol_passkey(
    db: Session,
    party,
    user: User,
    challenge: bytes,
    answer: str,
    name: str,
    *,
    address: str | None,
):
    """Add the passkey that answered ``challenge``; returns the first recovery codes, if any."""
    with writing(db):
        two_factor.register_passkey(party, user, challenge, answer, name)
        codes = _first_codes(db, user)
        _factor_changed(db, user, f"Passkey “{name}” added", address=address)
        return codes


def remove_authenticator(db: Session, user: User, *, address: str | None) -> None:
    with writing(db):
        two_factor.remove_totp(user)
        _factor_changed(db, user, "Authenticator app removed", address=address)


def remove_passkey(db: Session, user: User, passkey: Passkey, *, address: str | None) -> None:
    with writing(db):
        name = passkey.name
        user.passkeys.remove(passkey)
        _factor_changed(db, user, f"Passkey “{name}” removed", address=address)


def new_recovery_codes(db: Session, user: User, *, address: str | None) -> list[str]:
    """Ten new recovery codes; the old ones stop working."""
    with writing(db):
        codes = two_factor.new_recovery_codes(db, user)
        _record(
            db,
            user,
            "two_factor",
            "New recovery codes made; the old ones no longer work",
            address=address,
        )
        return codes


def change_password(db: Session, user: User, password: str, *, address: str | None) -> None:
    with writing(db):
        service.set_password(db, user, password)
        _record(
            db, user, "password_changed", "Password changed; other sessions ended", address=address
        )


def end_other_sessions(db: Session, user: User, *, address: str | None) -> int:
    """End every session of ``user`` but this one; returns how many ended."""
    with writing(db):
        ended = sessions.end_all(db, user.id, "signed out elsewhere", keep=user.sign_in)
        _record(db, user, "sign_out", f"Signed out of {ended} other sessions", address=address)
        return ended


def _first_codes(db: Session, user: User) -> list[str] | None:
    """Ten recovery codes with the first second factor; None if the user has codes already."""
    if two_factor.recovery_codes_left(db, user.id):
        return None
    return two_factor.new_recovery_codes(db, user)


def _factor_changed(db: Session, user: User, summary: str, *, address: str | None) -> None:
    """A second factor was added or removed: every other session ends, and it is recorded."""
    ended = sessions.end_all(db, user.id, "second factor changed", keep=user.sign_in)
    ended_note = f"; {ended} other sessions ended" if ended else ""
    _record(db, user, "two_factor", summary + ended_note, address=address)


def _record(db: Session, user: User, action: str, summary: str, *, address: str | None) -> None:
    audit.record(
        db,
        action,
        address=address,
        firm_id=user.firm_id,
        user_id=user.id,
        object_type="user",
        object_id=user.id,
        summary=summary,
    )
