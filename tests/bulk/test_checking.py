"""Every row is checked before anything is written; each bad input gets a precise report."""

import pytest

from tests.bulk.conftest import (
    HEADER,
    company,
    counts,
    csv_file,
    errors,
    person,
    problems,
    role,
    trust,
    upload,
    uploaded,
)


def refused(client, body: bytes) -> str:
    """Upload ``body``, expecting the whole file refused; the page's text."""
    response = upload(client, body)
    assert response.status_code in (413, 422), response.status_code
    return response.get_data(as_text=True)


# --- The template --------------------------------------------------------------------------
def test_template_is_a_csv_with_a_header_and_examples(client, signed_in):
    response = client.get("/clients/bulk/template.csv")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    text = response.data.decode("utf-8")
    assert text.startswith("\ufeffRow type,Client or contact,Client reference,Kind,Name")
    lines = text.splitlines()
    assert len(lines) >= 6
    assert "Kōwhai Holdings Limited" in text and "association" in text


def test_the_template_as_downloaded_is_ready_to_import(app, client, signed_in):
    import_id = uploaded(client, client.get("/clients/bulk/template.csv").data)
    assert problems(app, import_id) == []
    page = client.get(f"/clients/bulk/{import_id}").get_data(as_text=True)
    assert "All 8 rows are ready to import" in page
    assert "Nothing has been written yet" in page
    assert counts(app) == (0, 0, 1)


# --- The file as a whole -------------------------------------------------------------------
@pytest.mark.parametrize(("delimiter", "name"), [(";", "semicolons (;)"), ("\t", "tabs")])
def test_wrong_delimiter_is_named(app, client, signed_in, delimiter, name):
    page = refused(client, csv_file([company()], delimiter=delimiter))
    assert f"separated by {name}, not commas" in page
    assert "CSV UTF-8 (Comma delimited)" in page
    assert counts(app) == (0, 0, 0)


def test_missing_required_column_is_named(app, client, signed_in):
    header = [name for name in HEADER if name != "Subscription plan"]
    page = refused(client, csv_file([company()], header=header))
    assert "“Subscription plan” column is missing from the header row (line 1)" in page
    assert counts(app) == (0, 0, 0)


def test_association_columns_are_needed_when_there_are_association_rows(client, signed_in):
    header = [name for name in HEADER if name not in ("Role", "On client reference")]
    page = refused(client, csv_file([company()], header=header))
    assert "“Role”, “On client reference” columns are missing" in page


def test_a_file_without_the_header_row_says_so(client, signed_in):
    page = refused(client, b"CO-1,company,Kowhai Holdings Limited\n")
    assert "not the template’s header row" in page


def test_fifty_megabytes_are_refused_without_reading_them(app, client, signed_in):
    body = csv_file([company()]) + b"x" * 50_000_000
    page = refused(client, body)
    assert "The file is 50.0 MB; the largest file the portal takes is 10.0 MB" in page
    assert counts(app) == (0, 0, 0)


def test_more_than_the_upload_limit_is_refused_on_the_page(app, client, signed_in):
    app.config["MAX_CONTENT_LENGTH"] = 1_000_000
    page = refused(client, b"x" * 1_200_000)
    assert "The file is too large" in page and "Bulk import" in page


@pytest.mark.parametrize(
    ("head", "said"),
    [
        (b"PK\x03\x04\x14\x00\x06\x00", "an Excel workbook (.xlsx)"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "an Excel 97–2003 workbook"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "a binary file"),
        (b"\xff\xfeR\x00o\x00w\x00", "UTF-16 text"),
    ],
)
def test_binary_files_are_refused(app, client, signed_in, head, said):
    page = refused(client, head + bytes(range(256)) * 4)
    assert said in page
    assert counts(app) == (0, 0, 0)


def test_text_in_another_encoding_names_the_line(app, client, signed_in):
    body = csv_file([company(), company("CO-2", name="Caf\u00e9 Limited")], bom=False)
    page = refused(client, body.replace("Café".encode(), "Caf\xe9".encode("latin-1")))
    assert "Line 3 is not UTF-8 text" in page
    assert counts(app) == (0, 0, 0)


def test_an_empty_file_is_refused(client, signed_in):
    assert "The file is empty" in refused(client, b"")


def test_no_file_chosen(client, signed_in):
    response = client.post("/clients/bulk/", data={}, content_type="multipart/form-data")
    assert "Choose the CSV file to upload." in response.get_data(as_text=True)


# --- Rows ---------------------------------------------------------------------------------
@pytest.mark.parametrize("bom", [True, False])
def test_utf8_with_or_without_bom(app, client, signed_in, bom):
    import_id = uploaded(client, csv_file([company(name="Ōtautahi Café Limited")], bom=bom))
    assert errors(app, import_id) == []


def test_unknown_company_type_and_plan(app, client, signed_in):
    rows = [company(company_type="Limited"), trust(subscription_plan="Platinum")]
    import_id = uploaded(client, csv_file(rows))
    found = errors(app, import_id)
    assert found[0][:2] == (2, "Company type")
    assert "“Limited” is not a company type. Use one of: Limited company (small)" in found[0][2]
    assert found[1][:2] == (3, "Subscription plan")
    assert "“Platinum” is not a subscription plan of this firm" in found[1][2]
    assert "Guest, Standard, Unlimited, Archive" in found[1][2]
    assert counts(app)[0] == 0


def test_types_and_plans_by_code_or_label_without_case(app, client, signed_in):
    rows = [company(company_type="LTC", subscription_plan="standard"), trust(trust_type="family")]
    assert errors(app, uploaded(client, csv_file(rows))) == []


def test_duplicate_reference_marks_every_use(app, client, signed_in):
    rows = [company("CO-1"), trust("TR-1"), company("CO-1", name="Other Limited")]
    import_id = uploaded(client, csv_file(rows))
    found = errors(app, import_id)
    assert [(line, column) for line, column, _ in found] == [
        (2, "Client reference"),
        (4, "Client reference"),
    ]
    assert "“CO-1” is on lines 2, 4" in found[0][2]
    page = client.get(f"/clients/bulk/{import_id}").get_data(as_text=True)
    assert "1 row ready to import; 2 rows with problems will not be imported" in page


def test_association_to_a_row_that_does_not_exist(app, client, signed_in):
    rows = [company("CO-1"), person("IND-1"), role("IND-1", "Director", "CO-9")]
    found = errors(app, uploaded(client, csv_file(rows)))
    assert found == [
        (
            4,
            "On client reference",
            "No profile row in this file, and no profile in the portal, has the client "
            "reference “CO-9”.",
        )
    ]


def test_association_to_a_row_with_problems(app, client, signed_in):
    rows = [
        company("CO-1", company_type="Nope"),
        person("IND-1"),
        role("IND-1", "Director", "CO-1"),
    ]
    found = errors(app, uploaded(client, csv_file(rows)))
    assert found[1][0] == 4
    assert "The profile row for “CO-1” (line 2) has problems" in found[1][2]


def test_formula_cells_are_reported_but_kept_as_text(app, client, signed_in):
    rows = [company(name="=cmd|' /C calc'!A0", phone="+64 9 555 0101", mobile="@SUM(1+1)")]
    import_id = uploaded(client, csv_file(rows))
    found = problems(app, import_id)
    assert errors(app, import_id) == []
    warned = {(column, severity) for _, column, severity, _ in found}
    assert warned == {("Name", "warning"), ("Mobile", "warning")}  # a phone number is harmless
    assert "stored as text, exactly as written, and never exported as a formula" in found[0][3]


def test_row_level_rules(app, client, signed_in):
    rows = [
        company(ird_number="123456789", nzbn="9429000000001", email="nobody", company_number="12a"),
        trust(settlement_date="31/02/2020", trust_type=""),
        person(first_name="", date_of_birth="1970-11-26"),
        company("CO-2", kind="partnership"),
        {"record": "client", "client_reference": "X"},
        role("IND-1", "Director", "IND-1"),
    ]
    found = {(line, column) for line, column, _ in errors(app, uploaded(client, csv_file(rows)))}
    assert found == {
        (2, "IRD number"),
        (2, "NZBN"),
        (2, "E-mail"),
        (2, "Company number"),
        (3, "Settlement date"),
        (3, "Trust type"),
        (4, "First name"),
        (5, "Kind"),
        (6, "Row type"),
        (7, "Client reference"),  # IND-1's own row has a problem
        (7, "On client reference"),
    }


def test_contacts_need_no_plan_or_type(app, client, signed_in):
    rows = [company(standing="contact", subscription_plan="", company_type=""), person()]
    assert errors(app, uploaded(client, csv_file(rows))) == []


def test_quoted_cells_with_commas_and_line_breaks(app, client, signed_in):
    rows = [
        company(physical_address="Level 2,\n12 Rimu Street"),
        company("CO-2", company_type="Nope"),
    ]
    found = errors(app, uploaded(client, csv_file(rows)))
    assert found[0][0] == 4  # the first row spans lines 2 and 3


def test_more_cells_than_columns(app, client, signed_in):
    body = csv_file([company()]).rstrip(b"\r\n") + b",surplus\r\n"
    found = errors(app, uploaded(client, body))
    message = "1 more cell than the header row has columns: does a value with a comma in it"
    assert found == [(2, "", message + " need quotes?")]


def test_unknown_columns_are_reported_and_ignored(app, client, signed_in):
    body = csv_file([company()], header=[*HEADER, "Favourite colour"])
    found = problems(app, uploaded(client, body))
    assert found == [
        (None, "Favourite colour", "warning", "The portal does not use this column; ignored.")
    ]


def test_kind_must_match_the_profile_already_in_the_portal(app, client, signed_in):
    from tests.bulk.conftest import imported

    imported(client, csv_file([company("REF-1")]))
    found = errors(app, uploaded(client, csv_file([trust("REF-1")])))
    assert found == [
        (2, "Kind", "Client reference “REF-1” is a company in the portal, not a trust.")
    ]
