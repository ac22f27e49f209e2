"""NZBN v5's JSON answers into records (``records.py``); ``Malformed`` for any other shape.

Only what a profile needs is read; everything else in the answer is ignored, so members the
service adds later do no harm. A member that should be an object, a list or text and is
something else is refused rather than guessed at.
"""

from datetime import date, datetime
from zoneinfo import ZoneInfo

from portal.nzbn import records
from portal.nzbn.errors import Malformed

NEW_ZEALAND = ZoneInfo("Pacific/Auckland")


def _object(value, where: str) -> dict:
    if not isinstance(value, dict):
        raise Malformed(f"{where} is not a JSON object")
    return value


def _list(value, where: str) -> list:
    if value is None:
        return []
    if not isinstance(value, list):
        raise Malformed(f"{where} is not a list")
    return value


def _text(value, where: str) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise Malformed(f"{where} is not text")
    return str(value).strip() or None


def _required(value, where: str) -> str:
    text = _text(value, where)
    if text is None:
        raise Malformed(f"{where} is missing")
    return text


def _whole(value, where: str) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | str) or not str(value).isdigit():
        raise Malformed(f"{where} is not a whole number")
    return int(value)


def day(value, where: str = "a date") -> date | None:
    """The New Zealand calendar day of a register timestamp (``…T00:00:00.000+1200``)."""
    text = _text(value, where)
    if text is None:
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise Malformed(f"{where} is not a date") from None
    if moment.tzinfo is not None:
        moment = moment.astimezone(NEW_ZEALAND)
    return moment.date()


def search_page(body) -> records.SearchPage:
    """``GET /entities``: the envelope and its items."""
    body = _object(body, "the search answer")
    items = _list(body.get("items"), "items")
    return records.SearchPage(
        results=tuple(search_result(item) for item in items),
        page=_whole(body.get("page"), "page") or 0,
        page_size=_whole(body.get("pageSize"), "pageSize") or len(items),
        total=_whole(body.get("totalItems"), "totalItems") or 0,
    )


def search_result(item) -> records.SearchResult:
    """One search item (its company number is ``sourceRegisterUniqueId``)."""
    item = _object(item, "a search item")
    return records.SearchResult(
        nzbn=_required(item.get("nzbn"), "nzbn"),
        name=_required(item.get("entityName"), "entityName"),
        company_number=_text(item.get("sourceRegisterUniqueId"), "sourceRegisterUniqueId"),
        status_code=_text(item.get("entityStatusCode"), "entityStatusCode"),
        status=_text(item.get("entityStatusDescription"), "entityStatusDescription"),
        entity_type=_text(item.get("entityTypeCode"), "entityTypeCode"),
        registered=day(item.get("registrationDate"), "registrationDate"),
    )


def entity(body) -> records.Entity:
    """``GET /entities/{nzbn}`` (its company number is ``sourceRegisterUniqueIdentifier``)."""
    body = _object(body, "the entity")
    details = body.get("company-details")
    details = _object(details, "company-details") if details is not None else {}
    shareholding = details.get("shareholding")
    shareholding = _object(shareholding, "shareholding") if shareholding is not None else {}
    addresses = body.get("addresses")
    listed = (
        _list(_object(addresses, "addresses").get("addressList"), "addressList")
        if (addresses is not None)
        else []
    )
    parsed = [address(item) for item in listed]
    roles = _list(body.get("roles"), "roles")
    return records.Entity(
        nzbn=_required(body.get("nzbn"), "nzbn"),
        name=_required(body.get("entityName"), "entityName"),
        company_number=_text(
            body.get("sourceRegisterUniqueIdentifier"), "sourceRegisterUniqueIdentifier"
        ),
        status_code=_text(body.get("entityStatusCode"), "entityStatusCode"),
        status=_text(body.get("entityStatusDescription"), "entityStatusDescription"),
        entity_type=_text(body.get("entityTypeCode"), "entityTypeCode"),
        incorporated=day(body.get("registrationDate"), "registrationDate"),
        annual_return_month=_month(details.get("annualReturnFilingMonth")),
        registered_office=current(parsed, "REGISTERED"),
        address_for_service=current(parsed, "SERVICE"),
        directors=tuple(
            director(role)
            for role in roles
            if _text(_object(role, "a role").get("roleType"), "roleType") == "Director"
        ),
        total_shares=_whole(shareholding.get("numberOfShares"), "numberOfShares"),
        allocations=tuple(
            allocation(item)
            for item in _list(shareholding.get("shareAllocation"), "shareAllocation")
        ),
    )


def _month(value) -> int | None:
    month = _whole(value, "annualReturnFilingMonth")
    if month is not None and not 1 <= month <= 12:
        raise Malformed("annualReturnFilingMonth is not a month")
    return month


def address(item) -> records.Address:
    """One ``addressList`` item."""
    item = _object(item, "an address")
    lines = tuple(
        line
        for key in ("address1", "address2", "address3", "address4")
        if (line := _text(item.get(key), key))
    )
    return records.Address(
        kind=(_text(item.get("addressType"), "addressType") or "").upper(),
        lines=lines,
        post_code=_text(item.get("postCode"), "postCode"),
        country=_text(item.get("countryCode"), "countryCode"),
        care_of=_text(item.get("careOf"), "careOf"),
        start=day(item.get("startDate"), "startDate"),
        end=day(item.get("endDate"), "endDate"),
    )


def current(addresses: list[records.Address], kind: str) -> records.Address | None:
    """The address of ``kind`` in force: not ended, and the latest to start."""
    of_kind = [a for a in addresses if a.kind == kind]
    live = [a for a in of_kind if a.end is None] or of_kind
    return max(live, key=lambda a: a.start or date.min, default=None)


def director(role: dict) -> records.Director:
    """One Director role: the person, the dates, the status."""
    person = _object(role.get("rolePerson"), "rolePerson")
    return records.Director(
        first_name=_text(person.get("firstName"), "firstName") or "",
        middle_names=_text(person.get("middleNames"), "middleNames"),
        last_name=_required(person.get("lastName"), "lastName"),
        appointed=day(role.get("startDate"), "startDate"),
        ceased=day(role.get("endDate"), "endDate"),
        status=(_text(role.get("roleStatus"), "roleStatus") or "").upper(),
    )


def allocation(item) -> records.ShareAllocation:
    """One ``shareAllocation`` item: shares and the holders who hold them jointly."""
    item = _object(item, "a share allocation")
    holders = tuple(shareholder(h) for h in _list(item.get("shareholder"), "shareholder"))
    if not holders:
        raise Malformed("a share allocation has no shareholder")
    return records.ShareAllocation(
        shares=_whole(item.get("allocation"), "allocation") or 0, shareholders=holders
    )


def shareholder(item) -> records.Shareholder:
    """A person (``individualShareholder``) or a company (``otherShareholder``)."""
    item = _object(item, "a shareholder")
    person, other = item.get("individualShareholder"), item.get("otherShareholder")
    if person is not None:
        person = _object(person, "individualShareholder")
        first = _text(person.get("firstName"), "firstName")
        middle = _text(person.get("middleNames"), "middleNames")
        last = _text(person.get("lastName"), "lastName")
        name = _text(person.get("fullName"), "fullName") or " ".join(
            p for p in (first, middle, last) if p
        )
        if not name:
            raise Malformed("a shareholder has no name")
        return records.Shareholder(name, True, first, middle, last)
    if other is not None:
        other = _object(other, "otherShareholder")
        return records.Shareholder(
            _required(other.get("currentEntityName"), "currentEntityName"),
            False,
            nzbn=_text(other.get("nzbn"), "nzbn"),
            company_number=_text(other.get("companyNumber"), "companyNumber"),
        )
    raise Malformed("a shareholder is neither a person nor an organisation")
