"""What the directory keeps to tell clients of one name apart: street and town, an
individual's year of birth, numbers and e-mail, as XPM's listings give them."""

from datetime import date

from portal.xpm import XpmClient
from tests.directory.test_store import listed, page, practice, stored  # noqa: F401 (fixture)


def amelia(uuid: str, born: date, city: str, **fields) -> XpmClient:
    return listed(
        uuid=uuid,
        name="Amelia Chen",
        first_name="Amelia",
        last_name="Chen",
        date_of_birth=born,
        address="Level 2\n14 Queen Street",
        city=city,
        email="amelia-chen@example.co.nz",
        **fields,
    )


def test_duplicate_names_keep_what_tells_them_apart(app, practice):  # noqa: F811
    stored(
        app,
        practice,
        [
            amelia("a1", date(1984, 3, 2), "Auckland"),
            amelia("a2", date(1961, 7, 9), "Wānaka"),
            listed(uuid="c1", name="Amelia Chen", date_of_birth=date(2001, 1, 1), city=""),
        ],
    )
    rows = {row.client_uuid: row for row in page(app, practice, text="amelia chen").rows}
    assert (rows["a1"].birth_year, rows["a1"].city) == (1984, "Auckland")
    assert (rows["a2"].birth_year, rows["a2"].city) == (1961, "Wānaka")
    assert rows["a1"].address == "Level 2"  # the first line of what was typed
    assert rows["a1"].email == "amelia-chen@example.co.nz"
    # No first or last name: an entity, whose "date of birth" is often its incorporation.
    assert rows["c1"].birth_year is None


def test_the_postal_town_stands_in_for_a_missing_one(app, practice):  # noqa: F811
    stored(app, practice, [listed(uuid="p1", name="Rimu Trust", postal_city="Ōamaru")])
    assert page(app, practice, text="rimu").rows[0].city == "Ōamaru"


def test_a_search_answer_keeps_the_year_of_birth_a_listing_gave(app, practice):  # noqa: F811
    stored(app, practice, [amelia("a1", date(1984, 3, 2), "Auckland")])
    # XPM's search sends the date of birth but not the names, so not whose date it is.
    searched = XpmClient(
        uuid="a1", name="Amelia Chen", date_of_birth=date(1984, 3, 2), city="Hamilton"
    )
    stored(app, practice, [searched])
    row = page(app, practice, text="amelia").rows[0]
    assert (row.birth_year, row.city) == (1984, "Hamilton")
    # A listing that names the person and has no date any more clears it.
    stored(app, practice, [amelia("a1", None, "Hamilton")])
    assert page(app, practice, text="amelia").rows[0].birth_year is None


def test_a_changed_town_counts_as_a_change(app, practice):  # noqa: F811
    assert stored(app, practice, [amelia("a1", date(1984, 3, 2), "Auckland")]) == 1
    assert stored(app, practice, [amelia("a1", date(1984, 3, 2), "Auckland")]) == 0
    assert stored(app, practice, [amelia("a1", date(1984, 3, 2), "Nelson")]) == 1
