"""Staff accounts: passwords, sign-in checks and firm creation."""

import re

from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from portal.models import Firm, StructureMapping, SubscriptionPlan, User
from portal.reference import DEFAULT_PLANS, DEFAULT_STRUCTURES
from portal.text import structure_key

#: scrypt with werkzeug's defaults (n=2**15, r=8, p=1): slow on purpose.
PASSWORD_METHOD = "scrypt"  # noqa: S105 (a hash method, not a password)
MIN_PASSWORD_LENGTH = 12

#: Compared against when the address is unknown, so both paths cost the same time.
_DUMMY_HASH = generate_password_hash("not a real password", method=PASSWORD_METHOD)


def hash_password(password: str) -> str:
    """A slow, salted hash of ``password``."""
    return generate_password_hash(password, method=PASSWORD_METHOD)


def normalise_email(email: str) -> str:
    return email.strip().lower()


def find_user(db: Session, email: str) -> User | None:
    """The user with this e-mail address, if any."""
    return db.scalar(select(User).where(User.email == normalise_email(email)))


def authenticate(db: Session, email: str, password: str) -> User | None:
    """The active user with this e-mail and password, or None."""
    user = find_user(db, email)
    if user is None:
        check_password_hash(_DUMMY_HASH, password)
        return None
    if not check_password_hash(user.password_hash, password) or not user.active:
        return None
    return user


def load_user(db: Session, session_id: str) -> User | None:
    """The user a session identifier ("id:version") names, if that session is still valid."""
    user_id, _, version = session_id.partition(":")
    if not (user_id.isdigit() and version.isdigit()):
        return None
    user = db.get(User, int(user_id))
    if user is None or user.session_version != int(version) or not user.active:
        return None
    return user


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
        db.add(
            StructureMapping(
                firm_id=firm.id,
                structure=structure,
                structure_key=structure_key(structure),
                kind=kind,
            )
        )
    return firm


def create_user(db: Session, firm: Firm, email: str, password: str, admin: bool) -> User:
    """Add a member of staff to ``firm``."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ValueError(f"The password must be at least {MIN_PASSWORD_LENGTH} characters.")
    email = normalise_email(email)
    if not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", email):
        raise ValueError(f"{email!r} is not an e-mail address.")
    if db.scalar(select(User.id).where(User.email == email)) is not None:
        raise ValueError(f"A user with the e-mail {email} already exists.")
    user = User(firm_id=firm.id, email=email, password_hash=hash_password(password), is_admin=admin)
    db.add(user)
    db.flush()
    return user
