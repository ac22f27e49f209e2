"""Helpers for report import tests: XPM report files built here, and the steps to import one."""

import csv
import io
import re
from xml.sax.saxutils import escape

import pytest
from sqlalchemy import func, select

from portal import database
from portal.models import Association, Profile, SubscriptionPlan

PREFIXED = {
    "client": "[Client] Client",
    "uuid": "[Client] UUID",
    "business_structure": "[Client] Business Structure",
    "email": "[Client] Email",
    "company_number": "[Client] Company Number",
    "relationship_type": "[Client Relationship] Relationship Type",
    "related_client": "[Client Relationship] Related Client",
    "shares": "[Client Relationship] Number Of Shares",
    "groups": "[Client] Groups",
}
PLAIN = {key: header.split("] ", 1)[1] for key, header in PREFIXED.items()}
XML_NAMES = {
    "client": "Client-Client",
    "uuid": "Client-UUID",
    "business_structure": "Client-BusinessStructure",
    "email": "Client-Email",
    "company_number": "Client-CompanyNumber",
    "relationship_type": "ClientRelationship-RelationshipType",
    "related_client": "ClientRelationship-RelatedClient",
    "shares": "ClientRelationship-NumberOfShares",
    "groups": "Client-Groups",
}
U = {
    "kowhai": "0f6f2c1e-4b7a-4c1e-9a57-3f2b1d0c9e11",
    "aroha": "1a2b3c4d-0000-4000-8000-000000000001",
    "wiremu": "1a2b3c4d-0000-4000-8000-000000000002",
    "trust": "1a2b3c4d-0000-4000-8000-000000000003",
}


def family(uuids=True) -> list[dict]:
    """A company, a trust and two people, each relationship on both clients' rows."""
    rows = [
        ("Kōwhai Holdings Limited", "kowhai", "Company", "Director", "Aroha Ngata", ""),
        ("Kōwhai Holdings Limited", "kowhai", "Company", "Shareholder", "Aroha Ngata", "600"),
        ("Kōwhai Holdings Limited", "kowhai", "Company", "Shareholder", "Wiremu Ngata", "400"),
        ("Aroha Ngata", "aroha", "Individual", "Director Of", "Kōwhai Holdings Limited", ""),
        ("Aroha Ngata", "aroha", "Individual", "Shareholder Of", "Kōwhai Holdings Limited", "600"),
        ("Aroha Ngata", "aroha", "Individual", "Spouse", "Wiremu Ngata", ""),
        ("Aroha Ngata", "aroha", "Individual", "Trustee Of", "Ngata Family Trust", ""),
        ("Wiremu Ngata", "wiremu", "Individual", "Spouse", "Aroha Ngata", ""),
        ("Wiremu Ngata", "wiremu", "Individual", "Beneficiary Of", "Ngata Family Trust", ""),
        ("Ngata Family Trust", "trust", "Family Trust", "Trustee", "Aroha Ngata", ""),
        ("Ngata Family Trust", "trust", "Family Trust", "Beneficiary", "Wiremu Ngata", ""),
        ("Ngata Family Trust", "trust", "Family Trust", "Settlor", "Wiremu Ngata", ""),
    ]
    return [
        {
            "client": name,
            **({"uuid": U[key]} if uuids else {}),
            "business_structure": structure,
            "relationship_type": kind,
            "related_client": other,
            "shares": shares,
            "groups": "Ngata",
        }
        for name, key, structure, kind, other, shares in rows
    ]


def csv_report(rows, headers=PREFIXED, bom=True, order=None) -> bytes:
    """A CSV export of ``rows`` under XPM's headers (``order`` picks and orders the keys)."""
    keys = order or [k for k in headers if any(k in row for row in rows)]
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([headers[k] for k in keys])
    for row in rows:
        writer.writerow([row.get(k, "") for k in keys])
    return ("\ufeff" if bom else "").encode() + buffer.getvalue().encode()


def xml_report(rows) -> bytes:
    """An XML export of ``rows``: one ``<Record>`` per row."""
    records = "".join(
        "<Record>"
        + "".join(f"<{XML_NAMES[k]}>{escape(v)}</{XML_NAMES[k]}>" for k, v in row.items())
        + "</Record>"
        for row in rows
    )
    head = '<?xml version="1.0" encoding="utf-8"?>'
    return f"{head}<Report><Records>{records}</Records></Report>".encode()


def upload(client, body: bytes, filename="clients.csv"):
    return client.post(
        "/clients/bulk/xpm-report/",
        data={"file": (io.BytesIO(body), filename)},
        content_type="multipart/form-data",
    )


def uploaded(client, body: bytes, filename="clients.csv") -> str:
    """Upload ``body``; its token (the columns page's address)."""
    response = upload(client, body, filename)
    assert response.status_code == 303, response.get_data(as_text=True)
    return response.headers["Location"].split("/")[-2]


def selected(page: str) -> dict[str, str]:
    """{select name: its selected option's value} on ``page``."""
    chosen = {}
    for name, options in re.findall(r'<select[^>]*name="([\w-]+)">(.*?)</select>', page, re.S):
        value = re.search(r'<option value="([^"]*)" selected', options)
        if value:
            chosen[name] = value.group(1)
    return chosen


def confirm_columns(client, token: str):
    """Accept the columns as recognised (the page's selected options)."""
    page = client.get(f"/clients/bulk/xpm-report/{token}/columns").get_data(as_text=True)
    return client.post(f"/clients/bulk/xpm-report/{token}/columns", data=selected(page))


def plan_id(app, name="Standard") -> int:
    with app.app_context():
        return database.session().scalar(
            select(SubscriptionPlan.id).where(SubscriptionPlan.name == name)
        )


def choose(app, **extra) -> dict:
    """The check page's answers: every kind a client on the Standard plan."""
    plan = str(plan_id(app))
    return {
        "plan-company": plan,
        "plan-trust": plan,
        "plan-individual": "contact",
        "company_type": "limited_small",
        "trust_type": "family",
        **extra,
    }


def imported(app, client, body: bytes, filename="clients.csv", **answers):
    """Upload, confirm the columns, answer the check page, and wait for the import."""
    token = uploaded(client, body, filename)
    assert confirm_columns(client, token).status_code == 303
    response = client.post(f"/clients/bulk/xpm-report/{token}/check", data=choose(app, **answers))
    assert response.status_code == 303, response.get_data(as_text=True)
    app.extensions["portal.jobs"].drain(60)
    return token


def stored(app) -> tuple[list, list]:
    """(profiles as (name, kind, standing, uuid), associations as (entity, party, role, shares))."""
    with app.app_context():
        session = database.session()
        names = {p.id: p.name for p in session.scalars(select(Profile))}
        profiles = sorted(
            (p.name, p.kind, p.standing, p.xpm_client_uuid or "")
            for p in session.scalars(select(Profile))
        )
        links = sorted(
            (names[a.profile_id], names[a.party_id], a.role, a.shares)
            for a in session.scalars(select(Association))
        )
        return profiles, links


def counts(app) -> tuple[int, int]:
    with app.app_context():
        session = database.session()
        return tuple(session.scalar(select(func.count(m.id))) for m in (Profile, Association))


@pytest.fixture(autouse=True)
def _imports_finish(app):
    yield
    app.extensions["portal.jobs"].drain(60)
