"""Numbers, dates and names beyond what the database holds answer 404 or say why: never 500.

Generated from the URL map, so a route added later is covered too. Every test runs on
each database lane: PostgreSQL refuses an ``integer`` from 2³¹, SQLite from 2⁶³.
"""

import re

import pytest
from flask_login import current_user
from sqlalchemy import select, text

from portal import database
from portal.models import Association, BulkImport, Profile
from tests.bulk.conftest import company, csv_file, errors, imported, person, role, upload
from tests.conftest import SAMPLE_ARGUMENTS
from tests.test_clients import company as company_form
from tests.test_clients import profiles

OUT_OF_RANGE = [2**31, 2**63, 10**30, -1]
#: The query-string numbers any page reads.
QUERY_NUMBERS = ("page", "rows", "user", "link")


def get_routes(app):
    """(endpoint, rule) of every GET route but signing out."""
    for rule in app.url_map.iter_rules():
        if "GET" in rule.methods and rule.endpoint != "auth.logout":
            yield rule.endpoint, rule


def numbers_of(rule) -> list[str]:
    """The names of the rule's ``int`` arguments: ``<int:profile_id>``."""
    return re.findall(r"<int(?:\([^)]*\))?:(\w+)>", rule.rule)


def build(rule, **values) -> str:
    arguments = {arg: SAMPLE_ARGUMENTS[arg] for arg in rule.arguments} | values
    return rule.build(arguments, append_unknown=False)[1]


def test_ids_beyond_the_database_in_urls_are_not_found(app, client, signed_in):
    checked = 0
    for endpoint, rule in get_routes(app):
        for name in numbers_of(rule):
            for number in OUT_OF_RANGE:
                url = build(rule, **{name: number})
                response = client.get(url)
                assert response.status_code == 404, (endpoint, url, response.status_code)
                checked += 1
    assert checked >= 4 * len(OUT_OF_RANGE)


def test_numbers_beyond_the_database_in_query_strings_never_fail(app, client, signed_in):
    checked = 0
    for endpoint, rule in get_routes(app):
        for number in OUT_OF_RANGE:
            url = build(rule)
            response = client.get(url, query_string=dict.fromkeys(QUERY_NUMBERS, number))
            assert response.status_code < 500, (endpoint, url, number)
            checked += 1
    assert checked >= 10 * len(OUT_OF_RANGE)


@pytest.mark.parametrize("number", OUT_OF_RANGE)
def test_pages_beyond_the_database_show_the_last_page(app, client, signed_in, number):
    import_id = imported(client, csv_file([company()]))
    for url in ("/clients/", f"/clients/bulk/{import_id}", "/audit/"):
        response = client.get(url, query_string={"page": number, "rows": number})
        assert response.status_code == 200, url


def test_the_panel_says_not_found_for_a_profile_beyond_the_database(client, signed_in):
    for value in ("2147483648", "9" * 40, "²"):
        assert client.get("/clients/add", query_string={"link": value}).status_code == 404


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("from", "0001-01-01", "From: Enter a date from 1900 to 2999."),
        ("to", "9999-12-31", "To: Enter a date from 1900 to 2999."),
        ("from", "1899-12-31", "From: Enter a date from 1900 to 2999."),
        ("to", "2026-02-30", "To: “2026-02-30” is not a date. Write it as 2026-03-31."),
    ],
)
def test_audit_dates_beyond_a_sane_range_are_explained(client, signed_in, name, value, message):
    for headers in ({}, {"HX-Request": "true"}):
        response = client.get("/audit/", query_string={name: value}, headers=headers)
        assert response.status_code == 200
        assert message in response.get_data(as_text=True)


def test_audit_dates_at_the_ends_of_the_range_are_searched(client, signed_in):
    response = client.get("/audit/", query_string={"from": "1900-01-01", "to": "2999-12-31"})
    assert response.status_code == 200 and "these filters" in response.get_data(as_text=True)


# --- An uploaded file's name ----------------------------------------------------------------
@pytest.mark.parametrize(
    ("sent", "kept"),
    [
        ("clients\x00.csv", "clients.csv"),
        ("Kō\x07whai\u202e.csv", "Kōwhai.csv"),
        ("/home/aroha/clients.csv", "clients.csv"),
        ("\x00\x01", "upload.csv"),
    ],
)
def test_control_characters_in_an_uploads_name_are_dropped(app, client, signed_in, sent, kept):
    response = upload(client, csv_file([company()]), filename=sent)
    assert response.status_code == 303
    with app.app_context():
        assert database.session().scalar(select(BulkImport.filename)) == kept


# --- Share counts: one rule on every path ---------------------------------------------------
BIG = 3_000_000_000  # beyond 32 bits, as many a listed company has issued


def test_share_counts_beyond_32_bits_are_stored_from_a_csv_row(app, client, signed_in):
    rows = [
        company(total_shares=f"{BIG:,}"),
        person(),
        role("IND-1", "Shareholder", "CO-1", shares=str(BIG)),
    ]
    import_id = imported(client, csv_file(rows))
    with app.app_context():
        session = database.session()
        assert session.get(BulkImport, import_id).status == "done"
        assert session.scalar(select(Profile.total_shares).where(Profile.kind == "company")) == BIG
        assert session.scalar(select(Association.shares)) == BIG


def test_share_counts_beyond_the_limit_are_refused_on_the_csv_row(app, client, signed_in):
    too_many = str(10**15 + 1)
    rows = [company(total_shares=too_many), person(), role("IND-1", "Shareholder", "CO-1")]
    rows[2]["shares"] = str(2**63)
    response = upload(client, csv_file(rows))
    import_id = int(response.headers["Location"].rsplit("/", 1)[1])
    limit = "1,000,000,000,000,000"
    assert [e for e in errors(app, import_id) if "shares" in e[2]] == [
        (2, "Total shares", f"“{too_many}” is not a whole number of shares from 1 to {limit}."),
        (4, "Shares", f"“{2**63}” is not a whole number of shares from 0 to {limit}."),
    ]


def test_share_counts_keep_to_the_same_rule_on_the_form(app, client, signed_in):
    data = company_form(app, signed_in[1], total_shares=str(10**15 + 1))
    page = client.post("/clients/new/company", data=data).get_data(as_text=True)
    assert "Enter a whole number of shares from 1 to 1,000,000,000,000,000." in page
    assert profiles(app) == []
    client.post("/clients/new/company", data={**data, "total_shares": str(BIG)})
    assert [p.total_shares for p in profiles(app)] == [BIG]


# --- The error page -------------------------------------------------------------------------
@pytest.fixture
def failing(app):
    """A route that fails in the database once the signed-in user is loaded (added before
    the first request, as Flask requires); errors answer as in production."""

    @app.get("/_test/fails")
    def fails():
        assert current_user.email
        database.session().execute(text("SELECT no_such_column FROM firms"))

    app.config["PROPAGATE_EXCEPTIONS"] = False
    return app


def test_the_error_page_renders_after_a_failed_statement(failing, client, signed_in):
    """On PostgreSQL a failed statement leaves the transaction unusable: the error page
    (which reads the signed-in user's firm) must not run into it."""
    response = client.get("/_test/fails")
    page = response.get_data(as_text=True)
    assert response.status_code == 500
    assert "Something went wrong on our side" in page
    assert "Kōwhai Accounting" in page and "Sign out" in page  # the whole page, header and all


def test_a_bare_page_answers_when_even_the_error_page_fails(
    failing, client, signed_in, monkeypatch
):
    def broken(*_args, **_kwargs):
        raise RuntimeError("the database is down")

    monkeypatch.setattr("portal.errors.render_template", broken)
    response = client.get("/_test/fails")
    assert response.status_code == 500
    assert "Something went wrong on our side" in response.get_data(as_text=True)
