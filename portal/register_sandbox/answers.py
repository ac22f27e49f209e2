"""What the register sandbox answers, in NZBN v5's field names (``docs/register-shapes.md``).

Field names are the documented ones, camelCase except the two hyphenated members of the
full entity (``company-details``, ``non-company-details``). Every documented member is
present, null when the register has nothing, and timestamps carry New Zealand's offset of
the day (``+1200`` or ``+1300``), as the service writes them.
"""

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from portal.register_sandbox.records import Address, Company, OtherHolder, Person

NEW_ZEALAND = ZoneInfo("Pacific/Auckland")
ENTITY_TYPE = ("LTD", "NZ Limited Company")


def timestamp(day: date | None) -> str | None:
    """Midnight of ``day`` in New Zealand: ``2017-07-19T00:00:00.000+1200``."""
    if day is None:
        return None
    moment = datetime.combine(day, time(), NEW_ZEALAND)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.000%z")


def search_item(company: Company) -> dict:
    """One item of ``GET /entities``."""
    code, description = ENTITY_TYPE
    return {
        "entityName": company.name,
        "nzbn": company.nzbn,
        "entityStatusCode": company.status,
        "entityStatusDescription": company.status_word,
        "entityTypeCode": code,
        "entityTypeDescription": description,
        "registrationDate": timestamp(company.registered),
        "sourceRegisterUniqueId": company.number,
        "tradingNames": [],
        "previousEntityNames": [],
        "classifications": [],
        "links": [],
    }


def search_page(companies: list[Company], page: int, page_size: int, total: int) -> dict:
    """The envelope of ``GET /entities``."""
    return {
        "pageSize": page_size,
        "page": page,
        "totalItems": total,
        "sortBy": None,
        "sortOrder": None,
        "items": [search_item(company) for company in companies],
        "links": [],
    }


def full_entity(company: Company) -> dict:
    """``GET /entities/{nzbn}``: the whole entity with its roles and company details."""
    code, description = ENTITY_TYPE
    return {
        "entityStatusCode": company.status,
        "entityName": company.name,
        "nzbn": company.nzbn,
        "entityTypeCode": code,
        "entityTypeDescription": description,
        "entityStatusDescription": company.status_word,
        "registrationDate": timestamp(company.registered),
        "sourceRegister": "COMPANY",
        "sourceRegisterUniqueIdentifier": company.number,
        "lastUpdatedDate": timestamp(company.last_updated),
        "australianBusinessNumber": None,
        "australianCompanyNumber": None,
        "australianServiceAddress": None,
        "emailAddresses": [],
        "addresses": {"addressList": [_address(a) for a in company.addresses], "links": []},
        "websites": [],
        "phoneNumbers": [],
        "industryClassifications": [],
        "privacySettings": None,
        "tradingNames": [],
        "previousEntityNames": [],
        "gstNumbers": [],
        "tradingAreas": [],
        "roles": [_director(company, index) for index in range(len(company.directors))],
        "company-details": _company_details(company),
        "non-company-details": None,
        "links": [],
    }


def _address(address: Address) -> dict:
    lines = [*address.lines, None, None, None, None][:4]
    return {
        "uniqueIdentifier": f"{address.kind}-{address.start.isoformat()}",
        "startDate": timestamp(address.start),
        "endDate": timestamp(address.end),
        "careOf": address.care_of,
        "address1": lines[0],
        "address2": lines[1],
        "address3": lines[2],
        "address4": lines[3],
        "postCode": address.post_code,
        "countryCode": "NZ",
        "addressType": address.kind,
        "pafId": None,
    }


def _person(person: Person) -> dict:
    return {
        "title": None,
        "firstName": person.first,
        "middleNames": person.middle,
        "lastName": person.last,
    }


def _director(company: Company, index: int) -> dict:
    role = company.directors[index]
    return {
        "roleType": "Director",
        "roleStatus": "CEASED" if role.end else "ACTIVE",
        "startDate": timestamp(role.start),
        "endDate": timestamp(role.end),
        "asicDirectorshipYn": False,
        "asicName": None,
        "acn": None,
        "roleEntity": None,
        "rolePerson": _person(role.person),
        "roleAddress": [],
        "roleAsicAddress": None,
        "uniqueIdentifier": f"{company.number}-D{index + 1}",
    }


def _shareholder(holder: Person | OtherHolder, company: Company) -> dict:
    if isinstance(holder, Person):
        individual = {**_person(holder), "fullName": holder.full_name}
        individual.pop("title")
        other = None
    else:
        individual = None
        other = {
            "currentEntityName": holder.name,
            "nzbn": holder.nzbn,
            "companyNumber": holder.number,
            "entityType": ENTITY_TYPE[0] if holder.number else None,
        }
    return {
        "type": "Individual" if individual else "Other",
        "appointmentDate": timestamp(company.registered),
        "vacationDate": None,
        "individualShareholder": individual,
        "otherShareholder": other,
        "shareholderAddress": None,
    }


def _company_details(company: Company) -> dict:
    total = sum(count for count, _ in company.allocations)
    return {
        "annualReturnFilingMonth": company.filing_month,
        "annualReturnLastFiled": timestamp(company.last_updated),
        "financialReportFilingMonth": None,
        "nzsxCode": None,
        "hasConstitutionFiled": False,
        "countryOfOrigin": None,
        "overseasCompany": False,
        "extensiveShareholding": False,
        "stockExchangeListed": False,
        "shareholding": {
            "numberOfShares": total,
            "shareAllocation": [
                {"allocation": count, "shareholder": [_shareholder(h, company) for h in holders]}
                for count, holders in company.allocations
            ],
            "historicShareholder": [],
        },
        "ultimateHoldingCompany": None,
        "australianCompanyNumber": None,
        "insolvencies": [],
        "removalCommenced": False,
        "links": [],
    }


def error(status: int, description: str, problems: list[tuple[str, str]] = ()) -> dict:
    """The NZBN API's error body."""
    return {
        "status": str(status),
        "errorDescription": description,
        "errorCode": str(status),
        "list": [{"field": name, "message": message} for name, message in problems],
    }


def gateway(status: int, message: str) -> dict:
    """The API gateway's own body (Azure API Management), for 401 and 429."""
    return {"statusCode": status, "message": message}
