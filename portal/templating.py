"""Every filter and global the templates use, registered in one place at start-up (before
any template is compiled), so a reader looking for ``|ago`` or ``import_url`` finds it here."""

from flask import url_for

from portal import confirmations, nzbn, web
from portal.audit_log import log, wording
from portal.bulk import report
from portal.clients.checklist import Item, needs_companies_office, shows_companies_office_warning
from portal.panel import rows as panel_rows
from portal.roles.service import ended, offers_settlement_date
from portal.text import matches

#: Where an event's object can be opened, by object type.
OBJECT_PAGES = {
    "profile": ("clients.profile", "profile_id"),
    "bulk_import": ("bulk.show", "import_id"),
}


def audit_object_url(event) -> str | None:
    """The page of the object an audit event is about, if it has one."""
    page = OBJECT_PAGES.get(event.object_type or "")
    if page is None or event.object_id is None:
        return None
    endpoint, argument = page
    return url_for(endpoint, **{argument: event.object_id})


#: Checklist items completed on the profile page itself, not on a form.
ON_PROFILE_PAGE = frozenset({"kind", "shareholders"})


def checklist_link(profile, item: Item) -> str:
    """Where a checklist item is completed: the very control, as ``#field-NAME`` (focused and
    highlighted on arrival): a role's edit form, the add form with the role chosen, the
    profile page, or the profile's edit form (docs/spec.md §5)."""
    anchor = f"#field-{item.field}"
    if item.association_id is not None:
        ids = {"profile_id": profile.id, "association_id": item.association_id}
        return url_for("roles.edit", **ids) + anchor
    if item.role:
        return url_for("roles.new", profile_id=profile.id, role=item.role) + anchor
    if item.field in ON_PROFILE_PAGE:
        return anchor
    return url_for("clients.edit", profile_id=profile.id) + anchor


def import_url(provider: str, client_uuid: str) -> str:
    """Where a panel row's "Import" leads: the import form."""
    return url_for("importing.new", provider=provider, client_uuid=client_uuid)


FILTERS = {
    "action_label": log.action_label,
    "action_sentence": log.action_sentence,
    "ago": web.ago,
    "browser_name": web.browser_name,
    "describe_row": report.describe,
    "filing_obligation_label": web.filing_obligation_label,
    "ended": ended,
    "extra_label": web.extra_label,
    "kind_label": web.kind_label,
    "matches": matches,
    "month_name": web.month_name,
    "nzdate": web.nzdate,
    "nztime": web.nztime,
    "origin_label": web.origin_label,
    "outcome_label": log.outcome_label,
    "register_page": nzbn.public_page,
    "role_label": web.role_label,
    "role_of": web.role_of,
    "row_details": panel_rows.details,
    "safe_web_address": web.safe_web_address,
}


def confirmation(name: str, *objects):
    """The words of one confirmation (portal/confirmations.py) for the confirm_button macro."""
    return getattr(confirmations, name)(*objects)


GLOBALS = {
    "confirmation": confirmation,
    "audit_object_url": audit_object_url,
    "audit_lines": wording.lines,
    "audit_sentence": wording.sentence,
    "checklist_link": checklist_link,
    "import_url": import_url,
    "needs_companies_office": needs_companies_office,
    "shows_companies_office_warning": shows_companies_office_warning,
    "offers_settlement_date": offers_settlement_date,
}


def init_app(app) -> None:
    """Give every template the filters and globals above, ``do``, and hidden characters
    shown as markers wherever ``{{ … }}`` prints text."""
    app.jinja_env.add_extension("jinja2.ext.do")
    app.jinja_env.finalize = web.show_hidden_characters
    app.jinja_env.filters.update(FILTERS)
    app.jinja_env.globals.update(GLOBALS)
