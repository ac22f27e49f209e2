"""Sign-in sessions kept in the database: each signed-in browser is a row, with an idle
timeout and an absolute lifetime, that signing out, a password change or a second-factor
change ends. The cookie carries a random token; the row keeps only its SHA-256."""

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session, joinedload

from portal.database import utcnow, writing
from portal.models import SignInSession, User

#: How stale ``last_seen_at`` may get before a request writes it again: one write a minute
#: per browser, not one per request; the idle timeout is exact to within this.
TOUCH_EVERY = timedelta(minutes=1)


@dataclass(frozen=True)
class Lifetimes:
    idle: timedelta
    absolute: timedelta

    @classmethod
    def from_config(cls, config) -> "Lifetimes":
        return cls(
            idle=timedelta(minutes=int(config["SESSION_IDLE_MINUTES"])),
            absolute=timedelta(hours=int(config["SESSION_LIFETIME_HOURS"])),
        )


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def start(
    db: Session, user: User, *, second_factor: str | None, address: str | None, agent: str
) -> str:
    """Open a session for ``user``; returns the token for the cookie."""
    token = secrets.token_urlsafe(32)
    row = SignInSession(
        user_id=user.id,
        token_hash=_digest(token),
        second_factor=second_factor,
        remote_addr=address,
        user_agent=agent[:200],
    )
    db.add(row)
    db.flush()
    user.sign_in, user.sign_in_token = row, token
    return token


def why_not_valid(row: SignInSession, lifetimes: Lifetimes, now: datetime) -> str | None:
    """Why a session can no longer be used ("idle", "expired", or how it ended), or None."""
    if row.ended_at is not None:
        return row.ended_reason or "ended"
    if now - row.last_seen_at > lifetimes.idle:
        return "idle"
    if now - row.created_at > lifetimes.absolute:
        return "expired"
    return None


def find(db: Session, token: str) -> SignInSession | None:
    """The session ``token`` opens, with its user and firm (one query for every page)."""
    if not token or len(token) > 100:
        return None
    return db.scalar(
        select(SignInSession)
        .where(SignInSession.token_hash == _digest(token))
        .options(joinedload(SignInSession.user).joinedload(User.firm))
    )


def touch(db: Session, row: SignInSession, now: datetime) -> None:
    """Record activity (the caller does so at most once a minute)."""
    db.execute(
        update(SignInSession)
        .where(SignInSession.id == row.id, SignInSession.ended_at.is_(None))
        .values(last_seen_at=now)
    )


def end(db: Session, row: SignInSession, reason: str) -> None:
    db.execute(
        update(SignInSession)
        .where(SignInSession.id == row.id, SignInSession.ended_at.is_(None))
        .values(ended_at=utcnow(), ended_reason=reason)
    )


def end_all(db: Session, user_id: int, reason: str, keep: SignInSession | None = None) -> int:
    """End every open session of a user (except ``keep``); returns how many ended."""
    statement = update(SignInSession).where(
        SignInSession.user_id == user_id, SignInSession.ended_at.is_(None)
    )
    if keep is not None:
        statement = statement.where(SignInSession.id != keep.id)
    return db.execute(statement.values(ended_at=utcnow(), ended_reason=reason)).rowcount


def open_sessions(db: Session, user_id: int, lifetimes: Lifetimes) -> list[SignInSession]:
    """A user's sessions that can still be used, most recently active first."""
    rows = db.scalars(
        select(SignInSession)
        .where(SignInSession.user_id == user_id, SignInSession.ended_at.is_(None))
        .order_by(SignInSession.last_seen_at.desc())
    )
    now = utcnow()
    return [row for row in rows if why_not_valid(row, lifetimes, now) is None]


def signed_in_user(db: Session, token: str, lifetimes: Lifetimes) -> tuple[User | None, str | None]:
    """The user whose session ``token`` opens, and None; or None and why the session ended
    ("idle", "expired", "signed out"…). Ends a session found idle or expired, and records
    activity at most once a minute."""
    row = find(db, token)
    if row is None:
        return None, None
    now = utcnow()
    reason = why_not_valid(row, lifetimes, now)
    if reason is None and not row.user.active:
        reason = "account disabled"
    if reason is not None:
        if row.ended_at is None:
            with writing(db):
                end(db, row, reason)
        return None, reason
    if now - row.last_seen_at >= TOUCH_EVERY:
        with writing(db):
            touch(db, row, now)
    user = row.user
    user.sign_in, user.sign_in_token = row, token
    return user, None
