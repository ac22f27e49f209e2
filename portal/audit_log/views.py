"""The audit log page: administrators read their firm's log; nobody edits it from here."""

from datetime import date

from flask import Blueprint, request
from flask_login import current_user

from portal import database
from portal.audit_log import log
from portal.auth.access import admin_required, require_login
from portal.limits import day_problem, page_number, row_id
from portal.web import render

bp = Blueprint("audit", __name__, url_prefix="/audit")
bp.before_request(require_login)


def _day(args, name: str, label: str, problems: list[str]) -> date | None:
    """The day a date filter names; a date the log cannot be searched by is a problem
    said on the page (0001-01-01 in New Zealand is before the first day Python holds)."""
    text = args.get(name, "")
    if not text:
        return None
    try:
        day = date.fromisoformat(text)
    except ValueError:
        problems.append(f"{label}: “{text[:20]}” is not a date. Write it as 2026-03-31.")
        return None
    problem = day_problem(day)
    if problem:
        problems.append(f"{label}: {problem}")
        return None
    return day


def _query(args, problems: list[str]) -> log.LogQuery:
    return log.LogQuery(
        user_id=args.get("user", type=row_id),
        action=args.get("action", "")[:60],
        start=_day(args, "from", "From", problems),
        end=_day(args, "to", "To", problems),
        page=args.get("page", 1, type=page_number),
    )


@bp.get("/")
@admin_required
def index():
    """The firm's audit log, filtered, newest first."""
    session, firm_id, problems = database.session(), current_user.firm_id, []
    query = _query(request.args, problems)
    listing = None if problems else log.events(session, firm_id, query)
    return render(
        "audit/index.html",
        "results",
        query=query,
        problems=problems,
        listing=listing,
        names=log.names(session, firm_id, [event for event, _ in listing.items]) if listing else {},
        staff=log.staff(session, firm_id),
        actions=log.actions(session, firm_id),
    )
