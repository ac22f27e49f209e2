"""The import form over real HTTP against the sandbox: as a page and as the panel's fragment,
validation, Create, and what staff are told when XPM fails. (CSRF on its POST is checked
with every other state-changing route in tests/test_auth.py.)"""

import pytest
from sqlalchemy import select

from portal import database
from portal.addons.api import practice_api
from portal.models import Association, Profile
from portal.sandbox.fixtures import CHAIN_COMPANY, LARGE_COMPANY, XSS_NAME
from tests.importing.sandboxed import counts, find, import_url, plan_id, profile_named

HTMX = {"HX-Request": "true", "HX-Target": "add-client-body"}


def company_form(app, firm_id, **overrides):
    return {
        "kind": "company",
        "company_type_code": "limited_small",
        "subscription_plan_id": plan_id(app, firm_id),
        **overrides,
    }


@pytest.fixture
def holdings(app, connected):
    return find(app, connected[1], CHAIN_COMPANY, "Company")


def test_the_form_is_a_fragment_for_htmx_and_a_page_otherwise(client, holdings):
    page = client.get(import_url(holdings))
    fragment = client.get(import_url(holdings), headers=HTMX)
    for response in (page, fragment):
        assert response.status_code == 200
        assert "HX-Request" in response.headers["Vary"]
    assert b"<html" in page.data and b"<html" not in fragment.data
    assert b'<section class="import"' in fragment.data
    assert 'hx-target="#add-client-body"' in fragment.get_data(as_text=True)  # back to the list
    assert "Back to the list" in page.get_data(as_text=True)


def test_a_company_form_shows_its_mandatory_fields_preview_and_warning(client, holdings):
    page = client.get(import_url(holdings), headers=HTMX).get_data(as_text=True)
    assert (
        "Kōwhai Holdings Limited" in page
        and '<input type="hidden" name="kind" value="company">' in page
    )
    assert "data-gate-submit disabled" in page
    assert "Still needed: Company type, Subscription plan" in page
    assert "Trust type" not in page
    assert "Not linked to the Companies Office" in page
    assert 'href="/clients/new/company">manually (Add client manually)' in page
    for party in ("Aroha Ngata", "Wiremu Ngata", "Pōhutukawa Family Trust", "Rāwiri Parata"):
        assert party in page
    assert "Ngāti Rua Farms Limited" in page  # the company holds shares in it
    assert "1,000" in page and "600" in page  # shares


def test_a_trust_asks_for_its_trust_type_and_an_individual_only_for_a_plan(app, client, connected):
    # "Trust" says nothing of the trust type ("Family Trust" would: see test_structures.py).
    trust = find(app, connected[1], "Mataī Trust Example")
    page = client.get(import_url(trust)).get_data(as_text=True)
    assert "Still needed: Trust type, Subscription plan" in page
    assert "Company type" not in page and "Companies Office" not in page
    person = find(app, connected[1], "Aroha Ngata")
    page = client.get(import_url(person)).get_data(as_text=True)
    assert "Still needed: Subscription plan" in page
    assert "Trust type" not in page and "Company type" not in page


def test_an_unmapped_structure_asks_what_to_import_it_as(app, client, connected):
    partnership = find(app, connected[1], "Tōtara Partnership Example Limited")
    page = client.get(import_url(partnership)).get_data(as_text=True)
    assert "“Partnership” is not mapped to a kind" in page
    assert 'name="kind"' in page and "data-kind-choice" in page
    assert "Import every client with this XPM structure as this kind" in page  # administrators
    response = client.post(
        import_url(partnership), data={"subscription_plan_id": plan_id(app, connected[1])}
    )
    assert "Choose what kind of client to import it as." in response.get_data(as_text=True)
    assert profile_named(app, "Tōtara Partnership Example Limited") is None
    response = client.post(
        import_url(partnership),
        data={"kind": "trust", "subscription_plan_id": plan_id(app, connected[1])},
    )
    assert "Choose a trust type." in response.get_data(as_text=True)
    response = client.post(
        import_url(partnership),
        data={
            "kind": "trust",
            "trust_type_code": "trading",
            "subscription_plan_id": plan_id(app, connected[1]),
            "remember_structure": "y",
        },
    )
    assert response.status_code == 302
    assert profile_named(app, "Tōtara Partnership Example Limited").kind == "trust"
    with app.app_context():
        api = practice_api(database.session(), connected[1])
        found = api.search("Partners", detailed=True)
        others = [c for c in found if c.business_structure == "Partnership"]
    page = client.get(import_url(others[0].uuid)).get_data(as_text=True)
    assert "is not mapped" not in page and "<strong>Trust</strong>" in page


def test_missing_fields_rerender_the_form_with_errors(app, client, connected, holdings):
    before = counts(app)
    response = client.post(import_url(holdings), data={"kind": "company"}, headers=HTMX)
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "<html" not in page
    assert "Choose a subscription plan." in page and "Choose a company type." in page
    assert counts(app) == before


def test_create_opens_the_new_profile_with_its_checklist(app, client, connected, holdings):
    response = client.post(import_url(holdings), data=company_form(app, connected[1]), headers=HTMX)
    profile = profile_named(app, CHAIN_COMPANY)
    assert response.status_code == 200 and response.data == b""
    assert response.headers["HX-Redirect"] == f"/clients/{profile.id}"
    page = client.get(response.headers["HX-Redirect"]).get_data(as_text=True)
    assert "Imported Kōwhai Holdings Limited with" in page
    assert "Not linked to the Companies Office" in page
    assert "To check and complete" in page
    assert "Confirm the company number with the Companies Office" in page
    assert "Enter the full IRD number" in page
    for heading in ("Directors", "Shareholders", "Secretaries", "Roles held elsewhere"):
        assert f">{heading}<" in page
    assert (profile.standing, profile.setup_status) == ("client", "preparing")


def test_create_without_htmx_redirects(app, client, connected, holdings):
    response = client.post(import_url(holdings), data=company_form(app, connected[1]))
    assert response.status_code == 302
    assert response.headers["Location"] == f"/clients/{profile_named(app, CHAIN_COMPANY).id}"


def test_an_imported_client_opens_its_profile(app, client, connected, holdings):
    client.post(import_url(holdings), data=company_form(app, connected[1]))
    target = f"/clients/{profile_named(app, CHAIN_COMPANY).id}"
    assert client.get(import_url(holdings)).headers["Location"] == target
    assert client.get(import_url(holdings), headers=HTMX).headers["HX-Redirect"] == target


def test_a_trust_comes_with_trustees_beneficiaries_and_corporate_trustee(app, client, connected):
    trust = find(app, connected[1], "Pōhutukawa Family Trust")
    data = {
        "kind": "trust",
        "trust_type_code": "family",
        "subscription_plan_id": plan_id(app, connected[1]),
    }
    response = client.post(import_url(trust), data=data)
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    for text in ("Trustees", "Beneficiaries", "Settlors", "Pōhutukawa Trustee Company Limited"):
        assert text in page
    assert "Hēmi Ngata" in page  # the settlor
    trustee = profile_named(app, "Pōhutukawa Trustee Company Limited")
    with app.app_context():
        directors = (
            database.session()
            .scalars(
                select(Association).where(
                    Association.profile_id == trustee.id, Association.role == "director"
                )
            )
            .all()
        )
    assert len(directors) == 2  # the corporate trustee's own directors came too


def test_call_count_is_one_plus_the_related_clients_not_yet_stored(
    app, client, connected, holdings, sandbox_control
):
    firm_id = connected[1]
    large = find(app, firm_id, LARGE_COMPANY)
    client.post(import_url(holdings), data=company_form(app, firm_id))  # Aroha comes too
    assert profile_named(app, "Aroha Ngata").standing == "contact"
    before = counts(app)["profiles"]
    sandbox_control("POST", "reset", json={})
    response = client.post(import_url(large), data=company_form(app, firm_id))
    assert response.status_code == 302
    # One call for the company and one for each related client not yet in the portal (its
    # 40 parties but Aroha, and what its related companies and trusts hold shares in): each
    # of those is a new profile now.
    created = counts(app)["profiles"] - before
    assert sandbox_control.calls()["client.api/get"] == created >= 1 + 39
    with app.app_context():
        company = database.session().scalar(select(Profile).where(Profile.name == LARGE_COMPANY))
        held = (
            database.session()
            .scalars(select(Association).where(Association.profile_id == company.id))
            .all()
        )
    assert len(held) == 40


def test_xpm_down_changes_nothing_and_says_retrying_is_safe(
    app, client, connected, holdings, sandbox_control
):
    before = counts(app)
    sandbox_control("POST", "faults", json={"fault": "503", "endpoints": ["client.api/get"]})
    response = client.post(import_url(holdings), data=company_form(app, connected[1]), headers=HTMX)
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Nothing was imported. Xero Practice Manager is not answering right now" in page
    assert "Importing again is safe" in page
    assert (
        ">Try again</button>" in page and 'name="company_type_code" value="limited_small"' in page
    )
    assert counts(app) == before
    sandbox_control("DELETE", "faults")
    retried = client.post(import_url(holdings), data=company_form(app, connected[1]), headers=HTMX)
    assert "HX-Redirect" in retried.headers


@pytest.mark.parametrize("passed", [1, 4, 8])
def test_xpm_failing_halfway_changes_nothing(
    app, client, connected, holdings, sandbox_control, passed
):
    before = counts(app)
    get = ["client.api/get"]
    sandbox_control("POST", "faults", json={"endpoints": get, "count": passed})
    sandbox_control("POST", "faults", json={"fault": "error", "endpoints": get, "count": 1})
    response = client.post(import_url(holdings), data=company_form(app, connected[1]))
    page = response.get_data(as_text=True)
    assert "Nothing was imported. Xero Practice Manager could not do that" in page
    assert "Importing again is safe" in page
    assert counts(app) == before


def test_reading_the_form_when_xpm_is_down_offers_to_try_again(client, holdings, sandbox_control):
    sandbox_control("POST", "faults", json={"fault": "malformed", "endpoints": ["client.api/get"]})
    page = client.get(import_url(holdings), headers=HTMX).get_data(as_text=True)
    assert "could not read safely" in page
    assert f'hx-get="{import_url(holdings)}"' in page and "Try again" in page


@pytest.mark.parametrize("encoding", ["UTF-7", "Shift_JIS", "x-unknown"])
def test_an_answer_in_another_encoding_is_a_message_on_the_form_and_on_create(
    app, client, connected, holdings, sandbox_control, encoding
):
    before = counts(app)
    sandbox_control(
        "POST",
        "faults",
        json={"fault": "encoding", "encoding": encoding, "endpoints": ["client.api/get"]},
    )
    form = client.get(import_url(holdings), headers=HTMX)
    assert form.status_code == 200
    assert f"it says its text is in {encoding}, not UTF-8" in form.get_data(as_text=True)
    created = client.post(import_url(holdings), data=company_form(app, connected[1]), headers=HTMX)
    assert created.status_code == 200
    assert "Nothing was imported" in created.get_data(as_text=True)
    assert "not UTF-8" in created.get_data(as_text=True)
    assert counts(app) == before


def test_not_connected_says_so(app, client, signed_in):
    page = client.get(import_url("5a0c3c1e-0000-4000-8000-000000000000")).get_data(as_text=True)
    assert "connection to Xero Practice Manager" in page
    assert "Settings → Add-ons" in page


def test_a_malformed_uuid_is_not_found(client, signed_in):
    assert client.get("/clients/import/xpm/not%20a%20uuid").status_code == 404
    assert client.get("/clients/import/other/abc").status_code == 404


def test_hostile_names_are_escaped_and_stored_as_received(app, client, connected):
    hostile = find(app, connected[1], XSS_NAME)
    page = client.get(import_url(hostile)).get_data(as_text=True)
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt; Holdings Limited" in page
    assert "javascript:alert(1)" in page and 'href="javascript:' not in page
    response = client.post(import_url(hostile), data=company_form(app, connected[1]))
    profile = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "<script>alert(1)</script>" not in profile and "<svg onload" not in profile
    assert profile_named(app, XSS_NAME).website == "javascript:alert(1)"


def test_an_import_stores_every_profile_as_from_xpm(app, client, connected, holdings):
    response = client.post(import_url(holdings), data=company_form(app, connected[1]), headers=HTMX)
    assert response.status_code == 200
    with app.app_context():
        origins = database.session().scalars(select(Profile.origin)).all()
    assert len(origins) > 1 and set(origins) == {"xpm"}
    page = client.get(f"/clients/{profile_named(app, CHAIN_COMPANY).id}").get_data(as_text=True)
    assert "Not linked to the Companies Office" in page
    assert "<dt>How it came in</dt><dd>Imported from XPM or WorkflowMax</dd>" in page
