"""Bulk CSV columns for a company's incorporation date, filing obligation, registered
office and address for service; what a bulk import creates has the origin "bulk"."""

from sqlalchemy import select

from portal import database
from portal.models import Profile
from tests.bulk.conftest import HEADER, company, csv_file, errors, imported, person, profile


def test_the_new_company_columns_are_read_and_the_origin_is_bulk(app, client, signed_in):
    row = company(
        incorporation_date="18/06/2012",
        filing_obligation="registered office AND filing",
        registered_address="Level 2, 40 Queen Street",
        registered_city="Auckland",
        service_address="PO Box 1",
        service_country="New Zealand",
    )
    imported(client, csv_file([row, person()]))
    stored = profile(app, "CO-1")
    assert stored.incorporation_date.isoformat() == "2012-06-18"
    assert stored.filing_obligation == "registered_office_filing"
    assert (stored.registered_address, stored.registered_city) == (
        "Level 2, 40 Queen Street",
        "Auckland",
    )
    assert (stored.service_address, stored.service_country) == ("PO Box 1", "New Zealand")
    with app.app_context():
        assert set(database.session().scalars(select(Profile.origin))) == {"bulk"}
    page = client.get(f"/clients/{stored.id}").get_data(as_text=True)
    assert "Not linked to the Companies Office" not in page
    assert "<dt>How it came in</dt><dd>Bulk import</dd>" in page


def test_a_bad_filing_obligation_or_a_future_incorporation_is_an_error(app, client, signed_in):
    rows = [company(filing_obligation="Sometimes"), company("CO-2", incorporation_date="1/1/2999")]
    import_id = imported(client, csv_file(rows))
    found = errors(app, import_id)
    assert found[0][:2] == (2, "Filing obligation")
    assert "Use one of: Not registered office, Office filing only" in found[0][2]
    assert (3, "Incorporation date", "“1/1/2999” is in the future.") in found
    assert profile(app, "CO-1") is None and profile(app, "CO-2") is None


def test_the_template_has_the_new_columns(client, signed_in):
    for header in (
        "Incorporation date",
        "Filing obligation",
        "Registered office",
        "Registered office postcode",
        "Address for service",
        "Address for service country",
    ):
        assert header in HEADER
