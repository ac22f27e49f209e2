"""Control endpoints for tests and benchmarks: faults, call counts, reset.

Every request needs ``Authorization: Bearer <REGISTER_SANDBOX_CONTROL_TOKEN>`` (and
``REGISTER_SANDBOX_CONTROL`` on), as the XPM sandbox's do.
"""

import hmac

from flask import Blueprint, current_app, jsonify, request

from portal.register_sandbox import runtime

control = Blueprint("register_control", __name__, url_prefix="/_control")


@control.before_request
def require_control_token():
    """Refuse requests without the control token (or when controls are off)."""
    config = current_app.config
    if not config["REGISTER_SANDBOX_CONTROL"]:
        return jsonify(error="The register sandbox's control endpoints are turned off."), 404
    scheme, _, sent = request.headers.get("Authorization", "").partition(" ")
    expected = config["REGISTER_SANDBOX_CONTROL_TOKEN"]
    if scheme.lower() != "bearer" or not hmac.compare_digest(sent.encode(), expected.encode()):
        response = jsonify(
            error="Control endpoints need the header Authorization: Bearer "
            "<REGISTER_SANDBOX_CONTROL_TOKEN> (see the README's sandbox section)."
        )
        response.headers["WWW-Authenticate"] = 'Bearer realm="register sandbox control"'
        return response, 401
    return None


@control.errorhandler(ValueError)
def bad_request(error):
    """Answer invalid control input with 400 and the reason."""
    return jsonify(error=str(error)), 400


@control.get("/faults")
def show_faults():
    """The base latency and the fault rules in force."""
    return jsonify(runtime.current().faults.describe())


@control.post("/faults")
def add_fault():
    """Add a fault rule, or set the base latency with a bare latency_ms."""
    sandbox = runtime.current()
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise ValueError("The body must be a JSON object.")
    sandbox.faults.add(body)
    return jsonify(sandbox.faults.describe()), 201


@control.delete("/faults")
def clear_faults():
    """Remove every fault rule."""
    sandbox = runtime.current()
    sandbox.faults.clear()
    return jsonify(sandbox.faults.describe())


@control.get("/calls")
def calls():
    """Calls per endpoint since start or the last reset."""
    return jsonify(calls=runtime.current().calls())


@control.post("/reset")
def reset():
    """Forget calls and runtime faults."""
    runtime.current().reset()
    return jsonify(reset=True)
