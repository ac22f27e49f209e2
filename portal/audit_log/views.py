"""The audit log page: administrators read their firm's log; nobody edits it from here."""

from datetime import date

from flask import Blueprint, request, url_for
from flask_login import current_user

from portal import db
from portal.audit_log import log
from portal.auth.access import admin_required, require_login
from portal.limits import day_problem, page_number, row_id
from portal.web import render

bp = Blueprint("audit", __name__, url_prefix="/audit")
bp.before_request(require_login)
bp.add_app_template_filter(log.action_label, "action_label")
bp.add_app_template_filter(log.action_sentence, "action_sentence")
bp.add_app_template_filter(log.outcome_label, "outcome_label")

#: Where an event's object can be opened, by object type.
OBJECT_PAGES = {
    "profile": ("clients.profile", "profile_id"),
    "bulk_import": ("bulk.show", "import_id"),
}


@bp.app_template_global()
def audit_object_url(event) -> str | None:
    """The page of the object an event is about, if it has one."""
    page = OBJECT_PAGES.get(event.object_type or "")
    if page is None or event.object_id is None:
        return None
    endpoint, argument = page
    return url_for(endpoint, **{argument: event.object_id})


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
    session, firm_id, problems = db.session(), current_user.firm_id, []
    query = _query(request.args, problems)
    return render(
        "audit/index.html",
        "results",
        query=query,
        problems=problems,
        listing=None if problems else log.events(session, firm_id, query),
        staff=log.staff(session, firm_id),
        actions=log.actions(session, firm_id),
    )
