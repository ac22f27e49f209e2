"""What the portal holds already, read in chunks: profiles by reference or id, associations."""

from collections.abc import Iterator
from datetime import date
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.bulk.columns import COLUMNS
from portal.models import Association, Profile

CHUNK = 500
PROFILES = Profile.__table__
ASSOCIATIONS = Association.__table__
DATE_KEYS = frozenset(c.key for c in COLUMNS if c.parse == "date")


class Conflict(RuntimeError):
    """The firm's profiles changed since the file was checked in a way the import cannot
    resolve on its own; the message says what to do."""


def typed(data: dict) -> dict:
    """A checked row's stored JSON values back in their Python types."""
    values = dict(data)
    for key in DATE_KEYS & values.keys():
        values[key] = date.fromisoformat(values[key])
    if "percentage" in values:
        values["percentage"] = Decimal(values["percentage"])
    return values


def profiles(db: Session, firm_id: int, column, keys) -> dict:
    """Stored profiles' values, by ``column`` (client reference or id), for ``keys``."""
    found = {}
    keys = list(keys)
    for start in range(0, len(keys), CHUNK):
        statement = select(PROFILES).where(
            PROFILES.c.firm_id == firm_id, column.in_(keys[start : start + CHUNK])
        )
        for row in db.execute(statement).mappings():
            found[row[column.key]] = dict(row)
    return found


def ids(db: Session, firm_id: int, references: list[str]) -> dict[str, int]:
    """The ids of the firm's profiles with these client references."""
    found = {}
    column = PROFILES.c.client_reference
    for start in range(0, len(references), CHUNK):
        statement = select(column, PROFILES.c.id).where(
            PROFILES.c.firm_id == firm_id, column.in_(references[start : start + CHUNK])
        )
        found.update(dict(db.execute(statement).all()))
    return found


def associations(db: Session, firm_id: int, profile_ids: list[int]) -> Iterator[dict]:
    """Every association held on ``profile_ids``, oldest first."""
    for start in range(0, len(profile_ids), CHUNK):
        statement = select(ASSOCIATIONS).where(
            ASSOCIATIONS.c.firm_id == firm_id,
            ASSOCIATIONS.c.profile_id.in_(profile_ids[start : start + CHUNK]),
        )
        yield from (
            dict(row) for row in db.execute(statement.order_by(ASSOCIATIONS.c.id)).mappings()
        )
