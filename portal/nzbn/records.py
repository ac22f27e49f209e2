"""What the register client returns: typed, immutable records of NZBN v5 answers.

Dates are ``datetime.date`` (the register's timestamps are midnights in New Zealand);
``None`` where the register has nothing. ``docs/register-shapes.md`` maps each field.
"""

import json
from dataclasses import asdict, dataclass, fields
from datetime import date

#: The register's public page for an entity, by NZBN (the NZBN register's own web site).
PUBLIC_PAGE = "https://www.nzbn.govt.nz/mynzbn/nzbndetails/{nzbn}/"


def public_page(nzbn: str) -> str:
    """The address of the register's public page for the entity ``nzbn``."""
    return PUBLIC_PAGE.format(nzbn=nzbn)


@dataclass(frozen=True)
class Address:
    """A registered office or address for service (one ``addressList`` item)."""

    kind: str  # REGISTERED, SERVICE, POSTAL, ...
    lines: tuple[str, ...]
    post_code: str | None
    country: str | None
    care_of: str | None
    start: date | None
    end: date | None

    @property
    def one_line(self) -> str:
        """The address on one line, as a profile shows it."""
        return ", ".join([*self.lines, *([self.post_code] if self.post_code else [])])


@dataclass(frozen=True)
class Director:
    """A director (a ``roles`` item of type Director), current or ceased."""

    first_name: str
    middle_names: str | None
    last_name: str
    appointed: date | None
    ceased: date | None
    status: str  # ACTIVE, CEASED, as the register says

    @property
    def name(self) -> str:
        """The full name, as one line."""
        return " ".join(p for p in (self.first_name, self.middle_names, self.last_name) if p)

    @property
    def current(self) -> bool:
        """Still a director: no end date and not ceased."""
        return self.ceased is None and self.status.upper() != "CEASED"


@dataclass(frozen=True)
class Shareholder:
    """One holder of an allocation: a person, or a company (``nzbn``, ``company_number``)."""

    name: str
    is_person: bool
    first_name: str | None = None
    middle_names: str | None = None
    last_name: str | None = None
    nzbn: str | None = None
    company_number: str | None = None


@dataclass(frozen=True)
class ShareAllocation:
    """Shares held together: several shareholders hold the allocation jointly."""

    shares: int
    shareholders: tuple[Shareholder, ...]


@dataclass(frozen=True)
class Entity:
    """A company as the register holds it (``GET /entities/{nzbn}``)."""

    nzbn: str
    name: str
    company_number: str | None
    status_code: str | None
    status: str | None  # "Registered", "Removed", ...
    entity_type: str | None
    incorporated: date | None
    annual_return_month: int | None
    registered_office: Address | None
    address_for_service: Address | None
    directors: tuple[Director, ...]
    total_shares: int | None
    allocations: tuple[ShareAllocation, ...]

    @property
    def current_directors(self) -> tuple[Director, ...]:
        """Directors who have not resigned."""
        return tuple(d for d in self.directors if d.current)


@dataclass(frozen=True)
class SearchResult:
    """One ``GET /entities`` item: enough to choose, then read the entity."""

    nzbn: str
    name: str
    company_number: str | None
    status_code: str | None
    status: str | None
    entity_type: str | None
    registered: date | None


@dataclass(frozen=True)
class SearchPage:
    """One page of search results (``page`` starts at 0)."""

    results: tuple[SearchResult, ...]
    page: int
    page_size: int
    total: int

    @property
    def has_more(self) -> bool:
        """True if a later page holds more results."""
        return (self.page + 1) * self.page_size < self.total


def entity_to_json(entity: Entity) -> str:
    """``entity`` as JSON (dates as ISO text), for the shared store between requests."""

    def plain(value):
        if isinstance(value, date):
            return value.isoformat()
        raise TypeError(type(value).__name__)

    return json.dumps(asdict(entity), default=plain, ensure_ascii=False)


def entity_from_json(text: str) -> Entity:
    """The ``Entity`` that ``entity_to_json`` wrote."""
    return _build(Entity, json.loads(text))


#: The fields that hold records, and the record each holds (one, or a tuple of them).
_NESTED = {
    "registered_office": Address,
    "address_for_service": Address,
    "directors": Director,
    "allocations": ShareAllocation,
    "shareholders": Shareholder,
}
_DATES = {"start", "end", "appointed", "ceased", "incorporated"}


def _build(kind, values: dict):
    built = {}
    for field in fields(kind):
        value = values.get(field.name)
        if field.name in _NESTED and isinstance(value, list):
            value = tuple(_build(_NESTED[field.name], item) for item in value)
        elif field.name in _NESTED and value is not None:
            value = _build(_NESTED[field.name], value)
        elif field.name in _DATES and value:
            value = date.fromisoformat(value)
        elif isinstance(value, list):
            value = tuple(value)
        built[field.name] = value
    return kind(**built)
