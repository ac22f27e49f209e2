"""What a panel row shows (the details that tell clients of one name apart, the match
marked, escaped), the panel's title and rows in link mode, and its one status line."""

import re
from datetime import timedelta

import pytest
from markupsafe import Markup

from portal.database import utcnow
from portal.directory import Confirmation, Freshness, Row
from portal.panel.page import title
from portal.panel.rows import details
from portal.xpm import XpmError


def row(**fields) -> Row:
    values = {
        "client_uuid": "u1",
        "name": "Amelia Chen",
        "business_structure": "Individual",
        "company_number": "",
        "is_archived": False,
        "is_deleted": False,
        "is_prospect": False,
        "profile_id": None,
        "standing": None,
        "detailed": True,
    }
    return Row(**{**values, **fields})


@pytest.fixture
def macros(app):
    """The panel's macros, as page.html imports them (with the system's name)."""
    with app.test_request_context():
        template = app.jinja_env.get_template("panel/_macros.html")
        yield template.make_module({"system": "Xero Practice Manager", "linking": None})


def test_details_come_most_telling_first():
    person = row(birth_year=1984, address="14 Queen Street", city="Auckland", email="a@b.nz")
    assert details(person) == ["Born 1984", "14 Queen Street, Auckland", "a@b.nz"]
    company = row(company_number="1234567", business_number="9429000000001", city="Nelson")
    assert details(company) == ["Company number 1234567", "Nelson"]
    assert details(row(business_number="9429000000001")) == ["NZBN 9429000000001"]
    assert details(row()) == []


def test_five_rows_of_one_name_read_differently(macros):
    towns = ["Auckland", "Wellington", "Nelson", "Auckland", "Whangārei"]
    years = [1984, 1990, 1984, 1971, 2001]
    shown = set()
    for number, (town, year) in enumerate(zip(towns, years, strict=True)):
        html = str(
            macros.client_row(
                row(client_uuid=f"u{number}", city=town, birth_year=year), "", "xpm", None
            )
        )
        meta = re.search(r'<span class="row-meta">(.*?)</span>\s*</span>', html, re.S).group(1)
        shown.add(re.sub(r"<[^>]+>", "", meta))
    assert len(shown) == 5
    assert "Individual · Born 1984 · Auckland" in shown


def test_the_match_is_marked_in_the_names_own_letters(macros):
    html = str(macros.client_row(row(name="Kōwhai Holdings Limited"), "KOWHAI", "xpm", None))
    assert '<span class="row-name"><mark>Kōwhai</mark> Holdings Limited</span>' in html
    decomposed = "Ko\u0304whai Trust"  # ō as o and a combining macron
    html = str(macros.client_row(row(name=decomposed), "kowhai", "xpm", None))
    assert "<mark>Ko\u0304whai</mark> Trust" in html  # the macron stays with its letter


def test_names_and_details_from_xpm_are_escaped_around_the_mark(macros):
    hostile = row(
        name='<script>alert(1)</script> Kōwhai & "Co"',
        city='<img src=x onerror="alert(2)">',
        email="x@y.nz<b>",
    )
    html = str(macros.client_row(hostile, "kowhai", "xpm", None))
    assert "<script>" not in html and "<img" not in html and "<b>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt; <mark>Kōwhai</mark> &amp; &#34;Co&#34;" in html
    assert "&lt;img src=x onerror=&#34;alert(2)&#34;&gt;" in html
    assert isinstance(macros.client_row(hostile, "", "xpm", None), Markup)


def test_a_row_holds_no_control_of_its_own(macros):
    """An option whose children are links or buttons is "nested-interactive" (axe): the
    action is a label that Enter or a click on it acts on."""
    for fields in (
        {},
        {"profile_id": 7, "standing": "client"},
        {"standing": "contact", "profile_id": 8},
    ):
        html = str(macros.client_row(row(**fields), "", "xpm", None))
        assert not re.search(r"<(a|button|input|select|textarea)\b", html), html
        assert "tabindex" not in html
        assert re.search(r'<span class="button[^"]*row-action[^"]*" aria-hidden="true"', html)
    imported = str(macros.client_row(row(profile_id=7, standing="client"), "", "xpm", None))
    assert 'data-href="/clients/7" data-row-action>Open</span>' in imported


def test_the_panel_is_titled_for_what_it_does():
    assert title(False, "Xero Practice Manager") == "Add client"
    assert title(True, "Xero Practice Manager") == "Link to a Xero Practice Manager client"
    assert title(True, "WorkflowMax") == "Link to a WorkflowMax client"


def status(macros, freshness=None, confirmation=None) -> str:
    text = str(macros.sync_status(freshness, "Xero Practice Manager", confirmation))
    return " ".join(re.sub(r"<[^>]+>", " ", text).split())


def test_the_status_line_says_one_thing_at_a_time(macros):
    read = utcnow() - timedelta(seconds=70)
    fresh = Freshness(first_read=False, as_of=read, due=False)
    assert status(macros, fresh) == "Client list checked with Xero Practice Manager 1 minute ago."
    checking = Freshness(reading=True, first_read=False, as_of=read, due=False)
    assert status(macros, checking) == "Checking Xero Practice Manager for changes…"

    failed = Confirmation(error=XpmError("Xero Practice Manager is not answering right now."))
    said = status(macros, fresh, failed)
    assert said.startswith("Xero Practice Manager could not be asked about this search just now.")
    assert "read 1 minute ago" in said and "checked" not in said
    slow = status(macros, checking, Confirmation(slow=True))
    assert "taking too long to answer" in slow and "Checking" not in slow
    assert status(macros, fresh, Confirmation(changed=3)) == status(macros, fresh)
    assert status(macros) == ""
