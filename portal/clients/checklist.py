"""What still needs checking or completing on a profile, derived from its data.

Nothing here is a fixed list: each item is there because a value is missing, unconfirmed
(a company number not yet checked with the Companies Office, an IRD number of which XPM
gave only the last digits) or inconsistent (shares that do not add up). Roles that ended
before today do not count as current directors, shareholders or trustees.
"""

from dataclasses import dataclass
from datetime import date

from portal.models import Association, Profile


@dataclass(frozen=True)
class Item:
    """One thing to check or complete, and the field where it is fixed: on the profile's
    edit form; on the form adding a ``role``; on the edit form of the role
    ``association_id``; or on the profile page ("kind", "shareholders")."""

    text: str
    field: str
    role: str = ""
    association_id: int | None = None


def _add(text: str, role: str) -> Item:
    """Add a party in ``role``: the add form, its party search focused."""
    return Item(text, "party", role=role)


def _first_lacking(text: str, associations: list[Association], field: str) -> list[Item]:
    """The item, leading to the first of ``associations`` without a ``field``, if any is."""
    lacking = [a for a in associations if getattr(a, field) is None]
    if not lacking:
        return []
    # A bulk import's associations to be have no id yet (it reads only the setup status).
    return [Item(text, field, association_id=getattr(lacking[0], "id", None))]


def _has_address(profile: Profile, prefix: str = "physical") -> bool:
    """Whether the street part of one of the profile's addresses is filled in."""
    return bool((getattr(profile, f"{prefix}_address") or "").strip())


def _current(associations: list[Association]) -> list[Association]:
    today = date.today()
    return [a for a in associations if a.end_date is None or a.end_date >= today]


def needs_companies_office(profile: Profile) -> bool:
    """True for a company whose number nobody has checked with the Companies Office."""
    return profile.kind == "company" and not (
        profile.companies_office_linked or profile.company_number_confirmed
    )


def shows_companies_office_warning(profile: Profile) -> bool:
    """The warning that the share register and the Companies Office link need manual work
    (docs/spec.md §3): only on a company that came from XPM, the one path that never links
    it, while its number is unchecked; never on one loaded manually or in bulk, even once
    it is linked to XPM."""
    return profile.origin == "xpm" and needs_companies_office(profile)


def _ird_item(profile: Profile, required: bool = True) -> list[Item]:
    if profile.ird_number_masked:
        return [Item("Enter the full IRD number (only the last digits are known)", "ird_number")]
    if required and not profile.ird_number:
        return [Item("Add the IRD number", "ird_number")]
    return []


def _shares(shareholders: list[Association], total: int | None) -> list[Item]:
    text = "Enter the number of shares for every shareholder"
    lacking = _first_lacking(text, shareholders, "shares")
    if lacking:
        return lacking
    if total is None:
        return [Item("Enter the total number of shares the company has issued", "total_shares")]
    allocated = held_shares(shareholders)
    if allocated != total:
        return [
            Item(
                f"Share allocations add up to {allocated:,}, not the {total:,} shares issued",
                "shareholders",
            )
        ]
    return []


def _company(profile: Profile, roles: dict[str, list[Association]]) -> list[Item]:
    items = []
    if not profile.company_number and not profile.nzbn:
        items.append(Item("Add the company number or NZBN", "company_number"))
    if needs_companies_office(profile):
        items.append(
            Item(
                "Confirm the company number with the Companies Office (not linked to it)",
                "company_number_confirmed",
            )
        )
    if not _current(roles.get("director", [])):
        items.append(_add("Add at least one director", "director"))
    shareholders = _current(roles.get("shareholder", []))
    if not shareholders:
        items.append(_add("Add at least one shareholder", "shareholder"))
    else:
        items += _shares(shareholders, profile.total_shares)
    items += _ird_item(profile, required=False)
    items += _company_addresses(profile)
    if profile.annual_return_month is None:
        items.append(Item("Set the annual return filing month", "annual_return_month"))
    if profile.filing_obligation is None:
        items.append(Item("Choose the filing obligation", "filing_obligation"))
    return items


def _company_addresses(profile: Profile) -> list[Item]:
    """One item, pointing at whichever of the two addresses is missing first."""
    office, service = _has_address(profile, "registered"), _has_address(profile, "service")
    if not office and not service:
        return [Item("Add the registered office and address for service", "registered_address")]
    if not office:
        return [Item("Add the registered office", "registered_address")]
    if not service:
        return [Item("Add the address for service", "service_address")]
    return []


def _trust(profile: Profile, roles: dict[str, list[Association]]) -> list[Item]:
    items = []
    if profile.settlement_date is None:
        items.append(Item("Add the settlement date", "settlement_date"))
    if profile.trust_deed_date is None:
        items.append(Item("Add the trust deed date", "trust_deed_date"))
    if profile.vesting_date is None:
        items.append(Item("Add the vesting date", "vesting_date"))
    items += _ird_item(profile)
    trustees = _current(roles.get("trustee", []))
    if not trustees:
        items.append(_add("Add at least one trustee", "trustee"))
    else:
        items += _first_lacking("Enter each trustee's appointment date", trustees, "start_date")
    beneficiaries = _current(roles.get("beneficiary", []))
    if not beneficiaries:
        items.append(_add("Add the beneficiaries", "beneficiary"))
    else:
        text = "Enter each beneficiary's appointment date"
        items += _first_lacking(text, beneficiaries, "start_date")
    if not roles.get("settlor"):
        items.append(_add("Add the settlor", "settlor"))
    return items


def _individual(profile: Profile, _roles) -> list[Item]:
    items = []
    if profile.date_of_birth is None:
        items.append(Item("Add the date of birth", "date_of_birth"))
    if not _has_address(profile):
        items.append(Item("Add the residential address", "physical_address"))
    items += _ird_item(profile)
    if not profile.email:
        items.append(Item("Add an e-mail address", "email"))
    return items


def _unknown(_profile: Profile, _roles) -> list[Item]:
    # Which details a profile needs depends on its kind: that comes first.
    return [Item("Choose whether this is a company, a trust or an individual", "kind")]


CHECKS = {"company": _company, "trust": _trust, "individual": _individual, "unknown": _unknown}


def checklist(profile: Profile, held_on_profile: list[Association]) -> list[Item]:
    """The open items for ``profile``, given the associations held on it."""
    roles: dict[str, list[Association]] = {}
    for association in held_on_profile:
        roles.setdefault(association.role, []).append(association)
    return CHECKS[profile.kind](profile, roles)


def setup_status(items: list[Item]) -> str:
    """ "complete" when nothing is left to do, "preparing" otherwise."""
    return "preparing" if items else "complete"


def allocated_shares(held_on_profile: list[Association]) -> int | None:
    """The shares the current shareholders hold in all (those whose number is known); None
    when no current shareholder has a number of shares."""
    holders = [a for a in _current(held_on_profile) if a.role == "shareholder"]
    known = [a for a in holders if a.shares is not None]
    return held_shares(known) if known else None


def held_shares(shareholders: list[Association]) -> int:
    """The shares ``shareholders`` hold between them: a joint holding (holders sharing one
    register allocation number, docs/spec.md §10) counts once."""
    joint: dict[int, int] = {}
    alone = 0
    for a in shareholders:
        allocation = getattr(a, "allocation", None)
        if allocation is None:
            alone += a.shares
        else:
            joint[allocation] = max(joint.get(allocation, 0), a.shares)
    return alone + sum(joint.values())


def share_warning(total: int | None, held_on_profile: list[Association]) -> str:
    """What to say beside "Total shares issued" when the shareholdings do not add up to it
    ("" when they do, or when either is not known yet)."""
    allocated = allocated_shares(held_on_profile)
    if total is None or allocated is None or allocated == total:
        return ""
    return (
        f"The current shareholders hold {allocated:,} shares in all, not {total:,}: "
        "change the total here, or their shares under People and entities."
    )
