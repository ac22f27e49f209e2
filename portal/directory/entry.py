"""What a directory entry keeps of a client as XPM described it."""

from datetime import datetime

from portal.text import fold
from portal.xpm.records import XpmClient


def entry_values(
    firm_id: int, provider: str, client: XpmClient, now: datetime, detailed: bool
) -> dict:
    """A directory entry's columns for ``client``, clipped to their sizes (the directory is
    a copy, not a record)."""
    return {
        "firm_id": firm_id,
        "provider": provider,
        "client_uuid": client.uuid[:64],
        "name": client.name[:500],
        "sort_name": fold(client.name)[:500],
        "business_structure": client.business_structure[:200],
        "company_number": client.company_number[:50],
        "business_number": client.business_number[:50],
        "email": client.email[:254],
        "address": _first_line(client.address)[:200],
        "city": (client.city or client.postal_city)[:100],
        "birth_year": birth_year(client),
        "is_archived": client.is_archived,
        "is_deleted": client.is_deleted,
        "is_prospect": client.is_prospect,
        "seen_at": now,
        "detailed_at": now if detailed else None,
    }


def birth_year(client: XpmClient) -> int | None:
    """An individual's year of birth; None for an entity (companies and trusts carry dates
    of birth in XPM too, often the incorporation date) and when XPM did not say."""
    if client.date_of_birth is None or not names_a_person(client):
        return None
    return client.date_of_birth.year


def names_a_person(client: XpmClient) -> bool:
    """XPM fills FirstName or LastName for individuals only; searches send neither."""
    return bool(client.first_name.strip() or client.last_name.strip())


def _first_line(address: str) -> str:
    """An address's first line (XPM keeps the line breaks people typed)."""
    lines = [line.strip() for line in address.splitlines() if line.strip()]
    return lines[0] if lines else ""
