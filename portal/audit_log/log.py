"""Reading the audit log: one firm's events, filtered by user, action and date, by page."""

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from portal.audit_log.wording import party_ids
from portal.models import AuditEvent, Profile, User
from portal.pages import Page, paginate
from portal.web import NEW_ZEALAND

#: What each action means, in the words of the people who read the log.
ACTIONS = {
    "sign_in": "Sign-in",
    "sign_out": "Sign-out",
    "second_factor": "Second step of sign-in",
    "two_factor": "Two-factor sign-in changed",
    "two_factor_reset": "Two-factor sign-in reset",
    "password_changed": "Password changed",
    "profile_created": "Client added manually",
    "profile_edited": "Profile edited",
    "profile_merged": "Profiles merged",
    "contact_added": "Contact added",
    "role_added": "Role added",
    "role_edited": "Role edited",
    "role_ended": "Role ended",
    "role_removed": "Role removed",
    "connect": "Add-on connected",
    "disconnect": "Add-on disconnected",
    "token_refresh_failed": "Add-on token refresh failed",
    "connection_lost": "Add-on connection refused",
    "import": "Import from other system",
    "bulk_import": "Bulk import",
    "report_import": "Import from an XPM report file",
    "link": "Profile linked to XPM",
    "unlink": "Profile unlinked from XPM",
    "refresh": "Refresh from XPM",
    "register_taken": "Taken from the Companies Office",
    "register_company_added": "Client added from the Companies Office",
    "companies_office_linked": "Profile linked to the Companies Office",
    "companies_office_unlinked": "Profile unlinked from the Companies Office",
}
#: What an event without a summary says happened.
SENTENCES = {"sign_in": "Signed in", "sign_out": "Signed out"}
OUTCOMES = {"ok": "Succeeded", "failed": "Failed", "partial": "Partly done"}


def action_label(code: str) -> str:
    """An action as a person reads it."""
    return ACTIONS.get(code) or code.replace("_", " ").capitalize()


def action_sentence(code: str) -> str:
    """What happened, for an event recorded without a summary."""
    return SENTENCES.get(code) or action_label(code)


def outcome_label(code: str) -> str:
    """An outcome in words: Succeeded, Failed, Partly done."""
    return OUTCOMES.get(code) or code.replace("_", " ").capitalize()


@dataclass(frozen=True)
class LogQuery:
    """What the audit log page is asked for; dates are days in New Zealand."""

    user_id: int | None = None
    action: str = ""
    start: date | None = None
    end: date | None = None
    page: int = 1
    per_page: int = 50

    @property
    def filtered(self) -> bool:
        return bool(self.user_id or self.action or self.start or self.end)


def _utc(day: date) -> datetime:
    """The moment a New Zealand day starts, in UTC without tzinfo (as stored)."""
    local = datetime.combine(day, time.min, tzinfo=NEW_ZEALAND)
    return local.astimezone(UTC).replace(tzinfo=None)


def events(db: Session, firm_id: int, query: LogQuery) -> Page:
    """One page of the firm's events, newest first, each with the e-mail of who did it."""
    conditions = [AuditEvent.firm_id == firm_id]
    if query.user_id:
        conditions.append(AuditEvent.user_id == query.user_id)
    if query.action:
        conditions.append(AuditEvent.action == query.action)
    if query.start:
        conditions.append(AuditEvent.occurred_at >= _utc(query.start))
    if query.end:
        conditions.append(AuditEvent.occurred_at < _utc(query.end + timedelta(days=1)))
    statement = (
        select(AuditEvent, User.email)
        .outerjoin(User, User.id == AuditEvent.user_id)
        .where(*conditions)
        .order_by(AuditEvent.occurred_at.desc(), AuditEvent.id.desc())
    )
    count = select(func.count(AuditEvent.id)).where(*conditions)
    return paginate(db, statement, query.page, query.per_page, count)


def staff(db: Session, firm_id: int) -> list[tuple[int, str]]:
    """(id, e-mail) of the firm's staff, to filter by."""
    return list(
        db.execute(select(User.id, User.email).where(User.firm_id == firm_id).order_by(User.email))
    )


def actions(db: Session, firm_id: int) -> list[tuple[str, str]]:
    """(code, label) of every action in the firm's log, and the well-known ones."""
    found = db.scalars(select(AuditEvent.action).where(AuditEvent.firm_id == firm_id).distinct())
    codes = set(found) | set(ACTIONS)
    return sorted(((code, action_label(code)) for code in codes), key=lambda pair: pair[1])


def names(db: Session, firm_id: int, shown: list[AuditEvent]) -> dict[int, str]:
    """The names of the firm's profiles these events name only by id (one query)."""
    ids = party_ids(shown)
    if not ids:
        return {}
    rows = db.execute(
        select(Profile.id, Profile.name).where(Profile.firm_id == firm_id, Profile.id.in_(ids))
    )
    return {row.id: row.name for row in rows}
