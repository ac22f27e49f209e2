from flask import abort, current_app, flash, redirect, render_template, request, session, url_for
from flask_login import current_user

from portal import confirmations, database
from portal.addons import bp, oauth, service
from portal.addons.providers import PROVIDER_KEYS, provider
from portal.addons.tokens import ConnectionTokens, NotConnected, ProviderUnreachable
from portal.auth.access import admin_required, require_login
from portal.extensions import client_address
from portal.vault import vault

bp.before_request(require_login)
PROVIDER_PATH = "<any(xpm, workflowmax):key>"


def _provider(key):
    return provider(current_app.config, key)


def _callback_url(key):
    return url_for("addons.callback", key=key, _external=True)


@bp.get("/")
def index():
    rows = service.connections(database.session(), current_user.firm_id)
    providers = [(_provider(key), rows[key]) for key in PROVIDER_KEYS]
    return render_template("addons/index.html", providers=providers)


@bp.post(f"/{PROVIDER_PATH}/connect")
@admin_required
def connect(key):
    chosen = _provider(key)
    if not chosen.configured:
        flash(
            f"{chosen.label} is not set up on this server yet: the administrator who "
            "installed the portal must set its client id and secret.",
            "error",
        )
        return redirect(url_for("addons.index"))
    firm_id, user_id = current_user.firm_id, current_user.id
    state, url = oauth.start(
        database.session(), vault(), chosen, firm_id, user_id, _callback_url(key)
    )
    session["oauth_state"] = state
    return redirect(url)


@bp.get(f"/{PROVIDER_PATH}/callback")
@admin_required
def callback(key):
    """Always answers with a redirect, so the code never sits in a page or the history."""
    chosen = _provider(key)
    try:
        row = _finish(chosen, key)
    except oauth.ConnectFailed as problem:
        flash(str(problem), "error")
        return redirect(url_for("addons.index"))
    if row.status == "choosing":
        return redirect(url_for("addons.choose", key=key))
    flash(f"Connected to {row.tenant_name}.")
    return redirect(url_for("addons.index"))


def _finish(chosen, key):
    state = request.args.get("state", "")
    expected = session.pop("oauth_state", None)
    db = database.session()
    pending = None
    if state and state == expected:  # only this browser's own request is used up
        pending = oauth.take_request(db, state, chosen, current_user.id)
    if pending is None:
        raise oauth.ConnectFailed(
            "The answer from the provider could not be matched to a connection you started "
            "(it may have expired, or come from another tab). Start again with Connect."
        )
    if request.args.get("error"):
        detail = request.args.get("error_description") or request.args["error"]
        raise oauth.ConnectFailed(f"{chosen.label} did not grant access ({detail[:200]}).")
    code = request.args.get("code")
    if not code:
        raise oauth.ConnectFailed(f"{chosen.label} sent no authorization code. Try again.")
    token = oauth.exchange_code(
        chosen, code, vault().open(pending.code_verifier), _callback_url(key)
    )
    practices = oauth.practices(chosen, token)
    firm_id, user_id = current_user.firm_id, current_user.id
    return service.save(
        db, vault(), chosen, firm_id, user_id, token, practices, address=client_address()
    )


@bp.route(f"/{PROVIDER_PATH}/choose", methods=["GET", "POST"])
@admin_required
def choose(key):
    db = database.session()
    row = service.connection(db, current_user.firm_id, key)
    if row is None or row.status != "choosing":
        return redirect(url_for("addons.index"))
    if request.method == "POST":
        tenant_id = request.form.get("tenant_id", "")
        chosen = service.choose(db, row, tenant_id, current_user.id, address=client_address())
        if chosen:
            flash(f"Connected to {row.tenant_name}.")
            return redirect(url_for("addons.index"))
        flash("Choose one of the practices listed.", "error")
    return render_template("addons/choose.html", provider=_provider(key), row=row)


@bp.post(f"/{PROVIDER_PATH}/disconnect")
@admin_required
def disconnect(key):
    chosen = _provider(key)
    db = database.session()
    row = service.connection(db, current_user.firm_id, key)
    if row is None:
        abort(404)
    if not confirmations.confirmed():
        return confirmations.ask(confirmations.disconnect_addon(chosen))
    access = _current_access_token(chosen, row)
    database.end_read(db)  # no transaction stays open while the provider is called
    problems = service.revoke_at_provider(vault(), chosen, row, access)
    service.forget(db, chosen, row, current_user.id, problems, address=client_address())
    if problems:
        flash(
            f"Disconnected here, but {'; '.join(problems)}. Remove the Portal app from "
            f"{chosen.label}'s connected apps to be sure.",
            "error",
        )
    else:
        flash(f"Disconnected from {chosen.label}.")
    return redirect(url_for("addons.index"))


def _current_access_token(chosen, row) -> str | None:
    if row.status != "connected":
        return None
    tokens = ConnectionTokens(current_app.extensions["portal.sessions"], vault(), chosen, row.id)
    try:
        return tokens.access_token()
    except (NotConnected, ProviderUnreachable):
        return None
