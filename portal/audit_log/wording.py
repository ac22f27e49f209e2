"""The audit log in the practice's words: an event's stored details rendered as labelled
lines (field labels, not column names; names, not ids), for old rows as well as new ones.
What is stored does not change; only how it reads (docs/spec.md, "The audit log reads")."""

import re
from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache

from portal.reference import KIND_LABELS, PROVIDER_LABELS
from portal.web import nzdate, role_label

ADDRESSES = {
    "physical": "Physical address",
    "postal": "Postal address",
    "registered": "Registered office",
    "service": "Address for service",
}
ADDRESS_PARTS = {"city": "city", "region": "region", "postcode": "postcode", "country": "country"}
#: Keys of an event's details, as the log's readers call them.
DETAIL_LABELS = {
    "changes": "Changed",
    "created": "New profiles for its people and entities",
    "linked": "Already in the portal, linked",
    "new_contacts": "New contacts",
    "linked_parties": "Already in the portal, linked",
    "associations": "Roles recorded",
    "notes": "Notes",
    "provider": "System",
    "promoted": "An existing contact made a client",
    "register_nzbn": "Linked to the Companies Office as NZBN",
    "relationships_added": "Relationships added",
    "relationships_removed": "Relationships removed",
    "roles_ended": "Roles ended",
    "roles_added": "Roles added",
    "shares_changed": "Shares changed",
    "party": "Person or entity",
    "party_id": "Person or entity",
    "from_xpm": "Came from XPM",
    "xpm_name": "Name in XPM",
    "file": "File",
    "before": "Before",
    "nzbn": "NZBN",
    "company_number": "Company number",
    "status": "Status on the register",
    "role": "Role",
}
#: Ids and checksums mean nothing to the practice; the names beside them say it.
HIDDEN = re.compile(r"(^|_)(id|ids|uuid|sha256)$|^client_uuid$|^association_id$")
#: "…: 0 created, 0 linked" as import summaries were first worded (the profile itself uncounted).
OLD_IMPORT_COUNTS = re.compile(r": (\d+) created, (\d+) linked")


@dataclass(frozen=True)
class Line:
    """One labelled line of an event's details; ``items`` when it is a list."""

    label: str
    text: str = ""
    items: tuple[str, ...] = ()
    changes: tuple[tuple[str, str, str], ...] = ()  # (field, before, after)


@lru_cache(maxsize=1)
def _form_labels() -> dict[str, str]:
    from portal.merging.service import labels  # the profile forms' own labels

    found: dict[str, str] = {}
    for kind in ("company", "trust", "individual"):
        for key, label in labels(kind).items():
            found.setdefault(key, label)
    return found


def field_label(key: str) -> str:
    """A profile field as the forms label it: physical_address → "Physical address"."""
    prefix, _, part = key.partition("_")
    if prefix in ADDRESSES and part == "address":
        return ADDRESSES[prefix]
    if prefix in ADDRESSES and part in ADDRESS_PARTS:
        return f"{ADDRESSES[prefix]}: {ADDRESS_PARTS[part]}"
    return _form_labels().get(key) or DETAIL_LABELS.get(key) or key.replace("_", " ").capitalize()


def import_counts(created: int, linked: int) -> str:
    """What came with an imported client, counted: its own profile is not among them."""
    parts = []
    if created:
        plural = "" if created == 1 else "s"
        parts.append(f"{created} new profile{plural} for its people and entities")
    if linked:
        parts.append(f"{linked} already in the portal linked")
    return ", with " + " and ".join(parts) if parts else ", on its own"


def sentence(event, fallback: str) -> str:
    """What happened, in one line; import summaries worded the old way are reworded."""
    summary = event.summary or fallback
    if event.action == "import":
        summary = OLD_IMPORT_COUNTS.sub(
            lambda m: import_counts(int(m.group(1)), int(m.group(2))), summary, count=1
        )
    return summary


def shown(value, names: dict[int, str] | None = None) -> str:
    """One stored value as text: dates in New Zealand style, yes/no, "(empty)"."""
    if value is None or value == "":
        return "(empty)"
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, date | datetime):
        return nzdate(value)
    if isinstance(value, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        return nzdate(date.fromisoformat(value))
    if isinstance(value, dict):
        return _described(value)
    if isinstance(value, list | tuple):
        return ", ".join(shown(item) for item in value)
    return str(value)


def _described(entry: dict) -> str:
    """A stored person, entity or role: its name and kind or role, never its ids."""
    name = entry.get("name") or entry.get("party") or entry.get("xpm_name")
    extra = []
    if entry.get("kind"):
        extra.append(KIND_LABELS.get(entry["kind"], entry["kind"]).lower())
    if entry.get("role"):
        extra.append(role_label(entry["role"]).lower())
    if name:
        return name + (f" ({', '.join(extra)})" if extra else "")
    rest = {k: v for k, v in entry.items() if not HIDDEN.search(k)}
    return "; ".join(f"{field_label(k)}: {shown(v)}" for k, v in rest.items()) or "(empty)"


def _changes(changes: dict) -> tuple[tuple[str, str, str], ...]:
    rows = []
    for key, pair in changes.items():
        before, after = (pair + [None, None])[:2] if isinstance(pair, list) else (None, pair)
        rows.append((field_label(key), shown(before), shown(after)))
    return tuple(rows)


def lines(detail: dict | None, names: dict[int, str] | None = None) -> list[Line]:
    """An event's details as labelled lines; empty lists and ids are left out."""
    found = []
    for key, value in (detail or {}).items():
        if key == "party_id" and names and value in names:
            found.append(Line(DETAIL_LABELS["party_id"], names[value]))
            continue
        if HIDDEN.search(key) or value in ([], {}, None, ""):
            continue
        label = DETAIL_LABELS.get(key) or field_label(key)
        if key == "provider":
            found.append(Line(label, PROVIDER_LABELS.get(value, value)))
        elif key == "role":
            found.append(Line(label, role_label(value)))
        elif isinstance(value, dict) and key in ("changes", "before"):
            found.append(Line(label, changes=_changes(value)))
        elif isinstance(value, list):
            found.append(Line(label, items=tuple(shown(item) for item in value)))
        else:
            found.append(Line(label, shown(value)))
    return found


def party_ids(events) -> set[int]:
    """The profiles named only by id in these events' details, to look their names up."""
    return {
        e.detail["party_id"]
        for e in events
        if isinstance(e.detail, dict) and isinstance(e.detail.get("party_id"), int)
    }
