"""Token, revocation and connections endpoints, for Xero's identity service and BlueRock's.

Xero takes the app's credentials in an HTTP Basic header; WorkflowMax (BlueRock) in the
form body. Each refuses the other way, so a portal that sends them wrongly finds out here.
"""

import hmac

from flask import Blueprint, current_app, jsonify, request

from portal.sandbox import authorisations, consent, grants, runtime
from portal.sandbox.pipeline import endpoint, problem

identity = Blueprint("identity", __name__)
workflowmax = Blueprint("workflowmax", __name__, url_prefix="/workflowmax/oauth")


def _app_credentials(provider: str) -> str:
    """The authenticated client id; OAuthError ``invalid_client`` otherwise."""
    basic = request.authorization
    if provider == "xero":
        if basic is None or basic.type != "basic":
            raise grants.OAuthError(
                "invalid_client", "Send client credentials with HTTP Basic.", 401
            )
        client_id, secret = basic.username or "", basic.password or ""
    else:
        if basic is not None:
            raise grants.OAuthError(
                "invalid_client", "Send client_id and client_secret in the form body.", 401
            )
        client_id, secret = request.form.get("client_id", ""), request.form.get("client_secret", "")
    app = current_app.config["SANDBOX_CLIENTS"].get(client_id)
    if (
        app is None
        or app.get("provider", "xero") != provider
        or not hmac.compare_digest(secret.encode(), str(app["secret"]).encode())
    ):
        raise grants.OAuthError("invalid_client", "Unknown client or wrong secret.", 401)
    return client_id


def _oauth_json(body: dict, status: int = 200):
    response = jsonify(body)
    response.status_code = status
    response.headers["Cache-Control"] = "no-store"
    response.headers["Pragma"] = "no-cache"
    return response


def _token(provider: str):
    form, sandbox = request.form, runtime.current()
    try:
        client_id = _app_credentials(provider)
        grant_type = form.get("grant_type")
        if grant_type == "authorization_code":
            body = grants.exchange_code(
                sandbox,
                client_id,
                form.get("code", ""),
                form.get("redirect_uri", ""),
                form.get("code_verifier"),
            )
        elif grant_type == "refresh_token":
            body = grants.refresh(sandbox, client_id, form.get("refresh_token", ""))
        else:
            raise grants.OAuthError("unsupported_grant_type")
    except grants.OAuthError as failure:
        error = {"error": failure.error}
        if failure.description:
            error["error_description"] = failure.description
        response = _oauth_json(error, failure.status)
        if failure.status == 401 and provider == "xero":
            response.headers["WWW-Authenticate"] = 'Basic realm="sandbox"'
        return response
    return _oauth_json(body)


def _revoke(provider: str):
    try:
        client_id = _app_credentials(provider)
    except grants.OAuthError as failure:
        return _oauth_json({"error": failure.error}, failure.status)
    grants.revoke(runtime.current(), client_id, request.form.get("token", ""))
    return "", 200


# --- Xero identity -------------------------------------------------------------------------
@identity.route("/identity/connect/authorize", methods=["GET", "POST"])
@endpoint("identity/connect/authorize")
def authorize():
    """Xero's authorize step: the consent page and its answer."""
    return consent.authorize("xero")


@identity.post("/identity/connect/token")
@endpoint("identity/connect/token")
def token():
    """Xero's token endpoint."""
    return _token("xero")


@identity.post("/identity/connect/revocation")
@endpoint("identity/connect/revocation")
def revocation():
    """Xero's revocation endpoint."""
    return _revoke("xero")


def _bearer_client() -> str:
    scheme, _, value = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer":
        raise grants.AccessDenied(401, "AuthenticationUnsuccessful")
    return grants.verify(runtime.current(), value.strip(), "xero").client_id


@identity.get("/xero/connections")
@endpoint("xero/connections")
def connections():
    """The tenants the calling app is connected to."""
    try:
        client_id = _bearer_client()
    except grants.AccessDenied as denied:
        return problem(denied.status, denied.detail)
    event = request.args.get("authEventId")
    return jsonify(authorisations.list_connections(runtime.current(), client_id, event))


@identity.delete("/xero/connections/<connection_id>")
@endpoint("xero/connections/delete")
def delete_connection(connection_id):
    """Disconnect one tenant from the calling app."""
    try:
        client_id = _bearer_client()
    except grants.AccessDenied as denied:
        return problem(denied.status, denied.detail)
    if not authorisations.delete_connection(runtime.current(), client_id, connection_id):
        return problem(404, "Connection not found")
    return "", 204


# --- WorkflowMax (BlueRock) ------------------------------------------------------------------
@workflowmax.route("/authorize", methods=["GET", "POST"])
@endpoint("workflowmax/oauth/authorize")
def workflowmax_authorize():
    """BlueRock's authorize step: the same consent page."""
    return consent.authorize("workflowmax")


@workflowmax.post("/token")
@endpoint("workflowmax/oauth/token")
def workflowmax_token():
    """BlueRock's token endpoint (credentials in the form body)."""
    return _token("workflowmax")


@workflowmax.post("/revoke")
@endpoint("workflowmax/oauth/revoke")
def workflowmax_revoke():
    """BlueRock's revocation endpoint."""
    return _revoke("workflowmax")
