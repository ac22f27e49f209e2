"""The columns of XPM's "Client & Contact" report, and how a file's headers are recognised.

XPM names a column by its group and field: ``[Client] Client`` or ``[Client Relationship]
Related Client`` in the CSV export, ``Client-Client`` or ``ClientRelationship-RelatedClient``
as the XML export's element names. A header is recognised with or without its group, in
any case and spacing, in any order; columns the portal does not use are ignored.
"""

import re
from dataclasses import dataclass

#: The group prefixes XPM puts before a field's name, longest first.
PREFIX = re.compile(
    r"^\s*(?:\[\s*client\s+relationship\s*\]|\[\s*client\s*\]|clientrelationship\s*-|client\s*-)",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Field:
    """One thing the import reads from a row, and the headers XPM may give it."""

    key: str
    label: str
    names: tuple[str, ...]
    required: bool = False
    hint: str = ""


FIELDS = (
    Field("client", "Client name", ("client", "clientname", "name"), True),
    Field("uuid", "Client UUID", ("uuid", "clientuuid", "clientid"), hint="if XPM offers it"),
    Field("business_structure", "Business structure", ("businessstructure", "structure")),
    Field("email", "E-mail", ("email", "emailaddress")),
    Field("phone", "Phone", ("phone", "phonenumber")),
    Field("address", "Street address", ("address", "physicaladdress", "streetaddress")),
    Field("city", "City", ("city", "physicalcity", "town")),
    Field("region", "Region", ("region", "physicalregion")),
    Field("post_code", "Postcode", ("postcode", "physicalpostcode", "zipcode")),
    Field("country", "Country", ("country", "physicalcountry")),
    Field("postal_address", "Postal address", ("postaladdress",)),
    Field("postal_city", "Postal city", ("postalcity",)),
    Field("postal_region", "Postal region", ("postalregion",)),
    Field("postal_post_code", "Postal postcode", ("postalpostcode",)),
    Field("postal_country", "Postal country", ("postalcountry",)),
    Field("company_number", "Company number", ("companynumber",)),
    Field("tax_number", "Tax number (IRD)", ("taxnumber", "irdnumber")),
    Field("relationship_type", "Relationship type", ("relationshiptype", "relationship")),
    Field("related_client", "Related client", ("relatedclient", "relatedclientname")),
    Field("related_uuid", "Related client UUID", ("relatedclientuuid",), hint="if XPM offers it"),
    Field("shares", "Number of shares", ("numberofshares", "shares"), hint="if XPM offers it"),
)
BY_KEY = {field.key: field for field in FIELDS}
REQUIRED = tuple(field.key for field in FIELDS if field.required)


def compact(header: str) -> str:
    """A header as it is compared: its group prefix dropped, letters and digits only."""
    return re.sub(r"[^0-9a-z]", "", PREFIX.sub("", header).casefold())


def recognise(headers: list[str]) -> dict[str, int]:
    """{field key: column index} for the headers the portal knows; the first of two wins."""
    found: dict[str, int] = {}
    for index, header in enumerate(headers):
        name = compact(header)
        for field in FIELDS:
            if name in field.names and field.key not in found:
                found[field.key] = index
                break
    return found


def checked_mapping(chosen: dict[str, str], width: int) -> tuple[dict[str, int], list[str]]:
    """The user's choice of column per field ("" for none), and what is wrong with it."""
    mapping: dict[str, int] = {}
    problems = []
    for field in FIELDS:
        value = (chosen.get(field.key) or "").strip()
        if value.isdigit() and int(value) < width:
            mapping[field.key] = int(value)
        elif field.required:
            problems.append(f"Choose the column that holds the {field.label.lower()}.")
    used: dict[int, str] = {}
    for key, index in mapping.items():
        if index in used:
            problems.append(
                f"One column cannot be both the {BY_KEY[used[index]].label.lower()} and the "
                f"{BY_KEY[key].label.lower()}."
            )
        used.setdefault(index, key)
    if ("relationship_type" in mapping) != ("related_client" in mapping):
        problems.append("Choose both the relationship type and the related client, or neither.")
    return mapping, problems
