"""Checking one row's cells: each becomes a stored value, or a problem with the reason.

Pure functions: the firm's plans and the type and role lists come in as ``Choices``.
What a cell may hold is the rule the manual form keeps to (``portal.fields``), so a
bulk-imported profile holds nothing the form would refuse; only the messages, which name
the cell, are worded here.
"""

import re
from dataclasses import dataclass, field
from datetime import date, datetime

from portal import fields
from portal.bulk.columns import BY_KEY, CHOICE_COLUMNS, Column
from portal.fields import clean
from portal.limits import shares_range
from portal.text import fold, name_problem

DATE_FORMATS = ("%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y", "%d %b %Y", "%d %B %Y")
#: Spreadsheets run a cell starting with one of these as a formula.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
#: ...but a phone number or a signed number is harmless, and common.
HARMLESS = re.compile(r"^[+-][\d\s().-]*$")


class Invalid(ValueError):
    """A cell that cannot be stored; the message says why."""


@dataclass
class Choices:
    """What the firm's cells may name: plans, company and trust types, roles (folded)."""

    plans: dict[str, int]
    company_types: dict[str, str]
    trust_types: dict[str, str]
    roles: dict[str, str]
    labels: dict[str, list[str]] = field(default_factory=dict)


@dataclass
class Checked:
    """A row's values in the form their columns store, and what was wrong with it."""

    values: dict = field(default_factory=dict)
    errors: list[tuple[str, str]] = field(default_factory=list)
    warnings: list[tuple[str, str]] = field(default_factory=list)


def formula_like(text: str) -> bool:
    """True for a cell a spreadsheet would run as a formula (``=cmd|' /C calc'!A0``)."""
    return text.startswith(FORMULA_STARTS) and not HARMLESS.match(text)


def unescape(text: str) -> str:
    """Undo the apostrophe the portal's own exports put before a formula-like cell."""
    if text.startswith("'") and text[1:].startswith(FORMULA_STARTS):
        return text[1:]
    return text


def parse_date(text: str) -> date:
    """A date written as 2024-03-31, 31/03/2024 or 31 Mar 2024."""
    for pattern in DATE_FORMATS:
        try:
            return datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    raise Invalid(f"“{text}” is not a date. Write it as 31/03/2024 or 2024-03-31.")


def _shares(text: str, minimum: int) -> int:
    number = fields.shares(text, minimum)
    if number is None:
        raise Invalid(f"“{text}” is not {shares_range(minimum)}.")
    return number


def _choice(text: str, options: dict, noun: str, labels: list[str]):
    chosen = options.get(fold(text))
    if chosen is None:
        raise Invalid(f"“{text}” is not a {noun}. Use one of: {', '.join(labels)}.")
    return chosen


def _month(text: str) -> int:
    number = fields.month(text)
    if number is None:
        raise Invalid(f"“{text}” is not a month. Write March, Mar or 3.")
    return number


def _percentage(text: str) -> str:
    number = fields.percentage(text)
    if number is None:
        raise Invalid(f"“{text}” is not a percentage between 0 and 100.")
    return str(number)


def _name(text: str) -> str:
    problem = name_problem(text)
    if problem:
        raise Invalid(problem)
    return text


def _check(rule: bool, message: str):
    if not rule:
        raise Invalid(message)


def parse(column: Column, text: str, choices: Choices):
    """The value ``text`` stores as in ``column``; raises ``Invalid`` with the reason."""
    kind = column.parse
    if kind == "date":
        return parse_date(text).isoformat()
    if kind in ("shares", "shares_issued"):
        return _shares(text, 0 if kind == "shares" else 1)
    if kind == "month":
        return _month(text)
    if kind == "percentage":
        return _percentage(text)
    if kind in ("plan", "company_type", "trust_type", "role"):
        options = {
            "plan": choices.plans,
            "company_type": choices.company_types,
            "trust_type": choices.trust_types,
            "role": choices.roles,
        }[kind]
        noun = {"plan": "subscription plan of this firm"}.get(kind, column.header.lower())
        return _choice(text, options, noun, choices.labels.get(kind, []))
    if kind == "name":
        return _name(text)
    if kind == "ird":
        _check(
            fields.ird_number(text),
            f"“{text}” is not a valid IRD number (8 or 9 digits; check the digits).",
        )
    elif kind == "nzbn":
        _check(fields.nzbn(text), f"“{text}” is not an NZBN (13 digits; check them).")
    elif kind == "digits":
        _check(fields.company_number(text), f"“{text}” is not a company number (digits only).")
    elif kind == "email":
        _check(fields.email_address(text), f"“{text}” is not an e-mail address.")
    elif kind == "web":
        _check(fields.web_address(text), f"“{text}” does not start with https:// or http://.")
    return text


def cell_text(column: Column, cell: str) -> str:
    """A cell as typed: names keep what ``name_problem`` refuses, so the row says why;
    other text loses control characters, as the manual form's does."""
    return cell.strip() if column.parse == "name" else clean(cell)


def read_cells(cells: dict[str, str], keys, choices: Choices, checked: Checked) -> None:
    """Parse each non-empty cell of ``keys`` into ``checked.values``, noting any problem."""
    for key in keys:
        column = BY_KEY[key]
        text = unescape(cell_text(column, cells.get(key) or ""))
        if not text:
            continue
        if len(text) > column.max_length:
            checked.errors.append(
                (column.header, f"Too long: {len(text):,} characters, at most {column.max_length}.")
            )
            continue
        if column.parse in ("text", "name") and formula_like(text):
            checked.warnings.append(
                (
                    column.header,
                    f"Starts with “{text[0]}” like a spreadsheet formula: it is stored as "
                    "text, exactly as written, and never exported as a formula.",
                )
            )
        try:
            checked.values[CHOICE_COLUMNS.get(key, key)] = parse(column, text, choices)
        except Invalid as problem:
            checked.errors.append((column.header, str(problem)))
