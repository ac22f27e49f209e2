"""An uploaded report kept between its steps, and the progress of its import.

The file stays in the installation's shared store (Redis, or this process) for two hours,
under a random token and for its firm only: the steps read it again rather than asking the
browser to send it twice. What the user chose so far is kept beside it.
"""

import hashlib
import json
import secrets
import zlib

from portal.shared import store

HOURS = 2 * 3600
PREFIX = "report-import:"


def keep(firm_id: int, user_id: int, filename: str, data: bytes, table, mapping):
    """Keep an uploaded file (read as ``table``); its token."""
    token = secrets.token_urlsafe(18)
    store().put(PREFIX + token + ":file", zlib.compress(data, 1), HOURS)
    put(
        token,
        {
            "firm_id": firm_id,
            "user_id": user_id,
            "filename": filename,
            "bytes": len(data),
            "sha256": hashlib.sha256(data).hexdigest(),
            "format": table.format,
            "headers": table.headers,
            "mapping": mapping,
            "one_client": [],
            "overrides": {},
        },
    )
    return token


def get(token: str, firm_id: int) -> dict | None:
    """The upload's state, if it is the firm's and still kept."""
    raw = store().get(PREFIX + token)
    state = json.loads(raw) if raw else None
    return state if state and state["firm_id"] == firm_id else None


def put(token: str, state: dict) -> None:
    """Save what the user chose so far."""
    store().put(PREFIX + token, json.dumps(state).encode(), HOURS)


def file(token: str) -> bytes | None:
    """The uploaded file's bytes, as received."""
    raw = store().get(PREFIX + token + ":file")
    return zlib.decompress(raw) if raw else None


def progress(token: str) -> dict | None:
    """How far the import has got: {status, done, total, …}, or None before it starts."""
    raw = store().get(PREFIX + token + ":progress")
    return json.loads(raw) if raw else None


def record_progress(token: str, **values) -> None:
    """Say how far the import has got (read by the progress page from any worker)."""
    store().put(PREFIX + token + ":progress", json.dumps(values).encode(), HOURS)


def claim(token: str) -> bool:
    """True for the first confirmation of an upload: a second one does not start again."""
    return store().claim(PREFIX + token + ":claim", b"1", HOURS)
