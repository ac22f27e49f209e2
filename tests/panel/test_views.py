"""The panel's routes without XPM: the menu entry, page and fragment, the not-connected state."""

import pytest

from portal import database
from portal.database import writing
from portal.models import XpmConnection
from tests.conftest import make_user
from tests.panel.conftest import HX

ROUTES = ["/clients/add", "/clients/add/results", "/clients/add/status"]


def test_the_menu_offers_import_from_other_system(client, signed_in):
    page = client.get("/clients/").get_data(as_text=True)
    assert 'role="menuitem"' in page and "Import from other system" in page
    assert 'href="/clients/add" hx-get="/clients/add" hx-target="#add-client-body"' in page
    assert '<dialog id="add-client"' in page and "data-open-on-load" not in page


def test_the_panel_as_a_page_is_the_clients_page_with_the_panel_open(client, signed_in):
    response = client.get("/clients/add")
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "HX-Request" in response.headers["Vary"]
    assert "<h1>Clients</h1>" in page and "<html" in page
    assert "data-open-on-load" in page
    assert '<h2 id="add-client-title">Add client</h2>' in page
    assert 'aria-labelledby="add-client-title"' in page
    assert 'aria-current="page">Clients</a>' in page


def test_the_panel_as_a_fragment_is_only_the_panel(client, signed_in):
    response = client.get("/clients/add", headers=HX)
    body = response.get_data(as_text=True)
    assert response.status_code == 200 and "HX-Request" in response.headers["Vary"]
    assert "<html" not in body and "<h1>Clients</h1>" not in body
    assert '<h2 id="add-client-title">Add client</h2>' in body


def test_not_connected_links_administrators_to_add_ons(client, signed_in):
    body = client.get("/clients/add", headers=HX).get_data(as_text=True)
    assert "Xero Practice Manager is not connected yet" in body
    assert 'href="/settings/addons/"' in body
    assert 'role="combobox"' not in body


def test_staff_are_told_who_can_connect(app, client, auth):
    make_user(app, email="clerk@kowhai.example")
    auth.login(email="clerk@kowhai.example")
    body = client.get("/clients/add", headers=HX).get_data(as_text=True)
    assert "A firm administrator can connect it under Settings → Add-ons" in body
    assert 'href="/settings/addons/"' not in body


def test_a_revoked_connection_says_it_needs_reconnecting(app, client, signed_in):
    with app.app_context():
        session = database.session()
        with writing(session):
            session.add(
                XpmConnection(
                    firm_id=signed_in[1],
                    provider="xpm",
                    status="needs_reconnect",
                    tenant_id="t",
                    last_error="invalid_grant",
                )
            )
    body = client.get("/clients/add", headers=HX).get_data(as_text=True)
    assert "needs reconnecting" in body and "invalid_grant" in body


@pytest.mark.parametrize("url", ROUTES)
@pytest.mark.parametrize("headers", [{}, HX])
def test_every_route_answers_without_a_connection(client, signed_in, url, headers):
    response = client.get(url, query_string={"q": "kowhai"}, headers=headers)
    assert response.status_code == 200
    assert "HX-Request" in response.headers["Vary"]
    assert response.headers["X-Panel-Query"] == "q=kowhai&archived="


def test_confirming_without_a_connection_changes_nothing(client, signed_in):
    assert client.get("/clients/add/confirm?q=kowhai", headers=HX).status_code == 204
