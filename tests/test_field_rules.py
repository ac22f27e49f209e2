"""The manual form and a bulk CSV row accept and refuse the same values (portal/fields.py).

Each table's values go through the profile form (``CompanyForm``, as a POST would fill it)
and through a CSV row's cells (``bulk.check.read_cells``, as a file's row is read); the two
must agree, and with the table.
"""

import pytest
from flask import Flask
from werkzeug.datastructures import MultiDict

from portal.bulk.check import Checked, Choices, read_cells
from portal.clients.forms import CompanyForm
from portal.limits import MAX_SHARES
from portal.reference import MONTHS

NO_CHOICES = Choices(plans={}, company_types={}, trust_types={}, roles={})

#: (form field, CSV column, value, accepted)
TABLE = [
    ("email", "email", "aroha@kowhai.nz", True),
    ("email", "email", "a.b+c@mail.example.co.nz", True),
    ("email", "email", "not-an-email", False),
    ("email", "email", "aroha@kowhai", False),
    ("email", "email", "aroha ngata@kowhai.nz", False),
    ("email", "email", "@kowhai.nz", False),
    ("website", "website", "https://kowhai.nz", True),
    ("website", "website", "HTTP://kowhai.nz/about?x=1", True),
    ("website", "website", "kowhai.nz", False),
    ("website", "website", "javascript:alert(1)", False),
    ("website", "website", "https://kowhai .nz", False),
    ("website", "website", "ftp://kowhai.nz", False),
    ("ird_number", "ird_number", "49091850", True),
    ("ird_number", "ird_number", "136410132", True),
    ("ird_number", "ird_number", "49-091-850", True),
    ("ird_number", "ird_number", "136 410 132", True),
    ("ird_number", "ird_number", "******123", True),  # masked by XPM: kept, flagged
    ("ird_number", "ird_number", "136410133", False),
    ("ird_number", "ird_number", "123456789", False),
    ("ird_number", "ird_number", "9125568", False),
    ("ird_number", "ird_number", "150000000", False),
    ("ird_number", "ird_number", "IRD49091850", False),
    ("nzbn", "nzbn", "9429000106078", True),
    ("nzbn", "nzbn", "9429-0001-06078", True),
    ("nzbn", "nzbn", "9429000106079", False),
    ("nzbn", "nzbn", "942900010607", False),
    ("nzbn", "nzbn", "12345", False),
    ("company_number", "company_number", "1234567", True),
    ("company_number", "company_number", "12a", False),
    ("company_number", "company_number", "12 34", False),
    ("company_number", "company_number", "-12", False),
    ("total_shares", "total_shares", "1", True),
    ("total_shares", "total_shares", str(MAX_SHARES), True),
    ("total_shares", "total_shares", "0", False),  # shares issued start at 1
    ("total_shares", "total_shares", str(MAX_SHARES + 1), False),
    ("total_shares", "total_shares", str(2**63), False),
    ("total_shares", "total_shares", "-5", False),
    ("total_shares", "total_shares", "1.5", False),
    ("total_shares", "total_shares", "many", False),
    ("annual_return_month", "annual_return_month", "1", True),
    ("annual_return_month", "annual_return_month", "12", True),
    ("annual_return_month", "annual_return_month", "0", False),
    ("annual_return_month", "annual_return_month", "13", False),
]

#: A percentage is only entered in CSV (association rows): (value, stored, or None if refused).
PERCENTAGES = [
    ("0", "0"),
    ("100", "100"),
    ("12.5", "12.5"),
    ("12.5%", "12.5"),
    ("33.3333", "33.3333"),
    ("33.33333", None),  # more than four decimals
    ("100.0001", None),
    ("-1", None),
    ("half", None),
    ("NaN", None),
    ("Infinity", None),
]

#: A share count on an association row may be 0, and may be written with separators.
SHARES = [
    ("0", 0),
    ("1,000", 1000),
    ("1 000 000", 1_000_000),
    (str(MAX_SHARES), MAX_SHARES),
    (str(MAX_SHARES + 1), None),
    ("-1", None),
    ("1.5", None),
]


@pytest.fixture(scope="module")
def app():
    app = Flask(__name__)
    app.config.update(SECRET_KEY="field-rules", WTF_CSRF_ENABLED=False)
    return app


def form_accepts(app, field: str, value: str) -> bool:
    with app.test_request_context(method="POST"):
        form = CompanyForm(formdata=MultiDict({field: value}))
        form.validate()
        return not form[field].errors


def csv_cell(column: str, value: str) -> Checked:
    checked = Checked()
    read_cells({column: value}, [column], NO_CHOICES, checked)
    return checked


def csv_accepts(column: str, value: str) -> bool:
    checked = csv_cell(column, value)
    return not checked.errors and column in checked.values


@pytest.mark.parametrize(("field", "column", "value", "accepted"), TABLE)
def test_the_form_and_a_csv_row_agree(app, field, column, value, accepted):
    assert form_accepts(app, field, value) is accepted
    assert csv_accepts(column, value) is accepted


def test_every_month_the_form_offers_is_the_month_a_csv_row_reads(app):
    form_choices = CompanyForm.annual_return_month.kwargs["choices"]
    offered = {choice.value: choice.label for choice in form_choices if choice.value}
    assert list(offered.values()) == list(MONTHS)
    for value, name in offered.items():
        for written in (value, name, name[:3], name.upper()):
            assert csv_cell("annual_return_month", written).values == {
                "annual_return_month": int(value)
            }


@pytest.mark.parametrize(("value", "stored"), PERCENTAGES)
def test_a_percentage_is_0_to_100_with_at_most_four_decimals(value, stored):
    checked = csv_cell("percentage", value)
    if stored is None:
        assert checked.errors == [
            ("Percentage", f"“{value}” is not a percentage between 0 and 100.")
        ]
    else:
        assert checked.values == {"percentage": stored}


@pytest.mark.parametrize(("value", "stored"), SHARES)
def test_an_association_rows_shares(value, stored):
    checked = csv_cell("shares", value)
    assert checked.values == ({} if stored is None else {"shares": stored})
    assert bool(checked.errors) is (stored is None)
