"""The two kinds of row: a profile row and an association row, and what each needs."""

from portal.bulk.columns import ALL_KINDS, BY_KEY, COLUMNS
from portal.bulk.rows import Checked, Choices, formula_like, read_cells, unescape
from portal.fields import clean
from portal.text import fold, name_problem

OWN_COLUMNS = ("record", "standing", "client_reference", "kind")
ASSOCIATION_COLUMNS = tuple(c.key for c in COLUMNS if not c.kinds)
PROFILE_COLUMNS = tuple(c.key for c in COLUMNS if c.kinds and c.key not in OWN_COLUMNS)


def record_type(cells: dict[str, str]) -> str | None:
    """ "profile" or "association" (an empty "Row type" is a profile), or None if unknown."""
    text = fold(clean(cells.get("record") or "")) or "profile"
    return text if text in ("profile", "association") else None


def _reference(cells: dict[str, str], key: str, checked: Checked) -> str:
    header = BY_KEY[key].header
    text = unescape((cells.get(key) or "").strip())
    problem = name_problem(text)
    if not text:
        checked.errors.append((header, "Enter the client reference."))
    elif problem:
        checked.errors.append((header, problem))
    elif len(text) > BY_KEY[key].max_length:
        checked.errors.append((header, f"Too long: at most {BY_KEY[key].max_length} characters."))
    elif formula_like(text):
        checked.warnings.append(
            (header, f"Starts with “{text[0]}” like a spreadsheet formula: stored as text.")
        )
    return text


def _ignored(cells: dict[str, str], keys, reason: str, checked: Checked) -> None:
    for key in keys:
        if clean(cells.get(key) or ""):
            checked.warnings.append((BY_KEY[key].header, f"Ignored: {reason}."))


def check_profile(cells: dict[str, str], choices: Choices) -> Checked:
    """Check a profile row: its kind, reference, standing and the columns of its kind."""
    checked = Checked()
    reference = _reference(cells, "client_reference", checked)
    kind = fold(clean(cells.get("kind") or ""))
    standing = fold(clean(cells.get("standing") or "")) or "client"
    if standing not in ("client", "contact"):
        written = clean(cells.get("standing") or "")
        checked.errors.append(("Client or contact", f"“{written}” is neither client nor contact."))
    if kind not in ALL_KINDS:
        reason = f"“{cells.get('kind')}” is not" if kind else "Enter"
        checked.errors.append(("Kind", f"{reason} company, trust or individual."))
        checked.values["client_reference"] = reference
        return checked
    keys = [key for key in PROFILE_COLUMNS if kind in BY_KEY[key].kinds]
    read_cells(cells, keys, choices, checked)
    others = [key for key in PROFILE_COLUMNS if key not in keys]
    _ignored(cells, others, f"this column is not used for a {kind}", checked)
    _ignored(cells, ASSOCIATION_COLUMNS, "this column is for association rows", checked)
    _require(checked, kind, standing)
    checked.values |= {"kind": kind, "standing": standing, "client_reference": reference}
    return checked


def _require(checked: Checked, kind: str, standing: str) -> None:
    values = checked.values
    failed = {header for header, _ in checked.errors}
    needed = ["name"] if kind != "individual" else ["first_name", "last_name"]
    if standing == "client":
        needed.append("subscription_plan_id")
        needed += {"company": ["company_type_code"], "trust": ["trust_type_code"]}.get(kind, [])
    headers = {
        "subscription_plan_id": "Subscription plan",
        "company_type_code": "Company type",
        "trust_type_code": "Trust type",
    }
    for key in needed:
        header = headers.get(key) or BY_KEY[key].header
        if key not in values and header not in failed:
            article = "an" if kind == "individual" else "a"
            noun = f"{article} {kind} client" if key in headers else f"{article} {kind}"
            checked.errors.append((header, f"Enter the {header.lower()}: {noun} needs one."))


def check_association(cells: dict[str, str], choices: Choices) -> Checked:
    """Check an association row: who holds which role on which profile, shares and dates."""
    checked = Checked()
    party = _reference(cells, "client_reference", checked)
    target = _reference(cells, "role_on", checked)
    read_cells(cells, [k for k in ASSOCIATION_COLUMNS if k != "role_on"], choices, checked)
    values = checked.values
    if "role" not in values and not any(h == "Role" for h, _ in checked.errors):
        checked.errors.append(("Role", "Enter the role (director, shareholder, trustee…)."))
    if party and party == target:
        checked.errors.append(("On client reference", "A profile cannot hold a role on itself."))
    start, end = values.get("start_date"), values.get("end_date")
    if start and end and end < start:
        checked.errors.append(("End date", "The end date is before the start date."))
    _ignored(
        cells,
        PROFILE_COLUMNS + ("kind", "standing"),
        "association rows use only the reference, role, shares, percentage and date columns",
        checked,
    )
    values |= {"party": party, "target": target}
    return checked
