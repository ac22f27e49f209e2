"""Control endpoints for tests and benchmarks: faults, call counts, rate-limit statistics,
reset, clock, data changes.

Every request needs ``Authorization: Bearer <SANDBOX_CONTROL_TOKEN>`` (and ``SANDBOX_CONTROL``
on): they can slow, break or rewrite the practice, so neither a page in a browser nor anyone
else who can reach the port may use them.
"""

import hmac
import re

from flask import Blueprint, current_app, jsonify, request

from portal.sandbox import records, runtime, store, tenants, xml

control = Blueprint("control", __name__, url_prefix="/_control")

RELATIONSHIP_TYPES = (
    "Director",
    "Shareholder",
    "Trustee",
    "Beneficiary",
    "Partner",
    "Settlor",
    "Associate",
    "Secretary",
    "Public Officer",
    "Husband",
    "Wife",
    "Spouse",
    "Parent Of",
    "Child Of",
    "Appointer",
    "Member",
    "Auditor",
    "Owner",
)
#: Characters XML 1.0 cannot carry: refused, so every answer stays well-formed.
NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
FIELDS = xml.CLIENT_FIELDS | set(records.FLAGS)


def require_token(blueprint: Blueprint, setting: str, sandbox: str) -> None:
    """Refuse ``blueprint``'s requests without the token in ``<setting>_TOKEN``, or when
    ``setting`` turns the controls off; ``sandbox`` names the sandbox in the refusals."""

    @blueprint.before_request
    def require_control_token():
        """Refuse requests without the control token (or when controls are off)."""
        config = current_app.config
        if not config[setting]:
            return jsonify(error=f"The {sandbox}'s control endpoints are turned off."), 404
        scheme, _, sent = request.headers.get("Authorization", "").partition(" ")
        expected = config[f"{setting}_TOKEN"]
        if scheme.lower() != "bearer" or not hmac.compare_digest(sent.encode(), expected.encode()):
            response = jsonify(
                error="Control endpoints need the header Authorization: Bearer "
                f"<{setting}_TOKEN> (see the README's sandbox section)."
            )
            response.headers["WWW-Authenticate"] = f'Bearer realm="{sandbox} control"'
            return response, 401
        return None


def fault_and_call_routes(blueprint: Blueprint, current, body) -> None:
    """Add to ``blueprint`` the control endpoints every sandbox has: its faults and its call
    counts, of the sandbox ``current()`` gives; ``body()`` is a request's JSON object, and
    invalid input is answered with 400 and the reason."""

    @blueprint.errorhandler(ValueError)
    def bad_request(error):
        """Answer invalid control input with 400 and the reason."""
        return jsonify(error=str(error)), 400

    @blueprint.get("/faults")
    def show_faults():
        """The base latency and the fault rules in force."""
        return jsonify(current().faults.describe())

    @blueprint.post("/faults")
    def add_fault():
        """Add a fault rule, or set the base latency with a bare latency_ms."""
        sandbox = current()
        sandbox.faults.add(body())
        return jsonify(sandbox.faults.describe()), 201

    @blueprint.delete("/faults")
    def clear_faults():
        """Remove every fault rule."""
        sandbox = current()
        sandbox.faults.clear()
        return jsonify(sandbox.faults.describe())

    @blueprint.get("/calls")
    def calls():
        """Calls per endpoint since start or the last reset."""
        return jsonify(calls=current().calls())


def _body() -> dict:
    body = request.get_json(silent=True)
    if body is None and request.get_data():
        raise ValueError("The body must be JSON.")
    if body is not None and not isinstance(body, dict):
        raise ValueError("The body must be a JSON object.")
    return body or {}


require_token(control, "SANDBOX_CONTROL", "sandbox")
fault_and_call_routes(control, runtime.current, _body)


@control.get("/stats")
def stats():
    """Per tenant, since start or the last reset, as the API saw the calls: admitted, 429s
    by problem, the most in flight and in any rolling minute, admitted per whole minute."""
    return jsonify(runtime.current().limits.stats())


@control.post("/reset")
def reset():
    """Forget calls, limits, faults and clock moves; ``{"data": true}`` also re-seeds."""
    sandbox, body = runtime.current(), _body()
    sandbox.reset()
    if body.get("data"):
        with sandbox.engine.connect() as connection:
            size = store.seeded_size(connection) or current_app.config["SANDBOX_SEED_CLIENTS"]
        store.seed(sandbox.engine, size)
    return jsonify(reset=True)


@control.post("/clock")
def move_clock():
    """Move the sandbox's clock forward (tokens expire, grace periods end) without waiting."""
    seconds = _body().get("advance_seconds")
    if isinstance(seconds, bool) or not isinstance(seconds, int | float) or seconds < 0:
        raise ValueError("advance_seconds must be a number of seconds, 0 or more.")
    sandbox = runtime.current()
    sandbox.clock_offset += float(seconds)
    return jsonify(offset_seconds=sandbox.clock_offset)


def _tenant(body: dict) -> str:
    tenant = str(body.get("tenant") or tenants.KOWHAI.id).lower()
    if tenant not in {t.id for t in tenants.WITH_DATA}:
        raise ValueError("tenant must be the id of a sandbox tenant that holds clients.")
    return tenant


def _fields(body: dict) -> dict:
    fields = {}
    for name, value in body.items():
        if name in ("tenant", "Relationships"):
            continue
        if name not in FIELDS:
            raise ValueError(f"{name} is not a client field the sandbox knows.")
        if not isinstance(value, str | bool) or (
            isinstance(value, str) and (NOT_XML.search(value) or len(value) > 2000)
        ):
            raise ValueError(f"{name} must be text XML can carry (or true/false for flags).")
        fields[name] = value
    return fields


def _orient(new_uuid: str, spec: dict) -> tuple[str, str, str]:
    """(entity, party, type) for a relationship as the new client's record would show it."""
    kind, related = spec.get("Type"), str(spec.get("RelatedClient", "")).lower()
    if kind in RELATIONSHIP_TYPES:
        return (related, new_uuid, "Parent Of") if kind == "Child Of" else (new_uuid, related, kind)
    base = str(kind).removesuffix(" Of")
    if base in RELATIONSHIP_TYPES and kind == f"{base} Of":
        return related, new_uuid, base
    raise ValueError(
        f"Relationship Type must be one of {', '.join(RELATIONSHIP_TYPES)} (or 'X Of')."
    )


@control.post("/clients")
def add_client():
    """Add a client as if created in XPM; optional Relationships to existing clients."""
    body, sandbox = _body(), runtime.current()
    tenant, fields = _tenant(body), _fields(body)
    if not str(fields.get("Name", "")).strip():
        raise ValueError("Name is required.")
    with store.writing(sandbox.engine) as connection:
        client_uuid = records.add_client(connection, tenant, fields, sandbox.now())
        for spec in body.get("Relationships") or []:
            entity, party, kind = _orient(client_uuid, spec)
            other = party if entity == client_uuid else entity
            if records.get_client(connection, tenant, other) is None:
                raise ValueError("RelatedClient must be the UUID of a client of the same tenant.")
            shares = spec.get("NumberOfShares")
            records.relate(
                connection,
                tenant,
                entity,
                party,
                kind,
                int(shares) if shares is not None else None,
                sandbox.now(),
            )
    return jsonify(uuid=client_uuid), 201


@control.patch("/clients/<client_uuid>")
def change_client(client_uuid):
    """Change fields or status: ``{"IsArchived": "Yes"}`` archives the client."""
    body, sandbox = _body(), runtime.current()
    tenant, fields = _tenant(body), _fields(body)
    if "Name" in fields and not str(fields["Name"]).strip():
        raise ValueError("Name cannot be empty.")
    with store.writing(sandbox.engine) as connection:
        changed = records.change_client(
            connection, tenant, client_uuid.lower(), fields, sandbox.now()
        )
    if not changed:
        return jsonify(error="No such client."), 404
    return jsonify(uuid=client_uuid.lower())
