"""The ranges the portal's numbers and dates keep to, shared by every way data comes in.

A value beyond what a column holds must be refused where it arrives, with a reason,
never passed on to fail in the database: PostgreSQL refuses an ``integer`` beyond 2³¹ − 1
("integer out of range") and SQLite an integer beyond 2⁶³ − 1, and either failure would
end a whole request (or a whole bulk import) in an error page.
"""

from datetime import date

from werkzeug.routing import BaseConverter, IntegerConverter

#: Ids are ``integer`` columns: 32 bits on PostgreSQL.
MAX_ID = 2**31 - 1
#: The most shares a company may issue or a shareholder hold. Stored as 64-bit integers
#: (``BigInteger``); a quadrillion is far beyond any real company and leaves room to add
#: up every holding of a company without overflowing, in Python or in SQL.
MAX_SHARES = 10**15
#: The days a date filter may name: what every database and time zone conversion holds.
EARLIEST_DAY = date(1900, 1, 1)
LATEST_DAY = date(2999, 12, 31)


def shares_allowed(value: int, minimum: int = 0) -> bool:
    """True for a number of shares the portal stores (``minimum`` is 1 for shares issued)."""
    return minimum <= value <= MAX_SHARES


def shares_range(minimum: int = 0) -> str:
    """The rule in words, for the messages of every path: the form, a CSV row, XPM."""
    return f"a whole number of shares from {minimum:,} to {MAX_SHARES:,}"


def row_id(text: str) -> int:
    """A query-string id (``?user=3``): raises ``ValueError`` for anything no row can have,
    so ``request.args.get(name, type=row_id)`` gives None instead of a database error."""
    number = int(text)
    if not 1 <= number <= MAX_ID:
        raise ValueError(f"{text!r} is not an id")
    return number


def page_number(text: str) -> int:
    """A ``?page=`` number, brought into 1 … ``MAX_ID`` (the list then clamps it to its last
    page), so a huge page never becomes an OFFSET the database cannot hold."""
    return min(max(int(text), 1), MAX_ID)


def day_problem(day: date) -> str | None:
    """Why ``day`` is no use as a date to filter by, or None."""
    if EARLIEST_DAY <= day <= LATEST_DAY:
        return None
    return f"Enter a date from {EARLIEST_DAY.year} to {LATEST_DAY.year}."


class IdConverter(IntegerConverter):
    """The URL map's ``int``, limited to what an id column holds: ``/clients/99999999999``
    is no page (404) instead of a query the database fails on."""

    def __init__(self, map, *args, max=MAX_ID, **kwargs):  # noqa: A002 (Werkzeug's name)
        super().__init__(map, *args, max=max, **kwargs)


class NzbnConverter(BaseConverter):
    """``<nzbn:nzbn>``: exactly 13 digits (a New Zealand Business Number), text, never an
    id; anything else is no page (404)."""

    regex = r"\d{13}"
