"""Control endpoints for tests and benchmarks: faults, call counts, reset.

Every request needs ``Authorization: Bearer <REGISTER_SANDBOX_CONTROL_TOKEN>`` (and
``REGISTER_SANDBOX_CONTROL`` on), as the XPM sandbox's do.
"""

from flask import Blueprint, jsonify, request

from portal.register_sandbox import runtime
from portal.sandbox import control as shared

control = Blueprint("register_control", __name__, url_prefix="/_control")


def _body() -> dict:
    """The request's JSON object (anything else, or nothing, is refused)."""
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise ValueError("The body must be a JSON object.")
    return body


shared.require_token(control, "REGISTER_SANDBOX_CONTROL", "register sandbox")
shared.fault_and_call_routes(control, runtime.current, _body)


@control.post("/reset")
def reset():
    """Forget calls and runtime faults."""
    runtime.current().reset()
    return jsonify(reset=True)
