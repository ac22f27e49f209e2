"""Staff accounts: passwords, sign-in checks and firm creation."""

import hashlib

from sqlalchemy import select
from sqlalchemy.orm import Session

from portal import audit
from portal.auth import passwords, sessions, two_factor
from portal.auth.passwords import MIN_LENGTH as MIN_PASSWORD_LENGTH
from portal.auth.passwords import hash_password
from portal.database import utcnow, writing
from portal.fields import email_address
from portal.models import Firm, StructureMapping, SubscriptionPlan, User
from portal.reference import DEFAULT_PLANS, DEFAULT_STRUCTURE_TYPES, DEFAULT_STRUCTURES
from portal.text import structure_key

__all__ = ["MIN_PASSWORD_LENGTH", "hash_password"]

#: The second factors, as the audit log and the pages name them.
FACTOR_NAMES = {
    "totp": "authenticator app",
    "passkey": "passkey",
    "recovery": "recovery code",
}


def normalise_email(email: str) -> str:
    return email.strip().lower()


def find_user(db: Session, email: str) -> User | None:
    """The user with this e-mail address, if any."""
    return db.scalar(select(User).where(User.email == normalise_email(email)))


def authenticate(db: Session, email: str, password: str) -> User | None:
    """The active user with this e-mail and password, or None. A hash made with older
    parameters (or scrypt) is replaced in the session; the caller's write commits it."""
    user = find_user(db, email)
    if not passwords.verify(user.password_hash if user else None, password):
        return None
    if not user.active:
        return None
    if passwords.needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    return user


def check_password(user: User, password: str) -> bool:
    """Whether ``password`` is ``user``'s, for confirming a change while signed in."""
    return passwords.verify(user.password_hash, password)


def set_password(db: Session, user: User, password: str) -> None:
    """Give ``user`` a new password, ending every session they have."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ValueError(f"The password must be at least {MIN_PASSWORD_LENGTH} characters.")
    user.password_hash = hash_password(password)
    sessions.end_all(db, user.id, "password changed", keep=user.sign_in)


def get_or_create_firm(db: Session, name: str) -> Firm:
    """The firm called ``name``, created with the default subscription plans if new."""
    firm = db.scalar(select(Firm).where(Firm.name == name))
    if firm is not None:
        return firm
    firm = Firm(name=name)
    db.add(firm)
    db.flush()
    for position, (plan_name, description) in enumerate(DEFAULT_PLANS):
        db.add(
            SubscriptionPlan(
                firm_id=firm.id, name=plan_name, description=description, position=position
            )
        )
    for structure, kind in DEFAULT_STRUCTURES:
        default = DEFAULT_STRUCTURE_TYPES.get(structure)
        db.add(
            StructureMapping(
                firm_id=firm.id,
                structure=structure,
                structure_key=structure_key(structure),
                kind=kind,
                company_type_code=default if kind == "company" else None,
                trust_type_code=default if kind == "trust" else None,
            )
        )
    return firm


def create_user(db: Session, firm: Firm, email: str, password: str, admin: bool) -> User:
    """Add a member of staff to ``firm``."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ValueError(f"The password must be at least {MIN_PASSWORD_LENGTH} characters.")
    email = normalise_email(email)
    if not email_address(email):
        raise ValueError(f"{email!r} is not an e-mail address.")
    if db.scalar(select(User.id).where(User.email == email)) is not None:
        raise ValueError(f"A user with the e-mail {email} already exists.")
    user = User(firm_id=firm.id, email=email, password_hash=hash_password(password), is_admin=admin)
    db.add(user)
    db.flush()
    return user


def password_fingerprint(user: User) -> str:
    """A short digest of the stored hash: a half-finished sign-in ends when it changes."""
    return hashlib.sha256(user.password_hash.encode()).hexdigest()[:16]


def reset_second_factors(
    db: Session, person: User, by: User | None, *, address: str | None
) -> None:
    """Remove ``person``'s app, passkeys and recovery codes after a lost device, end their
    sessions and record who did it (``by`` None: the command line), in one write."""
    with writing(db):
        _reset_second_factors(db, person, by, address=address)


def _reset_second_factors(
    db: Session, person: User, by: User | None, *, address: str | None
) -> None:
    two_factor.reset(db, person)
    sessions.end_all(db, person.id, "second factor reset")
    where = "" if by else " from the command line"
    audit.record(
        db,
        "two_factor_reset",
        address=address,
        firm_id=person.firm_id,
        user_id=by.id if by else None,
        object_type="user",
        object_id=person.id,
        summary=f"Two-factor sign-in of {person.email} reset{where}; their sessions ended",
    )


# --- Signing in and out: each one write transaction -------------------------------------------
def sign_in_with_password(
    db: Session, email: str, password: str, *, address: str | None
) -> User | None:
    """The active user with this e-mail and password (a hash made with older parameters
    replaced), or None with the failure in the audit log."""
    with writing(db):
        user = authenticate(db, email, password)
        if user is None:
            known = find_user(db, email)
            audit.record(
                db,
                "sign_in",
                address=address,
                outcome="failed",
                firm_id=known.firm_id if known else None,
                user_id=known.id if known else None,
                summary=f"Failed sign-in as {normalise_email(email)}",
            )
        return user


def accept_code(db: Session, vault, user: User, method: str, code: str) -> None:
    """Use up an authenticator code (``totp``) or a recovery code; NotAccepted if refused."""
    with writing(db):
        if method == "totp":
            two_factor.check_totp(db, vault, user, code)
        else:
            two_factor.use_recovery_code(db, user, code)


def accept_passkey(db: Session, party, user: User, challenge: bytes | None, answer: str) -> None:
    """Accept a passkey's answer to ``challenge`` (None: it expired); NotAccepted if refused."""
    if challenge is None:
        raise two_factor.NotAccepted("The passkey request expired; try again.")
    with writing(db):
        two_factor.check_passkey(db, party, user, challenge, answer)


def record_refused_factor(
    db: Session, user: User, method: str, reason: str, *, address: str | None
) -> None:
    """A second factor was refused: the audit log says which and why."""
    with writing(db):
        audit.record(
            db,
            "second_factor",
            address=address,
            outcome="failed",
            firm_id=user.firm_id,
            user_id=user.id,
            summary=f"Second factor refused ({FACTOR_NAMES[method]}): {reason}",
        )


def open_session(
    db: Session, user: User, second_factor: str | None, address: str | None, agent: str
) -> None:
    """A new session row for ``user`` (its token on ``user.sign_in_token``), recorded."""
    with writing(db):
        sessions.start(db, user, second_factor=second_factor, address=address, agent=agent)
        user.last_sign_in_at = utcnow()
        how = f" with {FACTOR_NAMES[second_factor]}" if second_factor else ""
        audit.record(
            db,
            "sign_in",
            address=address,
            firm_id=user.firm_id,
            user_id=user.id,
            summary=f"Signed in{how}",
        )


def sign_out(db: Session, user: User, *, address: str | None) -> None:
    """End the session ``user`` signed in with, recorded."""
    with writing(db):
        sessions.end(db, user.sign_in, "signed out")
        audit.record(db, "sign_out", address=address, firm_id=user.firm_id, user_id=user.id)
