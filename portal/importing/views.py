"""The import form: where a row's "Import" in the "Add client" panel leads.

Neither the form nor Create keeps a request waiting on XPM for more than a moment: the
form fills itself in once XPM has answered (it asks again every second), and Create shows
the import's progress until the new profile opens (``runs``).
"""

import re
import time

from flask import abort, current_app, flash, redirect, request, url_for
from flask_login import current_user

from portal import database, nzbn, shared
from portal.addons.api import practice_api
from portal.addons.tokens import NotConnected
from portal.auth.access import require_login
from portal.clients import service as clients
from portal.extensions import htmx
from portal.importing import bp, memory, runs, service
from portal.importing import register as linked
from portal.importing.forms import ImportForm
from portal.jobs import runner
from portal.reference import PROVIDER_LABELS
from portal.web import open_page, render

bp.before_request(require_login)
CLIENT_UUID = re.compile(r"[0-9A-Za-z-]{1,64}")
NOTES_SHOWN = 8
IMPORT_PATH = "/clients/import/<any(xpm, workflowmax):provider>/<client_uuid>"
#: Seconds the form may spend asking the register about the client (two calls, retries in).
REGISTER_FORM_SECONDS = 3.0
#: Seconds Create may spend reading the register entity again before its write.
REGISTER_CREATE_SECONDS = 20.0


@bp.route(IMPORT_PATH, methods=["GET", "POST"])
def new(provider, client_uuid):
    """The import form (GET), and Create (POST): the profile opens when it is stored."""
    if not CLIENT_UUID.fullmatch(client_uuid):
        abort(404)
    session, firm_id = database.session(), current_user.firm_id
    done = service.already_imported(session, firm_id, provider, client_uuid)
    if done is not None:
        return _open(done.profile_id)
    form = _form()
    client_key = memory.key(firm_id, provider, client_uuid)
    try:
        api = practice_api(session, firm_id, provider)
        database.end_read(session)  # nothing is held while waiting on XPM or another worker
        if form.validate_on_submit():
            return _create(api, provider, client_uuid, client_key, form)
        wait = 0.0 if request.args.get("waiting") else _wait()  # the page asking again
        client = runs.reviewed_client(shared.store(), runner(), api, client_key, client_uuid, wait)
        if client is None:
            return _page(provider, client_uuid, form=form, waiting=True)
        register = _register(REGISTER_FORM_SECONDS)
        lookup = linked.remembered_look_up(shared.store(), client_key, register, client)
        review = service.review(
            session, None, firm_id, provider, client_uuid, client=client, lookup=lookup
        )
    except (NotConnected, service.ImportFailed) as problem:
        not_connected = isinstance(problem, NotConnected)
        return _page(provider, client_uuid, form=form, problem=problem, not_connected=not_connected)
    contact_kind = review.contact.kind if review.contact else None
    form.settle(review.mapped_kind, contact_kind, review.mapped_type)
    return _page(provider, client_uuid, form=form, review=review)


@bp.get(IMPORT_PATH + "/progress")
def progress(provider, client_uuid):
    """How an import started with Create is going: the profile once it is stored."""
    if not CLIENT_UUID.fullmatch(client_uuid):
        abort(404)
    client_key = memory.key(current_user.firm_id, provider, client_uuid)
    return _after_create(provider, client_uuid, runs.progress(shared.store(), client_key))


def _create(api, provider: str, client_uuid: str, client_key: str, form: ImportForm):
    state = runs.start_import(
        shared.store(),
        runner(),
        current_app.extensions["portal.sessions"],
        api,
        client_key=client_key,
        wait=_wait(),
        firm_id=current_user.firm_id,
        user_id=current_user.id,
        provider=provider,
        client_uuid=client_uuid,
        choices=form.choices(may_remember=current_user.is_admin),
        max_depth=int(current_app.config["IMPORT_MAX_DEPTH"]),
        register=_register(REGISTER_CREATE_SECONDS),
        link_nzbn=form.link_nzbn(),
    )
    return _after_create(provider, client_uuid, state, form)


def _after_create(provider: str, client_uuid: str, state: dict, form: ImportForm | None = None):
    """Open the profile, say what failed, or show how far the import has got."""
    if state["status"] == "done":
        outcome = runs.outcome_of(state)
        _tell(outcome)
        return _open(outcome.profile_id)
    if state["status"] == "failed":
        problem = service.ImportFailed(state["message"], state["retryable"])
        return _page(provider, client_uuid, form=form or _form(), problem=problem)
    if state["status"] == "none":  # nothing under way here: the form again
        return redirect(url_for("importing.new", provider=provider, client_uuid=client_uuid))
    waited = max(0, round(time.time() - state.get("started", time.time())))
    return _page(provider, client_uuid, form=form or _form(), importing={**state, "waited": waited})


def _register(seconds: float) -> nzbn.RegisterApi | None:
    """The register client for one step, or None when the portal has no subscription key."""
    if not nzbn.configured(current_app.config):
        return None
    return nzbn.api_from_config(current_app.config).within(seconds)


def _wait() -> float:
    return float(current_app.config["IMPORT_REQUEST_WAIT"])


def _form() -> ImportForm:
    session = database.session()
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
        system=PROVIDER_LABELS[provider],
        action=url_for("importing.new", provider=provider, client_uuid=client_uuid),
        again_url=url_for("importing.new", provider=provider, client_uuid=client_uuid, waiting=1),
        progress_url=url_for("importing.progress", provider=provider, client_uuid=client_uuid),
        **_back(),
        **context,
    )


def _back() -> dict:
    """ "Back to the list": inside the panel, its list again; on a page of its own, Clients."""
    panel = url_for("panel.show")
    if htmx and htmx.target:
        return {"back_url": panel, "back_target": "#" + htmx.target}
    return {"back_url": panel, "back_target": None}


def _open(profile_id: int):
    """Open the profile (the whole page, also from the panel)."""
    return open_page(url_for("clients.profile", profile_id=profile_id))


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
