"""What the installation remembers about imports between requests, in its shared store (in
Redis when there are several workers, see ``portal.shared``):

- the client just read from XPM to draw the import form, so Create does not read it again
  (the user imports what they reviewed, and the import costs one call less);
- what the Companies Office register said of that client's company number, for the same
  reasons: redrawing the form asks it nothing, and Create links what the form showed;
- that XPM is being read for a client's form (and whether anyone still looks at it), or
  why that failed;
- the one import of a client under way, and how it went: every Create of that client, in
  any worker, waits on it and opens the same profile.

Everything expires: a worker that dies mid-import holds its client for a few minutes at
most. Values are JSON, so nothing read back can run code.
"""

import json
import secrets
import time

from portal.nzbn.records import Entity, entity_from_json, entity_to_json
from portal.xpm.records import XpmClient, client_from_json, client_to_json

REVIEWED_SECONDS = 600
#: How long reading a client for its form may claim it (its calls' own budget is less).
READING_SECONDS = 120
#: A failed read is shown to whoever is waiting for it, for this long.
FAILURE_SECONDS = 30
#: A form not asked for in this long has been left: its read need not spend a call.
WANTED_SECONDS = 5
#: How long an import may claim its client (more than its calls' budget), and how long
#: its outcome is kept for those still waiting on it.
IMPORTING_SECONDS = 240
OUTCOME_SECONDS = 600


def key(firm_id: int, provider: str, client_uuid: str) -> str:
    """The name an XPM client of a firm is remembered under."""
    return f"{firm_id}:{provider}:{client_uuid.strip().lower()}"


# --- The client reviewed on the form --------------------------------------------------------
def remember_reviewed(store, client_key: str, client: XpmClient) -> None:
    """Keep ``client`` as just read for the form."""
    store.put(f"reviewed:{client_key}", client_to_json(client).encode(), REVIEWED_SECONDS)


def reviewed(store, client_key: str) -> XpmClient | None:
    """The client read for the form lately, if any."""
    found = store.get(f"reviewed:{client_key}")
    return None if found is None else client_from_json(found.decode())


def forget_reviewed(store, client_key: str) -> None:
    """Read the client afresh next time (Try again)."""
    store.delete(f"reviewed:{client_key}")


def remember_register(store, client_key: str, number: str, entity: Entity | None) -> None:
    """Keep the register's entity with company ``number`` (``None``: the register has none)."""
    said = {"number": number, "entity": None if entity is None else entity_to_json(entity)}
    store.put(f"register:{client_key}", json.dumps(said).encode(), REVIEWED_SECONDS)


def register_said(store, client_key: str, number: str) -> tuple[bool, Entity | None]:
    """(asked, entity): whether the register was asked lately about company ``number`` for
    the client's form, and the entity it gave (``None`` if it has no such company)."""
    found = store.get(f"register:{client_key}")
    said = json.loads(found) if found else None
    if not said or said["number"] != number:
        return False, None
    return True, None if said["entity"] is None else entity_from_json(said["entity"])


def want(store, client_key: str) -> None:
    """Somebody is looking at the client's form (it asks again every second)."""
    store.put(f"wanted:{client_key}", b"1", WANTED_SECONDS)


def wanted(store, client_key: str) -> bool:
    """True while somebody looks at the client's form."""
    return store.get(f"wanted:{client_key}") is not None


def start_reading(store, client_key: str) -> str | None:
    """Claim reading the client for its form; a token to end it with, or None if someone
    (in any worker) is reading it already."""
    token = secrets.token_hex(8)
    return token if store.claim(f"reading:{client_key}", token.encode(), READING_SECONDS) else None


def end_reading(store, client_key: str, token: str, failure: dict | None = None) -> None:
    """The read is over; ``failure`` ({"message", "retryable"}) says why it did not succeed."""
    if failure is not None:
        store.put(f"read-failed:{client_key}", json.dumps(failure).encode(), FAILURE_SECONDS)
    store.release(f"reading:{client_key}", token.encode())


def reading(store, client_key: str) -> bool:
    """True while somebody reads the client for its form."""
    return store.get(f"reading:{client_key}") is not None


def read_failure(store, client_key: str) -> dict | None:
    """Why the last read of the client failed, once (it is forgotten as it is told)."""
    found = store.get(f"read-failed:{client_key}")
    if found is None:
        return None
    store.delete(f"read-failed:{client_key}")
    return json.loads(found)


# --- The import under way ------------------------------------------------------------------
def start_import(store, client_key: str) -> str | None:
    """Claim importing the client; a token, or None while another import of it runs."""
    token = secrets.token_hex(8)
    if not store.claim(f"importing:{client_key}", token.encode(), IMPORTING_SECONDS):
        return None
    save_import(store, client_key, {"status": "running", "token": token, "started": time.time()})
    return token


def save_import(store, client_key: str, state: dict) -> None:
    """Record how the import is going: {"status": "running" | "done" | "failed", …}."""
    store.put(f"import:{client_key}", json.dumps(state).encode(), OUTCOME_SECONDS)


def import_state(store, client_key: str) -> dict | None:
    """How the latest import of the client is going, or went."""
    found = store.get(f"import:{client_key}")
    return json.loads(found) if found else None


def end_import(store, client_key: str, token: str, state: dict) -> None:
    """The import is over (``state`` says how); another may start."""
    save_import(store, client_key, {**state, "token": token})
    store.release(f"importing:{client_key}", token.encode())


def importing(store, client_key: str) -> bool:
    """True while an import of the client runs (in any worker)."""
    return store.get(f"importing:{client_key}") is not None
