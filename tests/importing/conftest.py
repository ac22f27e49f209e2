"""A fake practice for the conversion service's unit tests, served through requests-mock.

The mock is an adapter mounted on the client's own session rather than the global
``requests_mock`` fixture, whose lock would let only one call run at a time: the import
reads five clients at once, and the tests check that it does.

``FakePractice`` holds clients and relationships and answers ``client.api/get/<uuid>`` in
XPM's XML, showing each relationship from both sides as XPM (and the sandbox) does: the
entity's record has "Director", the party's has "Director Of", Husband/Wife and Parent
Of/Child Of swap. The database is used without Flask: a plain engine and session.
"""

import re
import threading
import time
import uuid
from xml.sax.saxutils import escape

import pytest
import requests_mock
from sqlalchemy import func, inspect, select
from sqlalchemy.orm import sessionmaker

from portal.auth import service as auth_service
from portal.database import Base, make_engine
from portal.importing import service
from portal.importing.plan import Choices
from portal.models import SubscriptionPlan
from portal.xpm import Limits, RetryPolicy, TenantLimiter, XpmApi
from portal.xpm.transport import ReadOnlySession
from tests.conftest import REFERENCE_TABLES
from tests.xpm.conftest import FakeTokens, response_xml

XPM_URL = "https://api.xero.com/practicemanager/3.1/"
TENANT = "7a1c6f1e-0d2b-4c1e-9a57-3f2b1d0c9e11"
GET = re.compile(re.escape(XPM_URL + "client.api/get/") + r"(?P<uuid>[^/?]+)$")
INVERSE = {
    "Husband": "Wife",
    "Wife": "Husband",
    "Spouse": "Spouse",
    "Associate": "Associate",
    "Parent Of": "Child Of",
    "Child Of": "Parent Of",
}


class FakePractice:
    """Clients and relationships, answered as XPM answers ``client.api/get``."""

    def __init__(self, adapter, latency: float = 0.0):
        self.records: dict[str, dict] = {}
        self.relationships: list[dict] = []
        self.answers: dict[str, dict] = {}  # uuid -> a canned (faulty) answer
        self.calls: list[str] = []
        self.in_flight = self.max_in_flight = 0
        self.latency = latency
        #: The call (counted from 0, in arrival order) from which that client answers 503.
        self.fail_at: int | None = None
        self._failing: set[str] = set()
        #: Called on every call, before it is answered (to look at the database meanwhile).
        self.on_call = None
        self._lock = threading.Lock()
        adapter.register_uri("GET", GET, text=self._get)

    # --- Building the practice ---------------------------------------------------------
    def client(self, name: str, structure: str | None = "Company", **fields) -> str:
        """Add a client; ``structure`` None leaves BusinessStructure out."""
        client_uuid = fields.pop("UUID", None) or str(uuid.uuid4())
        record = {"UUID": client_uuid, "Name": name, **fields}
        if structure is not None:
            record["BusinessStructure"] = structure
        self.records[client_uuid] = record
        return client_uuid

    def person(self, first: str, last: str, structure="Individual", **fields) -> str:
        """Add an individual."""
        name = fields.pop("Name", f"{first} {last}")
        return self.client(name, structure, FirstName=first, LastName=last, **fields)

    def relate(self, entity: str, party: str, kind: str, **fields) -> str:
        """``party`` is ``kind`` of ``entity`` (NumberOfShares=…, StartDate=… as XPM names them)."""
        relationship_uuid = fields.pop("UUID", None) or str(uuid.uuid4())
        self.relationships.append(
            {"UUID": relationship_uuid, "entity": entity, "party": party, "Type": kind, **fields}
        )
        return relationship_uuid

    def recover(self) -> None:
        """Answer every call normally again."""
        self.fail_at = None
        self._failing.clear()

    # --- Answering -----------------------------------------------------------------------
    def _get(self, request, context):
        client_uuid = GET.match(request.url).group("uuid")
        with self._lock:
            if self.fail_at == len(self.calls):
                self._failing.add(client_uuid)
            self.calls.append(client_uuid)
            self.in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)
        try:
            if self.on_call is not None:
                self.on_call()
            if self.latency:
                time.sleep(self.latency)
            if client_uuid in self._failing:
                context.status_code = 503
                return '{"Detail": "ServiceNotAvailable"}'
            if client_uuid in self.answers:
                answer = self.answers[client_uuid]
                context.status_code = answer.get("status", 200)
                return answer.get("text", "")
            record = self.records.get(client_uuid)
            if record is None:
                return response_xml(
                    f"<ErrorDescription>Client not found: {client_uuid}</ErrorDescription>",
                    status="ERROR",
                )
            return response_xml(f"<Client>{self._client_xml(record)}</Client>")
        finally:
            with self._lock:
                self.in_flight -= 1

    def _client_xml(self, record: dict) -> str:
        fields = "".join(f"<{k}>{escape(str(v))}</{k}>" for k, v in record.items())
        related = []
        for r in self.relationships:
            if r["entity"] == record["UUID"]:
                related.append(self._relationship_xml(r, r["Type"], r["party"]))
            if r["party"] == record["UUID"]:
                kind = INVERSE.get(r["Type"], f"{r['Type']} Of")
                related.append(self._relationship_xml(r, kind, r["entity"]))
        return fields + (
            f"<Relationships>{''.join(related)}</Relationships>" if related else "<Relationships />"
        )

    def _relationship_xml(self, r: dict, kind: str, other: str) -> str:
        name = self.records.get(other, {}).get("Name", "Someone removed")
        extra = "".join(
            f"<{k}>{escape(str(v))}</{k}>"
            for k, v in r.items()
            if k not in ("UUID", "entity", "party", "Type")
        )
        return (
            f"<Relationship><UUID>{r['UUID']}</UUID><Type>{escape(kind)}</Type>"
            f"<RelatedClient><UUID>{other}</UUID><Name>{escape(name)}</Name></RelatedClient>"
            f"{extra}</Relationship>"
        )


@pytest.fixture
def adapter():
    return requests_mock.Adapter()


@pytest.fixture
def practice(adapter):
    return FakePractice(adapter)


@pytest.fixture
def api(adapter):
    """An XPM client for the fake practice: 5 calls in flight as in XPM, but no minute limit
    (tests make more than 60 calls a minute), and no waiting between retries."""
    session = ReadOnlySession()
    session.mount("https://", adapter)
    session.mount("http://", adapter)
    return XpmApi(
        XPM_URL,
        "xpm",
        TENANT,
        FakeTokens(),
        TenantLimiter(limits=Limits(per_minute=100_000, per_day=1_000_000)),
        retry=RetryPolicy(max_attempts=2, backoff_base=0.001, backoff_cap=0.001),
        session=session,
    )


@pytest.fixture
def ngata(practice):
    """Kōwhai Holdings: people, a company and a trust as shareholders; the trust's corporate
    trustee has directors of its own."""
    p = practice
    people = {n: p.person(*n.split()) for n in ("Aroha Ngata", "Wiremu Ngata", "Mere Ngata")}
    people["Rāwiri Parata"] = p.person("Rāwiri", "Parata")
    people["Hone Heke"] = p.person("Hone", "Heke")
    holdings = p.client("Kōwhai Holdings Limited", "Company", CompanyNumber="1234567")
    trust = p.client("Pōhutukawa Family Trust", "Family Trust", TaxNumber="******123")
    trustee = p.client("Pōhutukawa Trustee Company Limited", "Trustee Company")
    totara = p.client("Tōtara Investments Limited", "Limited Company")
    p.relate(holdings, people["Aroha Ngata"], "Director", StartDate="2015-04-01")
    p.relate(holdings, people["Wiremu Ngata"], "Director")
    p.relate(holdings, people["Aroha Ngata"], "Shareholder", NumberOfShares=400)
    p.relate(holdings, trust, "Shareholder", NumberOfShares=600)
    p.relate(holdings, totara, "Shareholder", NumberOfShares=100)
    p.relate(people["Aroha Ngata"], people["Wiremu Ngata"], "Husband")
    p.relate(trust, trustee, "Trustee", StartDate="2016-01-01T00:00:00")
    p.relate(trust, people["Mere Ngata"], "Beneficiary")
    p.relate(trustee, people["Aroha Ngata"], "Director")
    p.relate(trustee, people["Rāwiri Parata"], "Director")
    p.relate(totara, people["Hone Heke"], "Director")
    return {"holdings": holdings, "trust": trust, "trustee": trustee, **people}


# --- The database, without Flask -----------------------------------------------------------
@pytest.fixture
def sessions(database_url):
    """A session factory on the migrated test database; every row is removed afterwards."""
    engine = make_engine(database_url)
    yield sessionmaker(engine, expire_on_commit=False)
    with engine.begin() as connection:
        for table in reversed(stored_tables(connection)):
            if table.name not in REFERENCE_TABLES:
                connection.execute(table.delete())
    engine.dispose()


def stored_tables(connection) -> list:
    """The model's tables that the migrated database holds, parents first."""
    present = set(inspect(connection).get_table_names())
    return [table for table in Base.metadata.sorted_tables if table.name in present]


def table_counts(connection) -> dict[str, int]:
    """Rows in every table."""
    return {
        table.name: connection.scalar(select(func.count()).select_from(table))
        for table in stored_tables(connection)
    }


@pytest.fixture
def firm(sessions):
    """(firm id, user id, plan id) of a firm with the default plans and mappings."""
    with sessions() as session, session.begin():
        firm = auth_service.get_or_create_firm(session, "Kōwhai Accounting")
        user = auth_service.create_user(
            session, firm, "staff@kowhai.example", "correct horse battery staple", True
        )
        session.flush()
        plan = session.scalar(
            select(SubscriptionPlan.id).where(
                SubscriptionPlan.firm_id == firm.id, SubscriptionPlan.name == "Standard"
            )
        )
        return firm.id, user.id, plan


def import_from_xpm(sessions, api, firm, client_uuid, kind="company", choices=None, **options):
    """Import the XPM client ``client_uuid`` for ``firm`` (firm, user, plan ids) through the
    service, with the form's usual answers for ``kind`` unless ``choices`` are given;
    ``options`` go to ``import_client``."""
    firm_id, user_id, plan_id = firm
    with sessions() as session:
        return service.import_client(
            session,
            api,
            firm_id=firm_id,
            user_id=user_id,
            provider="xpm",
            client_uuid=client_uuid,
            choices=choices or choices_for(kind, plan_id),
            **options,
        )


def choices_for(kind: str, plan_id: int, **overrides) -> Choices:
    """The form's answers for a client of ``kind``."""
    types = {
        "company": {"company_type_code": "limited_small"},
        "trust": {"trust_type_code": "family"},
        "individual": {},
    }
    return Choices(kind=kind, subscription_plan_id=plan_id, **types[kind], **overrides)
