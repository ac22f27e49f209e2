"""The pages of a report import: what they say, what they ask, and whose they are."""

from sqlalchemy import select

from portal import database
from portal.models import Profile, StructureMapping
from tests.conftest import PASSWORD
from tests.report_import.conftest import (
    PLAIN,
    choose,
    confirm_columns,
    csv_report,
    family,
    plan_id,
    selected,
    stored,
    upload,
    uploaded,
)

BASE = "/clients/bulk/xpm-report"


def test_the_page_says_which_report_to_build_in_xpm(client, signed_in):
    page = client.get(f"{BASE}/").get_data(as_text=True)
    for words in (
        "Report Builder",
        "Client &amp; Contact",
        "Table",
        "Relationship Type",
        "Related Client",
        "UUID",
        "Export → CSV",
    ):
        assert words in page
    assert f'href="{BASE}/"' in client.get("/clients/bulk/").get_data(as_text=True)


def test_a_refused_file_is_said_beside_the_upload(client, signed_in):
    response = upload(client, "[Client] Client\nKōwhai\n".encode("utf-16"))
    assert response.status_code == 422
    assert "UTF-16" in response.get_data(as_text=True)


def test_the_columns_page_shows_what_was_recognised_and_takes_corrections(client, signed_in):
    headers = {**PLAIN, "client": "Name of client"}  # not recognised: the user picks it
    token = uploaded(client, csv_report(family(), headers=headers))
    page = client.get(f"{BASE}/{token}/columns").get_data(as_text=True)
    chosen = selected(page)
    assert "client" not in chosen
    assert chosen["related_client"] == "4"
    response = client.post(f"{BASE}/{token}/columns", data=chosen)
    assert response.status_code == 422
    assert "Choose the column that holds the client name." in response.get_data(as_text=True)
    response = client.post(f"{BASE}/{token}/columns", data={**chosen, "client": "0"})
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/{token}/check")


def test_the_check_page_lists_bad_rows_and_asks_each_unmapped_structure_once(
    app, client, signed_in
):
    rows = family() + [
        {"client": "", "business_structure": "Company"},
        {"client": "Tāne Partnership", "business_structure": "Partnership"},
        {"client": "Hine Partnership", "business_structure": "Partnership"},
    ]
    token = uploaded(client, csv_report(rows))
    confirm_columns(client, token)
    page = client.get(f"{BASE}/{token}/check").get_data(as_text=True)
    assert "<td>14</td><td>The row has no client name.</td>" in page
    assert page.count("“Partnership”") == 1
    assert "Nothing has been written yet." in page
    response = client.post(f"{BASE}/{token}/check", data=choose(app))
    assert response.status_code == 422
    assert "Choose what a client with “Partnership” is." in response.get_data(as_text=True)
    assert stored(app) == ([], [])
    response = client.post(
        f"{BASE}/{token}/check", data=choose(app, **{"structure-0": "company", "remember": "y"})
    )
    assert response.status_code == 303
    app.extensions["portal.jobs"].drain(60)
    kinds = {name: kind for name, kind, *_ in stored(app)[0]}
    assert kinds["Tāne Partnership"] == kinds["Hine Partnership"] == "company"
    with app.app_context():
        mapping = database.session().scalar(
            select(StructureMapping.kind).where(StructureMapping.structure == "Partnership")
        )
    assert mapping == "company"


def test_same_name_rows_are_listed_until_the_user_says_they_are_one(app, client, signed_in):
    rows = [
        {"client": "Tui Limited", "business_structure": "Company", "email": "a@tui.nz"},
        {"client": "Tui Limited", "business_structure": "Company", "email": "b@tui.nz"},
    ]
    token = uploaded(client, csv_report(rows))
    confirm_columns(client, token)
    page = client.get(f"{BASE}/{token}/check").get_data(as_text=True)
    assert "Same name, different details" in page
    assert "email: a@tui.nz / b@tui.nz" in page
    response = client.post(f"{BASE}/{token}/one-client", data={"name": "Tui Limited"})
    assert response.status_code == 303
    page = client.get(f"{BASE}/{token}/check").get_data(as_text=True)
    assert "Same name, different details" not in page
    client.post(f"{BASE}/{token}/check", data=choose(app))
    app.extensions["portal.jobs"].drain(60)
    assert [p[0] for p in stored(app)[0]] == ["Tui Limited"]


def test_the_progress_page_answers_htmx_with_its_block(app, client, signed_in):
    token = uploaded(client, csv_report(family()))
    confirm_columns(client, token)
    client.post(f"{BASE}/{token}/check", data=choose(app))
    app.extensions["portal.jobs"].drain(60)
    page = client.get(f"{BASE}/{token}/progress")
    assert "<h1>" in page.get_data(as_text=True)
    fragment = client.get(f"{BASE}/{token}/progress", headers={"HX-Request": "true"})
    text = fragment.get_data(as_text=True)
    assert "<h1>" not in text and 'id="report-status"' in text
    assert "4 profiles created" in text
    assert "HX-Request" in fragment.headers["Vary"]
    with app.app_context():
        kowhai = database.session().scalar(
            select(Profile.id).where(Profile.name == "Kōwhai Holdings Limited")
        )
    assert f'href="/clients/{kowhai}"' in text


def test_a_second_confirmation_does_not_import_twice(app, client, signed_in):
    token = uploaded(client, csv_report(family()))
    confirm_columns(client, token)
    for _ in range(2):
        assert client.post(f"{BASE}/{token}/check", data=choose(app)).status_code == 303
    app.extensions["portal.jobs"].drain(60)
    assert len(stored(app)[0]) == 4


def test_another_firms_upload_is_not_found(app, client, signed_in, other_firm_user):
    token = uploaded(client, csv_report(family()))
    client.post("/logout")
    other = app.test_client()
    other.post("/login", data={"email": "staff@rata.example", "password": PASSWORD})
    for page in ("columns", "check", "progress"):
        assert other.get(f"{BASE}/{token}/{page}").status_code == 404
    assert other.post(f"{BASE}/{token}/one-client", data={"name": "x"}).status_code == 404


def test_one_client_can_have_another_plan_than_its_kind(app, client, signed_in):
    token = uploaded(client, csv_report(family()))
    confirm_columns(client, token)
    premium = plan_id(app, "Unlimited")
    response = client.post(f"{BASE}/{token}/override", data={"name": "Nobody", "plan": "contact"})
    assert response.status_code == 422
    assert "No client of the file is named “Nobody”" in response.get_data(as_text=True)
    for name, plan in (("Aroha Ngata", str(premium)), ("Ngata Family Trust", "contact")):
        data = {"name": name, "plan": plan}
        assert client.post(f"{BASE}/{token}/override", data=data).status_code == 303
    page = client.get(f"{BASE}/{token}/check").get_data(as_text=True)
    assert "<td>Aroha Ngata</td>" in page and "<td>Unlimited</td>" in page
    client.post(f"{BASE}/{token}/check", data=choose(app))
    app.extensions["portal.jobs"].drain(60)
    with app.app_context():
        rows = (
            database.session()
            .execute(select(Profile.name, Profile.standing, Profile.subscription_plan_id))
            .all()
        )
    assert sorted(rows) == [
        ("Aroha Ngata", "client", premium),
        ("Kōwhai Holdings Limited", "client", plan_id(app)),
        ("Ngata Family Trust", "contact", None),
        ("Wiremu Ngata", "contact", None),
    ]
