"""What staff may type into a field, defined once for every way it comes in: the manual
profile form, the import form, the other forms (sign-in and staff, structures) and bulk
CSV rows.

Each rule is a plain function of the text (``email_address``, ``ird_number``, ``shares``…);
a form wraps it in a validator (``rule``) with its own message, and a CSV row
(portal/bulk/check.py) calls it and words its own, so the two can never disagree on what
is valid. The filters (``clean``, ``trim``) and the choice lists are shared the same way.
"""

import re
from datetime import date
from decimal import Decimal, InvalidOperation

from wtforms.fields.choices import SelectChoice
from wtforms.validators import NumberRange, ValidationError

from portal import identifiers
from portal.limits import MAX_SHARES, shares_allowed
from portal.reference import FILING_OBLIGATIONS, KINDS, MONTHS
from portal.text import fold, name_problem

CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
EMAIL_ADDRESS = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
WEB_ADDRESS = re.compile(r"^https?://\S+$", re.IGNORECASE)
DIGITS = re.compile(r"^\d+$")
#: Each month by its name and by its first three letters, folded: "march", "mar" → 3.
MONTH_NAMES = {fold(name): i for i, name in enumerate(MONTHS, 1)} | {
    fold(name[:3]): i for i, name in enumerate(MONTHS, 1)
}
#: A percentage is stored with four decimals (``Numeric(7, 4)``).
PERCENTAGE_DECIMALS = 4


def clean(value):
    """Drop control characters (keeping line breaks and tabs) and surrounding space."""
    if not isinstance(value, str):
        return value
    return CONTROL_CHARACTERS.sub("", value).strip()


def trim(value):
    """Drop surrounding space only: what is left is for ``typed_name`` to judge."""
    return value.strip() if isinstance(value, str) else value


# The rules: each takes the text as typed (cleaned) and says whether it is valid.


def email_address(text: str) -> bool:
    """Something, an @, and a domain with a dot in it, with no space anywhere."""
    return bool(EMAIL_ADDRESS.match(text))


def web_address(text: str) -> bool:
    """An address starting with https:// or http://, with no space in it."""
    return bool(WEB_ADDRESS.match(text))


def ird_number(text: str) -> bool:
    """A valid IRD number, or one XPM masked (``******123``): that may stay as it is, and
    the profile is flagged as incomplete."""
    return identifiers.masked_ird_number(text) or identifiers.valid_ird_number(text)


def nzbn(text: str) -> bool:
    """13 digits whose last is their check digit."""
    return identifiers.valid_nzbn(text)


def company_number(text: str) -> bool:
    """Digits only."""
    return bool(DIGITS.match(text))


def shares(text: str, minimum: int = 0) -> int | None:
    """The number of shares ``text`` writes (``1,000`` and ``1 000`` too), or None if it is
    no whole number the portal stores (``minimum`` is 1 for shares issued)."""
    number = text.replace(",", "").replace(" ", "")
    if not re.fullmatch(r"\d+", number) or not shares_allowed(int(number), minimum):
        return None
    return int(number)


def month(text: str) -> int | None:
    """The month ``text`` names (March, Mar or 3) as 1 to 12, or None."""
    if text.isdigit() and 1 <= int(text) <= 12:
        return int(text)
    return MONTH_NAMES.get(fold(text))


def filing_obligation(text: str) -> bool:
    """One of the codes of ``reference.FILING_OBLIGATIONS``."""
    return text in dict(FILING_OBLIGATIONS)


def not_in_future(value: date) -> bool:
    """A date that has happened: an incorporation, a birth."""
    return value <= date.today()


def percentage(text: str) -> Decimal | None:
    """The percentage ``text`` writes (``12.5`` or ``12.5%``), from 0 to 100 with at most
    four decimals, or None."""
    try:
        number = Decimal(text.rstrip("%").strip())
    except InvalidOperation:
        return None
    if not number.is_finite() or not Decimal(0) <= number <= Decimal(100):
        return None
    if number.as_tuple().exponent < -PERCENTAGE_DECIMALS:
        return None
    return number


# The rules as form validators, and the fields' choices.


def rule(valid, message: str, *, judge_emptied: bool = False):
    """A validator refusing, with ``message``, text that ``valid`` refuses. A field its
    filters emptied (it held only control characters) passes, unless ``judge_emptied``:
    then its empty text is judged too, as WTForms' ``Regexp`` would."""

    def validate(_form, field):
        if (field.data or judge_emptied) and not valid(field.data or ""):
            raise ValidationError(message)

    return validate


def shares_field(minimum: int, message: str) -> NumberRange:
    """The range of ``shares`` for an ``IntegerField``: a ``NumberRange``, so the input
    carries the same ``min`` and ``max``."""
    return NumberRange(min=minimum, max=MAX_SHARES, message=message)


def typed_name(_form, field):
    """A name staff type: nothing hidden, no control character, something that shows."""
    problem = name_problem(field.data or "")
    if problem:
        raise ValidationError(problem)


def choose(label: str) -> str:
    """The message of a choice left empty: "Choose a subscription plan."."""
    return f"Choose a {label.lower()}."


def month_choices() -> list[SelectChoice]:
    """The twelve months, by the number ``month`` reads them as."""
    return [SelectChoice(str(i), name) for i, name in enumerate(MONTHS, 1)]


def filing_obligation_choices() -> list[SelectChoice]:
    """The filing obligations, after an empty first choice (not yet known)."""
    return [SelectChoice("", "Not known"), *(SelectChoice(*pair) for pair in FILING_OBLIGATIONS)]


def kind_choices() -> list[SelectChoice]:
    """Company, trust and individual, after an empty first choice."""
    return [SelectChoice("", "Choose…"), *(SelectChoice(*kind) for kind in KINDS)]


def plan_choices(plans) -> list[SelectChoice]:
    """The firm's subscription plans, after an empty first choice."""
    return [SelectChoice("", "Choose a plan…")] + [
        SelectChoice(str(plan.id), plan.name) for plan in plans
    ]


def type_choices(label: str, types) -> list[SelectChoice]:
    """Company or trust types (``label`` is the field's), after an empty first choice."""
    return [SelectChoice("", f"Choose a {label.lower()}…")] + [
        SelectChoice(t.code, t.label) for t in types
    ]
