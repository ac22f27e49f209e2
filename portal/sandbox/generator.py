"""A deterministic New Zealand practice: clients, the relationships between them, groups.

One ``random.Random`` seeded by the tenant drives everything and UUIDs come from uuid5,
so the same size always gives the same data, and a smaller practice is a prefix of a
larger one (a link stored against a client survives re-seeding with more clients).

A relationship row ``(entity, party, type)`` reads "party is <type> of entity": the
entity's record shows ``type`` with the party as RelatedClient, and the party's record
shows the inverse (``Director`` becomes ``Director Of``) with the same relationship UUID.
"""

import random
import unicodedata
import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from portal.identifiers import with_check_digit
from portal.sandbox import fixtures, names, structures
from portal.sandbox.tenants import NAMESPACE, Tenant

ARCHIVED_RATE, DELETED_RATE, PROSPECT_RATE = 0.04, 0.01, 0.03
MODIFIED_FROM, MODIFIED_DAYS = datetime(2019, 1, 1), 6 * 365


@dataclass
class Dataset:
    """One tenant's data, as rows ready for the store."""

    tenant: Tenant
    clients: list[dict] = field(default_factory=list)
    relationships: list[dict] = field(default_factory=list)
    groups: list[dict] = field(default_factory=list)
    members: list[dict] = field(default_factory=list)


def ascii_slug(text: str, separator: str = ".") -> str:
    """``Tūī & Kea Trust`` -> ``tui.kea.trust``: for invented e-mail and web addresses."""
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    words = "".join(c if c.isalnum() else " " for c in plain.lower()).split()
    return separator.join(words[:4]) or "client"


class Practice:
    """Builds one tenant's clients; the structure methods add a realistic group of them."""

    def __init__(self, tenant: Tenant):
        self.tenant = tenant
        self.rng = random.Random(f"portal-sandbox:{tenant.key}")
        self.data = Dataset(tenant)
        self._serial = Counter()
        self.staff = [{"UUID": self.uuid("staff"), "Name": name} for name in names.STAFF]
        self.people: list[str] = []
        self.companies: list[str] = []
        self.trusts: list[str] = []

    def uuid(self, kind: str) -> str:
        """The next stable UUID of ``kind`` in this tenant."""
        number = self._serial[kind]
        self._serial[kind] += 1
        return str(uuid.uuid5(NAMESPACE, f"{self.tenant.key}:{kind}:{number}"))

    # --- Clients ---------------------------------------------------------------------
    def client(self, name: str, structure: str | None, fields: dict, status: str | None) -> str:
        """Add a client; ``structure`` None leaves BusinessStructure out of its record."""
        rng = self.rng
        if status is None:
            roll = rng.random()
            status = (
                "archived"
                if roll < ARCHIVED_RATE
                else "deleted"
                if roll < ARCHIVED_RATE + DELETED_RATE
                else "prospect"
                if roll < ARCHIVED_RATE + DELETED_RATE + PROSPECT_RATE
                else "active"
            )
        data = {"Name": name, **self._contact_details(name), **fields}
        if structure is not None:
            data["BusinessStructure"] = structure
        if rng.random() < 0.2:
            data["Notes"] = [self._note() for _ in range(rng.choice((1, 1, 2)))]
        modified = MODIFIED_FROM + timedelta(seconds=rng.randrange(MODIFIED_DAYS * 86400))
        client_uuid = self.uuid("client")
        self.data.clients.append(
            {
                "uuid": client_uuid,
                "seq": len(self.data.clients) + 1,
                "name": name,
                "is_prospect": status == "prospect",
                "is_archived": status == "archived",
                "is_deleted": status == "deleted",
                "modified_at": modified.strftime("%Y-%m-%dT%H:%M:%S"),
                "data": data,
            }
        )
        return client_uuid

    def person(
        self, first=None, last=None, structure="Individual", status=None, young=False, name=None
    ) -> str:
        """Add an individual."""
        rng = self.rng
        first = first or rng.choice(names.FIRST_NAMES)
        last = last or rng.choice(names.LAST_NAMES)
        middle = rng.choice(names.FIRST_NAMES) if rng.random() < 0.3 else ""
        born = self._date(1990, 2012) if young else self._date(1935, 1990)
        fields = {
            "FirstName": first,
            "LastName": last,
            "OtherName": middle,
            "DateOfBirth": born + ("T00:00:00" if rng.random() < 0.5 else ""),
            "ReturnType": "IR3",
            **self._tax(),
        }
        if rng.random() < 0.5:
            fields["Contacts"] = [self._contact(f"{first} {last}", primary=True)]
        if structure == "Individual" and status is None and rng.random() < 0.04:
            structure = rng.choice(("", None))  # practices leave it blank on some people
        client_uuid = self.client(name or f"{first} {last}", structure, fields, status)
        self.people.append(client_uuid)
        return client_uuid

    def company(self, name: str, structure: str | None = "Company", status=None) -> str:
        """Add a company (its BusinessStructure as this practice happens to spell it)."""
        rng = self.rng
        fields = {
            "CompanyNumber": str(rng.randint(1_000_000, 9_999_999)) if rng.random() < 0.9 else "",
            # A real NZBN, as XPM holds it: the register sandbox gives the company the same one.
            # (the same draw as ever, so that the rest of the practice stays as it was)
            "BusinessNumber": with_check_digit(f"9429{rng.randint(0, 999_999_999):09d}"[:12])
            if rng.random() < 0.8
            else "",
            "ReturnType": "IR7" if structure in ("LTC", "Look Through Company") else "IR4",
            "Contacts": [self._contact(self._any_person_name(), primary=True)],
            **self._tax(),
        }
        if rng.random() < 0.3:
            fields["Website"] = (
                f"https://www.{ascii_slug(name, '')}.co.nz"
                if rng.random() < 0.8
                else f"www.{ascii_slug(name, '-')}.nz"
            )
        if rng.random() < 0.2:
            fields["Contacts"].append(self._contact("Accounts Team", primary=False))
        client_uuid = self.client(name, structure, fields, status)
        self.companies.append(client_uuid)
        return client_uuid

    def trust(self, name: str, structure: str | None = "Trust", status=None) -> str:
        """Add a trust."""
        fields = {"ReturnType": "IR6", **self._tax()}
        if self.rng.random() < 0.6:
            fields["Contacts"] = [self._contact(self._any_person_name(), primary=True)]
        client_uuid = self.client(name, structure, fields, status)
        self.trusts.append(client_uuid)
        return client_uuid

    # --- Relationships and groups ------------------------------------------------------
    def relate(self, entity: str, party: str, kind: str, shares=None, percentage=None) -> None:
        """Record that ``party`` is ``kind`` of ``entity`` (Director, Shareholder, ...)."""
        rng = self.rng
        if rng.random() >= self.tenant.relationship_rate:
            return
        start = self._date(1995, 2024) if rng.random() < 0.6 else None
        end = None
        if start and rng.random() < 0.08:
            end = (date.fromisoformat(start) + timedelta(days=rng.randint(200, 4000))).isoformat()
        if start and rng.random() < 0.1:
            start += "T00:00:00"
        self.data.relationships.append(
            {
                "uuid": self.uuid("relationship"),
                "client_uuid": entity,
                "related_uuid": party,
                "type": kind,
                "number_of_shares": shares if kind in ("Shareholder", "Owner") else None,
                "percentage": percentage if kind == "Partner" else None,
                "start_date": start,
                "end_date": end,
            }
        )

    def group(self, name: str, members: list[str]) -> None:
        """Add a client group holding ``members``."""
        group_uuid = self.uuid("group")
        taxable = "Yes" if self.rng.random() < 0.3 else "No"
        self.data.groups.append({"uuid": group_uuid, "name": name, "taxable": taxable})
        for member in dict.fromkeys(members):
            self.data.members.append({"group_uuid": group_uuid, "client_uuid": member})

    # --- Details -----------------------------------------------------------------------
    def existing_or_new_person(self, share: float = 0.2, **kwargs) -> str:
        """A person already in the practice (people hold roles in several entities) or a new one."""
        if self.people and self.rng.random() < share:
            return self.rng.choice(self.people)
        return self.person(**kwargs)

    def company_name(self) -> str:
        """An invented company name."""
        rng = self.rng
        suffix = "Limited" if rng.random() < 0.85 else "Ltd"
        return f"{rng.choice(names.PLACES)} {rng.choice(names.TRADES)} {suffix}"

    def _any_person_name(self) -> str:
        return f"{self.rng.choice(names.FIRST_NAMES)} {self.rng.choice(names.LAST_NAMES)}"

    def _date(self, first_year: int, last_year: int) -> str:
        start = date(first_year, 1, 1)
        return (
            start + timedelta(days=self.rng.randrange((last_year - first_year) * 365))
        ).isoformat()

    def _contact_details(self, name: str) -> dict:
        rng = self.rng
        street, city, region, post_code = rng.choice(names.STREETS)
        number = rng.randint(1, 400)
        details = {
            "Address": f"{number} {street}",
            "City": city,
            "Region": region,
            "PostCode": post_code,
            "Country": "New Zealand" if rng.random() < 0.3 else "",
            "AccountManager": rng.choice(self.staff),
        }
        if rng.random() < 0.85:
            details["Email"] = f"{ascii_slug(name)}@example.co.nz"
        if rng.random() < 0.8:
            details["Phone"] = (
                f"0{rng.choice('34679')} {rng.randint(200, 999)} {rng.randint(1000, 9999)}"
            )
        if rng.random() < 0.05:
            details["Fax"] = f"09 {rng.randint(200, 999)} {rng.randint(1000, 9999)}"
        roll = rng.random()
        if roll < 0.3:  # XPM keeps the line breaks people typed into the postal address
            details["PostalAddress"] = (
                f"Level {rng.randint(1, 30)}\n{number} {street}\n{city} Central"
            )
        elif roll < 0.6:
            details["PostalAddress"] = f"PO Box {rng.randint(100, 99999)}"
        else:
            details["PostalAddress"] = f"{number} {street}"
        details.update(PostalCity=city, PostalRegion="", PostalPostCode=post_code)
        if rng.random() < 0.7:
            details["JobManager"] = rng.choice(self.staff)
        if rng.random() < 0.8:
            details["Type"] = rng.choice(names.BILLING_TYPES)
        return details

    def _tax(self) -> dict:
        rng = self.rng
        tax = {
            "TaxNumber": f"******{rng.randint(0, 999):03d}" if rng.random() < 0.85 else "",
            "BalanceMonth": "March" if rng.random() < 0.8 else rng.choice(("June", "September")),
            "SignedTaxAuthority": rng.choice(("Yes", "No")),
            "AgencyStatus": rng.choice(("With EOT", "Without EOT", "Unlinked", "")),
            "ProvisionalTaxBasis": rng.choice(
                ("Standard Option", "Estimate Option", "Ratio Option", "")
            ),
        }
        registered = rng.random() < 0.5
        tax["GSTRegistered"] = "Yes" if registered else "No"
        tax["PrepareGST"] = ("Yes" if rng.random() < 0.7 else "No") if registered else "No"
        if registered:
            tax["GSTPeriod"] = rng.choice(("Monthly", "2 Monthly", "6 Monthly"))
            tax["GSTBasis"] = rng.choice(("Invoice", "Payment", "Hybrid"))
        return tax

    def _contact(self, name: str, primary: bool) -> dict:
        rng = self.rng
        return {
            "UUID": self.uuid("contact"),
            "Name": name,
            "Mobile": f"02{rng.randint(1, 9)} {rng.randint(100, 999)} {rng.randint(1000, 9999)}",
            "Email": f"{ascii_slug(name)}@example.nz" if rng.random() < 0.8 else "",
            "Phone": "",
            "Position": "" if primary else "Accounts",
            "IsPrimary": "Yes" if primary else "No",
        }

    def _note(self) -> dict:
        title, text = self.rng.choice(names.NOTES)
        when = self._date(2015, 2025) + f"T{self.rng.randint(8, 17):02d}:00:00"
        return {
            "Title": title,
            "Text": text,
            "Folder": "",
            "Date": when,
            "CreatedBy": self.rng.choice(self.staff)["Name"],
        }


def generate(tenant: Tenant, clients: int) -> Dataset:
    """The dataset of ``tenant`` in a practice of ``clients`` clients (at least that many)."""
    practice = Practice(tenant)
    target = tenant.size(clients)
    fixtures.add(practice)
    while len(practice.data.clients) < target:
        structures.add_one(practice)
    return practice.data
