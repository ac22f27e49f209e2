"""The conversion rules, one XPM record at a time.

What kind of profile a BusinessStructure makes, which role a relationship label gives and
which way it points, and the profile columns an ``XpmClient`` fills. Text is kept exactly
as XPM sent it; a value is only changed when its column cannot hold it, and then a note
says so.
"""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import String

from portal.limits import shares_allowed, shares_range
from portal.models import Association, Profile
from portal.text import fold, structure_key
from portal.xpm.records import Relationship, XpmClient

#: XPM's relationship labels (normalised) and the role each gives the related client.
ROLE_BY_LABEL = {
    "director": "director",
    "shareholder": "shareholder",
    "secretary": "secretary",
    "trustee": "trustee",
    "beneficiary": "beneficiary",
    "settlor": "settlor",
    "appointer": "appointer",
    "appointor": "appointer",  # XPM practices spell it both ways
    "partner": "partner",
    "member": "member",
    "owner": "owner",
    "public officer": "public_officer",
    "auditor": "auditor",
    "associate": "associate",
    "spouse": "spouse",
    "husband": "husband",
    "wife": "wife",
}
#: Labels that describe the record's own client: "Parent Of: Mere" on Aroha's record
#: says Aroha is Mere's parent, as "Director Of: X" says the record's client directs X.
HELD_BY_RECORD = {"parent of": "parent_of", "child of": "child_of"}
#: ... and "Parent: Mere" on Aroha's record says Mere is Aroha's parent.
HELD_BY_RELATED = {"parent": "parent_of", "child": "child_of"}
UNKNOWN_ROLE = "other"
#: A related client XPM says too little about to tell what it is (see ``contact_kind``).
UNKNOWN_KIND = "unknown"
#: The roles XPM gives a meaning to its NumberOfShares and Percentage on (it sends 0 on
#: every other relationship, and often on these too when nothing was entered).
HOLDS_SHARES = {"shareholder", "owner"}
HAS_PERCENTAGE = {"partner"}
MAX_PERCENTAGE = Decimal("999.9999")
LIMITS = {
    c.key: c.type.length
    for c in Profile.__table__.columns
    if isinstance(c.type, String) and c.type.length
}
LABEL_LIMIT = Association.__table__.c.label.type.length
UUID_LIMIT = Profile.__table__.c.xpm_client_uuid.type.length


@dataclass(frozen=True)
class Link:
    """One XPM relationship, oriented: ``party`` holds ``role`` on ``entity``."""

    uuid: str
    entity_uuid: str
    party_uuid: str
    role: str
    label: str  # XPM's own label, as received
    shares: int | None
    percentage: Decimal | None
    start_date: date | None
    end_date: date | None


def normal_uuid(value: str) -> str:
    """A UUID as the portal stores and compares it: trimmed, lower case."""
    return value.strip().lower()


def usable_uuid(value: str) -> bool:
    """True for a UUID the portal can store and look up (XPM's are 36 characters)."""
    return 0 < len(normal_uuid(value)) <= UUID_LIMIT


def related_clients(client: XpmClient) -> dict[str, str]:
    """The clients ``client``'s relationships lead to: {uuid: the name the first one gives}."""
    own = normal_uuid(client.uuid)
    found: dict[str, str] = {}
    for relationship in client.relationships:
        other = normal_uuid(relationship.related_client_uuid)
        if usable_uuid(other) and other != own:
            found.setdefault(other, relationship.related_client_name)
    return found


def role_of(label: str) -> tuple[str, bool]:
    """(role, held by the record's own client) for an XPM relationship label."""
    key = " ".join(label.split()).casefold()
    if key in HELD_BY_RECORD:
        return HELD_BY_RECORD[key], True
    if key in ROLE_BY_LABEL:
        return ROLE_BY_LABEL[key], False
    if key in HELD_BY_RELATED:
        return HELD_BY_RELATED[key], False
    if key.endswith(" of"):
        return ROLE_BY_LABEL.get(key.removesuffix(" of"), UNKNOWN_ROLE), True
    return UNKNOWN_ROLE, False


def link_from(owner_uuid: str, relationship: Relationship, notes: list[str]) -> Link | None:
    """The relationship as stored, seen from the record of ``owner_uuid``; None if unusable."""
    owner, other = normal_uuid(owner_uuid), normal_uuid(relationship.related_client_uuid)
    if not usable_uuid(relationship.uuid) or not usable_uuid(other):
        return None
    if other == owner:
        notes.append(
            f"A “{relationship.type}” relationship of {relationship.related_client_name} points "
            "at that client itself; it was left out."
        )
        return None
    role, held_by_owner = role_of(relationship.type)
    entity, party = (other, owner) if held_by_owner else (owner, other)
    start, end = relationship.start_date, relationship.end_date
    if start and end and end < start:
        notes.append(
            f"{relationship.related_client_name}: the “{relationship.type}” relationship ends "
            "before it starts, so its end date was left out."
        )
        end = None
    return Link(
        uuid=normal_uuid(relationship.uuid),
        entity_uuid=entity,
        party_uuid=party,
        role=role,
        label=relationship.type[:LABEL_LIMIT],
        shares=_shares(relationship, notes) if role in HOLDS_SHARES else None,
        percentage=_percentage(relationship, notes) if role in HAS_PERCENTAGE else None,
        start_date=start,
        end_date=end,
    )


def _shares(relationship: Relationship, notes: list[str]) -> int | None:
    shares = relationship.number_of_shares
    if shares is not None and not shares_allowed(shares):
        notes.append(
            f"{relationship.related_client_name}: XPM's share count {shares:,} is not "
            f"{shares_range()}, so it was left out; enter it by hand."
        )
        return None
    return shares


def _percentage(relationship: Relationship, notes: list[str]) -> Decimal | None:
    value = relationship.percentage
    if value is None or value == 0:
        return None  # XPM's 0 is "not entered", never a partner's share of 0 %
    if abs(value) > MAX_PERCENTAGE:
        notes.append(f"{relationship.related_client_name}: percentage {value} left out.")
        return None
    return value


def kind_for(structure: str, mappings: dict[str, str]) -> str | None:
    """The kind the firm maps ``structure`` to; any trust is a trust; otherwise None."""
    key = structure_key(structure)
    if not key:
        return None
    if key in mappings:
        return mappings[key]
    return "trust" if "trust" in key.split() else None


def contact_kind(client: XpmClient, mappings: dict[str, str], notes: list[str]) -> str:
    """The kind of a related party: mapped from its structure, a person when XPM gives it a
    first or last name (fields XPM keeps for individuals only), else not known.

    Nothing else is guessed from: XPM's own samples give companies a date of birth.
    """
    kind = kind_for(client.business_structure, mappings)
    if kind:
        return kind
    if client.first_name.strip() or client.last_name.strip():
        return "individual"
    structure = client.business_structure.strip()
    said = (
        f"its structure “{structure}” is not mapped to a kind"
        if structure
        else ("it has no structure")
    )
    notes.append(
        f"{client.name}: XPM does not say what kind of client it is ({said}), so it came in "
        "as a contact of unknown kind. Choose its kind on its profile."
    )
    return UNKNOWN_KIND


def display_name(client: XpmClient) -> str:
    """The name a profile is listed under: XPM's Name, as received."""
    if client.name.strip():
        return client.name
    parts = (client.first_name, client.other_name, client.last_name)
    return " ".join(p for p in parts if p.strip()) or "Unnamed client"


def profile_values(client: XpmClient, kind: str, notes: list[str]) -> dict:
    """The profile columns ``client`` fills, for a profile of ``kind``."""
    name = display_name(client)
    values = {
        "kind": kind,
        "name": name,
        "email": client.email,
        "phone": client.phone,
        "website": client.website,
        "ird_number": client.tax_number,
        "ird_number_masked": client.tax_number_masked,
        "nzbn": client.business_number if kind != "individual" else "",
        "company_number": client.company_number if kind == "company" else "",
        "physical_address": client.address,
        "physical_city": client.city,
        "physical_region": client.region,
        "physical_postcode": client.post_code,
        "physical_country": client.country,
        "postal_address": client.postal_address,
        "postal_city": client.postal_city,
        "postal_region": client.postal_region,
        "postal_postcode": client.postal_post_code,
        "postal_country": client.postal_country,
        "first_name": client.first_name if kind == "individual" else "",
        "other_name": client.other_name if kind == "individual" else "",
        "last_name": client.last_name if kind == "individual" else "",
        "date_of_birth": client.date_of_birth if kind == "individual" else None,
        "xpm_name": client.name,
    }
    values = _fitted(values, name, notes)
    values["sort_name"] = fold(values["name"])[: LIMITS["sort_name"]]
    return values


def _fitted(values: dict, name: str, notes: list[str]) -> dict:
    """``values`` with any text too long for its column cut to fit, and a note saying so."""
    fitted = dict(values)
    for key, value in values.items():
        limit = LIMITS.get(key)
        if isinstance(value, str) and limit and len(value) > limit:
            fitted[key] = value[:limit]
            label = key.replace("_", " ")
            notes.append(
                f"{name[:80]}: the {label} is longer than {limit} characters and was shortened."
            )
    return fitted
