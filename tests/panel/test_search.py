"""Scrolling and searching the panel against the XPM sandbox over real HTTP."""

import re
from html import unescape

import pytest
from sqlalchemy import select

from portal import database
from portal.database import writing
from portal.models import Profile, SubscriptionPlan
from portal.text import fold
from tests.panel.conftest import HX, drain, fragment

ROW = re.compile(r'<li id="client-([^"]+)" role="option"')
NAME = re.compile(r'<span class="row-name">(.*?)</span>', re.S)


def rows(body: str) -> list[str]:
    return ROW.findall(body)


def names(body: str) -> list[str]:
    return [unescape(re.sub(r"</?mark>", "", name)) for name in NAME.findall(body)]


def more_url(body: str) -> str | None:
    found = re.search(r'hx-get="([^"]+)" hx-trigger="intersect once"', body)
    return unescape(found.group(1)) if found else None


def test_scrolling_lists_every_active_client_in_name_order(app, client, synced, sandbox_control):
    body = fragment(client, "/clients/add").get_data(as_text=True)
    total = int(re.search(r"data-panel-count>([\d,]+) clients", body).group(1).replace(",", ""))
    seen, pages = names(body), 1
    url = more_url(body)
    while url:
        page = fragment(client, url).get_data(as_text=True)
        assert "data-panel-count" not in page  # only rows: they are added below the others
        seen += names(page)
        url, pages = more_url(page), pages + 1
    assert len(seen) == total and pages == -(-total // 25)
    assert [fold(name) for name in seen] == sorted(fold(name) for name in seen)
    assert sandbox_control.calls() == {}  # scrolling is answered by the directory


def test_searching_finds_names_without_macrons_and_marks_the_match(client, synced):
    response = fragment(client, "/clients/add/results", q="kowhai")
    body = response.get_data(as_text=True)
    assert "3 clients match “kowhai”" in body
    assert body.count("<mark>Kōwhai</mark>") == 3
    assert response.headers["X-Panel-Query"] == "q=kowhai&archived="
    assert 'hx-get="/clients/add/confirm?q=kowhai"' in body

    page = client.get("/clients/add", query_string={"q": "Kōwhai"}).get_data(as_text=True)
    assert "<h1>Clients</h1>" in page and 'value="Kōwhai"' in page
    assert page.count("<mark>Kōwhai</mark>") == 3


def test_rows_show_structure_number_badges_and_import(client, synced, sandbox_control):
    added = sandbox_control(
        "POST",
        "clients",
        json={
            "Name": "Quokka Archived Holdings Limited",
            "BusinessStructure": "Company",
            "CompanyNumber": "7654321",
            "IsArchived": "Yes",
            "IsProspect": "Yes",
        },
    )["uuid"]
    fragment(client, "/clients/add/confirm", q="quokka archived")  # XPM's search finds it
    hidden = fragment(client, "/clients/add/results", q="quokka archived").get_data(as_text=True)
    assert not rows(hidden) and "tick “Show archived and deleted clients”" in hidden
    body = fragment(client, "/clients/add/results", q="quokka", archived="1").get_data(as_text=True)
    assert rows(body) == [added]
    assert 'Company · <span class="row-detail">Company number 7654321</span>' in body
    assert "Archived</span>" in body
    assert "Prospect</span>" not in body  # XPM 3.1's answers do not say (no IsProspect)
    assert f'hx-get="/clients/import/xpm/{added}"' in body


def test_imported_and_contact_marks(app, client, synced):
    body = fragment(client, "/clients/add/results", q="kowhai").get_data(as_text=True)
    imported, contact, plain = rows(body)
    with app.app_context():
        session = database.session()
        plan = session.scalars(select(SubscriptionPlan)).first()
        with writing(session):
            for uuid, standing in ((imported, "client"), (contact, "contact")):
                session.add(
                    Profile(
                        firm_id=synced[1],
                        kind="company",
                        standing=standing,
                        subscription_plan_id=plan.id if standing == "client" else None,
                        name="Kōwhai",
                        sort_name="kowhai",
                        xpm_provider="xpm",
                        xpm_client_uuid=uuid,
                    )
                )
        profile_id = session.scalar(select(Profile.id).where(Profile.standing == "client"))
    body = fragment(client, "/clients/add/results", q="kowhai").get_data(as_text=True)
    row_of = dict(zip(rows(body), body.split('role="option"')[1:], strict=True))
    assert "Imported</span>" in row_of[imported]
    assert f'data-href="/clients/{profile_id}" data-row-action>Open</span>' in row_of[imported]
    assert "In portal as a contact" in row_of[contact] and "is-shown" in row_of[contact]
    assert f'hx-get="/clients/import/xpm/{contact}"' in row_of[contact]
    assert ">Import</span>" in row_of[plain] and "is-shown" not in row_of[plain]


def test_hostile_names_from_xpm_show_as_text(client, synced):
    body = fragment(client, "/clients/add/results", q="alert(1)").get_data(as_text=True)
    unmarked = body.replace("<mark>", "").replace("</mark>", "")
    assert "&lt;script&gt;alert(1)&lt;/script&gt; Holdings Limited" in unmarked
    assert "&lt;svg onload=alert(1)&gt;" in unmarked
    assert "<script" not in body and "<svg" not in body
    tui = fragment(client, "/clients/add/results", q="tūī & kea").get_data(as_text=True)
    assert "<mark>Tūī &amp; Kea</mark> Trust" in tui


@pytest.mark.parametrize(
    "query",
    ["%", "_", "100%_", "'", '"', "' OR 1=1 --", "<b>bold</b>", "🦜 Parrot", "Ōamaru", "a\x07b"],
)
def test_odd_searches_are_searched_literally(client, synced, sandbox_control, query):
    response = fragment(client, "/clients/add/results", q=query)
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "<b>bold" not in body
    shown = query.replace("\x07", "")
    assert f"match “{shown}”" in unescape(body) or f"matches “{shown}”" in unescape(body)


def test_a_search_over_200_characters_is_refused_before_any_call(client, synced, sandbox_control):
    body = fragment(client, "/clients/add/results", q="x" * 500).get_data(as_text=True)
    assert "at most 200 characters" in body and not rows(body)
    assert "confirm" not in body
    assert client.get("/clients/add/confirm", query_string={"q": "x" * 500}).status_code == 204
    assert sandbox_control.calls() == {}


def test_other_firms_see_their_own_panel(app, client, synced, auth, other_firm_user):
    auth.logout()
    auth.login(email="staff@rata.example")
    body = fragment(client, "/clients/add/results", q="kowhai").get_data(as_text=True)
    assert "not connected" in body and not rows(body)


def test_workflowmax_practices_are_read_from_numbered_pages(app, client, signed_in, sandbox_url):
    from tests.sandboxed import connect_portal

    assert "Connected to" in connect_portal(app, client, sandbox_url, provider="workflowmax")
    client.get("/clients/add", headers=HX)
    drain(app)
    body = fragment(client, "/clients/add").get_data(as_text=True)
    assert "From WorkflowMax" in body and len(rows(body)) == 25
    assert 'hx-get="/clients/import/workflowmax/' in body
