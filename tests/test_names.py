"""Names typed by staff cannot hide or reorder text; what XPM sends is kept exactly and
shown so that such characters are visible.

One rule (``portal.text.name_problem``) for the manual form, bulk CSV rows, Settings →
Structure mapping and the ``users create`` command; one marker (``portal.text.reveal``)
on every page, through the template environment's ``finalize``.
"""

import pytest
from markupsafe import Markup
from sqlalchemy import select

from portal import database
from portal.models import Profile, StructureMapping
from portal.text import name_problem, reveal
from portal.web import show_hidden_characters
from tests.bulk.conftest import company as company_row
from tests.bulk.conftest import csv_file, errors, person, uploaded
from tests.conftest import PASSWORD
from tests.test_clients import company, individual, plan_id, profiles

RLO = "\u202e"
#: (typed, what the message names): each is refused wherever staff type a name.
REFUSED = [
    (f"Kōwhai{RLO}DTL", "Remove the right-to-left override (U+202E) at character 7"),
    ("Kōwhai\u2066Ltd", "Remove the left-to-right isolate (U+2066) at character 7"),
    ("Kōwhai\u200fLtd", "Remove the right-to-left mark (U+200F) at character 7"),
    ("Kō\u200bwhai", "Remove the zero width space (U+200B) at character 3"),
    ("Kōwhai\x85Ltd", "Remove the control character U+0085 at character 7"),
    ("Kō\x07whai", "Remove the control character U+0007 at character 3"),
    ("\u200d\u200d", "Enter letters or digits: what was entered shows nothing."),
    ("\u3164", "Enter letters or digits: what was entered shows nothing."),
]
ACCEPTED = ["Kōwhai Holdings Limited", "Ngā Tūpuna 🌿 & Co", "👨‍👩‍👧 Whānau Trust", "O'Connor"]


@pytest.mark.parametrize(("typed", "message"), REFUSED)
def test_the_rule_names_the_character_and_where_it_is(typed, message):
    assert name_problem(typed).startswith(message)


@pytest.mark.parametrize("typed", ACCEPTED)
def test_the_rule_accepts_real_names(typed):
    assert name_problem(typed) is None


@pytest.mark.parametrize(("typed", "message"), REFUSED)
def test_the_manual_form_refuses_them(app, client, signed_in, typed, message):
    response = client.post("/clients/new/company", data=company(app, signed_in[1], name=typed))
    assert response.status_code == 200
    assert message in response.get_data(as_text=True)
    assert profiles(app) == []


@pytest.mark.parametrize("field", ["first_name", "last_name", "other_name", "client_reference"])
def test_every_name_field_of_the_form_keeps_to_the_rule(app, client, signed_in, field):
    data = individual(app, signed_in[1], **{field: f"Aroha{RLO}"})
    page = client.post("/clients/new/individual", data=data).get_data(as_text=True)
    assert "Remove the right-to-left override (U+202E) at character 6" in page
    assert profiles(app) == []


@pytest.mark.parametrize(("typed", "message"), REFUSED)
def test_bulk_rows_refuse_them(app, client, signed_in, typed, message):
    import_id = uploaded(client, csv_file([company_row(name=typed), person(last_name=typed)]))
    found = errors(app, import_id)
    assert [(line, column) for line, column, _ in found] == [(2, "Name"), (3, "Last name")]
    assert all(text.startswith(message) for _, _, text in found)


def test_bulk_references_keep_to_the_rule(app, client, signed_in):
    import_id = uploaded(client, csv_file([company_row(f"CO{RLO}1")]))
    [(line, column, message)] = errors(app, import_id)
    assert (line, column) == (2, "Client reference")
    assert message.startswith("Remove the right-to-left override (U+202E) at character 3")


def test_structure_mappings_keep_to_the_rule(app, client, signed_in):
    response = client.post(
        "/settings/structures/", data={"structure": f"Ltd{RLO} Co", "kind": "company"}
    )
    assert response.status_code == 400
    assert "Remove the right-to-left override" in response.get_data(as_text=True)
    with app.app_context():
        structures = database.session().scalars(select(StructureMapping.structure))
        assert not any(RLO in s for s in structures)


def test_the_users_command_keeps_to_the_rule(app, runner):
    result = runner.invoke(
        args=["users", "create", "--firm", f"Firm{RLO}", "--email", "a@b.nz", "--password-stdin"],
        input=PASSWORD + "\n",
    )
    assert result.exit_code != 0 and "Remove the right-to-left override" in result.output


# --- What XPM sent, shown -------------------------------------------------------------------
def test_reveal_marks_hidden_characters_only():
    assert reveal(f"Kōwhai{RLO}DTL") == "Kōwhai⟨U+202E⟩DTL"
    assert reveal("a\x85b\u200bc\ufeff") == "a⟨U+0085⟩b⟨U+200B⟩c⟨U+FEFF⟩"
    assert reveal("12 Rimu St\nAuckland\t1010") == "12 Rimu St\nAuckland\t1010"
    assert reveal("👨‍👩‍👧 Whānau") == "👨‍👩‍👧 Whānau"  # joiners are part of the emoji


def test_markup_is_left_whole():
    field = Markup('<input value="Kōwhai\u202eDTL">')
    assert show_hidden_characters(field) is field
    assert show_hidden_characters(7) == 7 and show_hidden_characters(None) is None


@pytest.fixture
def from_xpm(app, signed_in):
    """A profile as an XPM import stores it: the name exactly as XPM sent it."""
    with app.app_context():
        session = database.session()
        with database.writing(session):
            profile = Profile(
                firm_id=signed_in[1],
                kind="company",
                name=f"Kōwhai{RLO}DTL",
                sort_name=f"kōwhai{RLO}dtl",
                company_type_code="limited_small",
                subscription_plan_id=plan_id(app, signed_in[1]),
                physical_city="Auck\x85land",
            )
            session.add(profile)
        return profile.id


def test_pages_show_hidden_characters_as_markers(app, client, from_xpm):
    with app.app_context():
        assert database.session().get(Profile, from_xpm).name == f"Kōwhai{RLO}DTL"  # byte-exact
    for url in (f"/clients/{from_xpm}", "/clients/", "/clients/?q=dtl"):
        page = client.get(url).get_data(as_text=True)
        assert "Kōwhai⟨U+202E⟩DTL" in page, url
        assert RLO not in page, url
    assert "Auck⟨U+0085⟩land" in client.get(f"/clients/{from_xpm}").get_data(as_text=True)
    fragment = client.get("/clients/", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "Kōwhai⟨U+202E⟩DTL" in fragment and RLO not in fragment


def test_the_edit_form_keeps_the_value_it_was_given(app, client, signed_in, from_xpm):
    page = client.get(f"/clients/{from_xpm}/edit").get_data(as_text=True)
    assert f'value="Kōwhai{RLO}DTL"' in page  # the field is Markup: left whole
    data = company(app, signed_in[1], name=f"Kōwhai{RLO}DTL")
    page = client.post(f"/clients/{from_xpm}/edit", data=data).get_data(as_text=True)
    assert "Remove the right-to-left override (U+202E) at character 7" in page
