"""The import form: where a row's "Import" in the "Add client" panel leads."""

import re

from flask import abort, current_app, flash, make_response, redirect, url_for
from flask_login import current_user

from portal import db
from portal.addons.api import practice_api
from portal.addons.tokens import NotConnected
from portal.auth.access import require_login
from portal.clients import service as clients
from portal.extensions import htmx
from portal.importing import bp, service, url_if_exists
from portal.importing.fetch import DEFAULT_DEPTH
from portal.importing.forms import ImportForm
from portal.web import render

bp.before_request(require_login)
CLIENT_UUID = re.compile(r"[0-9A-Za-z-]{1,64}")
SYSTEMS = {"xpm": "Xero Practice Manager", "workflowmax": "WorkflowMax"}
NOTES_SHOWN = 8


@bp.route("/clients/import/<any(xpm, workflowmax):provider>/<client_uuid>", methods=["GET", "POST"])
def new(provider, client_uuid):
    """The import form (GET), and Create (POST): the profile opens when it is stored."""
    if not CLIENT_UUID.fullmatch(client_uuid):
        abort(404)
    session, firm_id = db.session(), current_user.firm_id
    existing = service.stored_profile(session, firm_id, provider, client_uuid)
    if existing is not None and existing.standing == "client":
        return _open(existing.id)
    form = _form()
    try:
        api = practice_api(session, firm_id, provider)
        if form.validate_on_submit():
            return _create(api, provider, client_uuid, form)
        # Shown again with errors, it is the client just reviewed: XPM is not asked again.
        again = form.is_submitted()
        review = service.review(session, api, firm_id, provider, client_uuid, again=again)
    except (NotConnected, service.ImportFailed) as problem:
        not_connected = isinstance(problem, NotConnected)
        return _page(provider, client_uuid, form=form, problem=problem, not_connected=not_connected)
    form.settle(review.mapped_kind, review.contact.kind if review.contact else None)
    return _page(provider, client_uuid, form=form, review=review)


def _create(api, provider: str, client_uuid: str, form: ImportForm):
    outcome = service.import_client(
        db.session(),
        api,
        firm_id=current_user.firm_id,
        user_id=current_user.id,
        provider=provider,
        client_uuid=client_uuid,
        choices=form.choices(may_remember=current_user.is_admin),
        max_depth=int(current_app.config.get("IMPORT_MAX_DEPTH", DEFAULT_DEPTH)),
    )
    _tell(outcome)
    return _open(outcome.profile_id)


def _form() -> ImportForm:
    session = db.session()
    form = ImportForm()
    form.fill_choices(
        clients.plans(session, current_user.firm_id),
        clients.company_types(session),
        clients.trust_types(session),
    )
    return form


def _page(provider: str, client_uuid: str, **context):
    """The import block for htmx (it replaces the panel's list), the whole page otherwise."""
    return render(
        "importing/new.html",
        "import",
        provider=provider,
        system=SYSTEMS[provider],
        action=url_for("importing.new", provider=provider, client_uuid=client_uuid),
        **_back(),
        **context,
    )


def _back() -> dict:
    """ "Back to the list": inside the panel, its list again; on a page of its own, Clients."""
    panel = url_if_exists("panel.show")
    if htmx and htmx.target and panel:
        return {"back_url": panel, "back_target": "#" + htmx.target}
    return {"back_url": panel or url_for("clients.index"), "back_target": None}


def _open(profile_id: int):
    """Open the profile: HX-Redirect for htmx (a whole page, not a fragment), else a redirect."""
    target = url_for("clients.profile", profile_id=profile_id)
    if not htmx:
        return redirect(target)
    response = make_response("", 200)
    response.headers["HX-Redirect"] = target
    response.vary.add("HX-Request")
    return response


def _tell(outcome: service.Outcome) -> None:
    """Say what the import did, and anything staff should check, on the profile it opens."""
    if outcome.already_imported:
        flash(f"{outcome.name} was already in the portal; nothing was changed.")
        return
    came = f"{outcome.name} was made a client" if outcome.promoted else f"Imported {outcome.name}"
    parts = []
    if outcome.created:
        parts.append(f"{len(outcome.created)} new contact{'s'[: len(outcome.created) != 1]}")
    if outcome.linked:
        parts.append(f"{len(outcome.linked)} already in the portal, linked")
    flash(came + (f" with {' and '.join(parts)}." if parts else "."))
    for note in outcome.notes[:NOTES_SHOWN]:
        flash(note, "warning")
    if len(outcome.notes) > NOTES_SHOWN:
        flash(f"…and {len(outcome.notes) - NOTES_SHOWN} more notes in the audit log.", "warning")
