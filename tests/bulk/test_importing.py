"""Nothing is written until the user confirms; then every valid row lands in one transaction."""

from datetime import date

import pytest
from sqlalchemy import select, update

from portal import database
from portal.bulk import write
from portal.models import Association, AuditEvent, BulkImport, BulkImportRow, Profile
from tests.bulk.conftest import (
    batch,
    company,
    counts,
    csv_file,
    imported,
    person,
    profile,
    role,
    run_import,
    trust,
    uploaded,
)
from tests.conftest import make_user

FAMILY = [
    company("CO-1", total_shares="1000", physical_address="12 Rimu Street"),
    trust("TR-1", settlement_date="1/04/2015"),
    person("IND-1", date_of_birth="26/11/1970"),
    person("IND-2", first_name="Wiremu"),
    role("IND-1", "Director", "CO-1", start_date="2015-04-01"),
    role("IND-1", "Shareholder", "CO-1", shares="600"),
    role("IND-2", "shareholder", "CO-1", shares="400"),
    role("IND-2", "Trustee", "TR-1"),
]


def associations(app, reference):
    with app.app_context():
        session = database.session()
        target = session.scalar(select(Profile.id).where(Profile.client_reference == reference))
        return sorted(
            (a.party.client_reference, a.role, a.shares, a.start_date)
            for a in session.scalars(select(Association).where(Association.profile_id == target))
        )


def test_nothing_is_written_until_the_user_confirms(app, client, signed_in):
    import_id = uploaded(client, csv_file(FAMILY))
    assert counts(app) == (0, 0, 1)
    assert batch(app, import_id).status == "checked"
    response = run_import(client, import_id)
    assert response.status_code == 303
    assert batch(app, import_id).status == "done"
    assert counts(app) == (4, 4, 1)


def test_profiles_and_associations_as_the_file_says(app, client, signed_in):
    import_id = imported(client, csv_file(FAMILY))
    done = batch(app, import_id)
    assert (done.created, done.updated, done.unchanged) == (4, 0, 0)
    assert (done.links_created, done.links_updated, done.links_unchanged) == (4, 0, 0)
    kowhai = profile(app, "CO-1")
    assert (kowhai.name, kowhai.kind, kowhai.standing) == (
        "Kōwhai Holdings Limited",
        "company",
        "client",
    )
    assert kowhai.company_type_code == "limited_small" and kowhai.total_shares == 1000
    assert profile(app, "IND-1").name == "Aroha Ngata"
    assert profile(app, "IND-1").standing == "contact"
    assert profile(app, "IND-1").date_of_birth == date(1970, 11, 26)
    assert profile(app, "TR-1").settlement_date == date(2015, 4, 1)
    assert associations(app, "CO-1") == [
        ("IND-1", "director", None, date(2015, 4, 1)),
        ("IND-1", "shareholder", 600, None),
        ("IND-2", "shareholder", 400, None),
    ]


def test_setup_status_counts_the_associations_the_import_brings(app, client, signed_in):
    ready = company(
        "CO-1",
        company_number="1234567",
        total_shares="100",
        physical_address="12 Rimu Street",
        registered_address="12 Rimu Street",
        service_address="12 Rimu Street",
        filing_obligation="Registered office only",
        annual_return_month="March",
    )
    imported(client, csv_file([ready, person(), role("IND-1", "Director", "CO-1")]))
    assert profile(app, "CO-1").setup_status == "preparing"  # no shareholder yet
    imported(client, csv_file([role("IND-1", "Shareholder", "CO-1", shares="100")]))
    with app.app_context():
        session = database.session()
        session.execute(update(Profile).values(company_number_confirmed=True))
        session.commit()
    imported(client, csv_file([ready | {"phone": "09 555 0101"}]))
    assert profile(app, "CO-1").setup_status == "complete"


def test_uploading_the_same_file_again_changes_nothing(app, client, signed_in):
    imported(client, csv_file(FAMILY))
    before = {
        p.client_reference: p.updated_at
        for p in map(lambda r: profile(app, r), ["CO-1", "TR-1", "IND-1", "IND-2"])
    }
    again = batch(app, imported(client, csv_file(FAMILY)))
    assert (again.created, again.updated, again.unchanged) == (0, 0, 4)
    assert (again.links_created, again.links_updated, again.links_unchanged) == (0, 0, 4)
    assert counts(app)[:2] == (4, 4)
    after = {r: profile(app, r).updated_at for r in before}
    assert after == before


def test_a_changed_row_updates_only_what_changed(app, client, signed_in):
    imported(
        client, csv_file([company(phone="09 555 0101", email="a@kowhai.example.nz"), person()])
    )
    changed = [company(phone="09 555 0202", email=""), person(), role("IND-1", "Director", "CO-1")]
    result = batch(app, imported(client, csv_file(changed)))
    assert (result.created, result.updated, result.unchanged, result.links_created) == (0, 1, 1, 1)
    kowhai = profile(app, "CO-1")
    assert kowhai.phone == "09 555 0202"
    assert kowhai.email == "a@kowhai.example.nz"  # an empty cell leaves the value alone
    assert counts(app)[:2] == (2, 1)


def test_renaming_an_individual_renames_the_profile(app, client, signed_in):
    imported(client, csv_file([person()]))
    imported(client, csv_file([person(other_name="Mere")]))
    assert profile(app, "IND-1").name == "Aroha Mere Ngata"
    assert profile(app, "IND-1").sort_name == "aroha mere ngata"


def test_association_shares_and_dates_are_updated_not_duplicated(app, client, signed_in):
    imported(client, csv_file(FAMILY))
    changed = [role("IND-1", "Shareholder", "CO-1", shares="700", start_date="2016-01-01")]
    result = batch(app, imported(client, csv_file(changed)))
    assert (result.links_created, result.links_updated) == (0, 1)
    assert ("IND-1", "shareholder", 700, date(2016, 1, 1)) in associations(app, "CO-1")
    assert counts(app)[:2] == (4, 4)


def test_only_valid_rows_are_written(app, client, signed_in):
    rows = [company(), trust(trust_type="Unheard of"), person(), role("IND-1", "Trustee", "TR-1")]
    import_id = uploaded(client, csv_file(rows))
    page = client.get(f"/clients/bulk/{import_id}").get_data(as_text=True)
    assert "2 rows ready to import; 2 rows with problems will not be imported" in page
    run_import(client, import_id)
    assert counts(app)[:2] == (2, 0)
    assert profile(app, "TR-1") is None
    page = client.get(f"/clients/bulk/{import_id}").get_data(as_text=True)
    assert "Not imported: problems" in page


def test_fixed_file_then_imports_the_rest_without_duplicates(app, client, signed_in):
    rows = [company(), trust(trust_type="Unheard of")]
    imported(client, csv_file(rows))
    result = batch(app, imported(client, csv_file([company(), trust()])))
    assert (result.created, result.unchanged) == (1, 1)
    assert counts(app)[0] == 2


def test_association_with_a_profile_already_in_the_portal(app, client, signed_in):
    imported(client, csv_file([company()]))
    imported(client, csv_file([person(), role("IND-1", "Director", "CO-1")]))
    assert associations(app, "CO-1") == [("IND-1", "director", None, None)]


def test_a_client_row_makes_a_contact_a_client_never_the_reverse(app, client, signed_in):
    imported(client, csv_file([person()]))
    imported(client, csv_file([person(standing="client", subscription_plan="Guest")]))
    assert profile(app, "IND-1").standing == "client"
    imported(client, csv_file([person(standing="contact")]))
    assert profile(app, "IND-1").standing == "client"


def test_formula_cells_are_stored_exactly(app, client, signed_in):
    imported(client, csv_file([company(name="=cmd|' /C calc'!A0", mobile="'=1+1")]))
    kowhai = profile(app, "CO-1")
    assert kowhai.name == "=cmd|' /C calc'!A0"
    assert kowhai.mobile == "=1+1"  # the apostrophe the portal's own export adds comes off


def test_the_import_is_audited(app, client, signed_in):
    import_id = imported(client, csv_file([*FAMILY, trust("TR-2", trust_type="Nope")]))
    with app.app_context():
        event = database.session().scalar(
            select(AuditEvent).where(AuditEvent.action == "bulk_import")
        )
    assert (event.outcome, event.object_type, event.object_id) == ("ok", "bulk_import", import_id)
    assert event.user_id == signed_in[0] and event.firm_id == signed_in[1]
    assert event.summary == (
        "Bulk import of clients.csv: 4 created, 0 updated, 0 unchanged; associations 4 added, "
        "0 updated; 1 rows with problems not imported"
    )
    assert event.detail["created"] == 4 and event.detail["links_created"] == 4


def test_a_failure_writes_nothing_and_says_so(app, client, signed_in, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(write, "summary", broken)  # fails after every insert, before commit
    import_id = imported(client, csv_file(FAMILY))
    failed = batch(app, import_id)
    assert failed.status == "failed"
    assert counts(app)[:2] == (0, 0)
    page = client.get(f"/clients/bulk/{import_id}").get_data(as_text=True)
    assert "The import failed, and nothing was written." in page
    assert "disk on fire" not in page
    with app.app_context():
        outcomes = database.session().scalars(select(BulkImportRow.outcome)).all()
        event = database.session().scalar(
            select(AuditEvent).where(AuditEvent.action == "bulk_import")
        )
    assert set(outcomes) == {None}
    assert event.outcome == "failed"
    monkeypatch.undo()
    run_import(client, import_id)  # trying again is safe
    assert batch(app, import_id).status == "done"
    assert counts(app)[:2] == (4, 4)


def test_confirming_twice_imports_once(app, client, signed_in):
    import_id = uploaded(client, csv_file(FAMILY))
    run_import(client, import_id)
    response = client.post(f"/clients/bulk/{import_id}/import", follow_redirects=True)
    assert "This import has already been started." in response.get_data(as_text=True)
    assert counts(app)[:2] == (4, 4)


def test_a_stalled_import_can_be_started_again(app, client, signed_in):
    import_id = uploaded(client, csv_file([company()]))
    with app.app_context():
        session = database.session()
        with database.writing(session):
            stale = database.utcnow() - write.STALE_AFTER * 2
            session.execute(update(BulkImport).values(status="preparing", heartbeat_at=stale))
    page = client.get(f"/clients/bulk/{import_id}").get_data(as_text=True)
    assert "This import stopped before it finished" in page
    run_import(client, import_id)
    assert batch(app, import_id).status == "done"


def test_a_running_import_is_not_started_twice(app, client, signed_in):
    import_id = uploaded(client, csv_file([company()]))
    with app.app_context():
        session = database.session()
        assert write.confirm(session, signed_in[1], import_id, signed_in[0])
        assert not write.confirm(session, signed_in[1], import_id, signed_in[0])


def test_profiles_changed_between_preparing_and_writing(app, client, signed_in):
    """Someone adds CO-1 by hand while the import is being prepared: no duplicate."""
    import_id = uploaded(client, csv_file([company(phone="09 555 0101")]))
    with app.app_context():
        session = database.session()
        plan = write.prepare(session, session.get(BulkImport, import_id))
        with database.writing(session):
            session.add(
                Profile(
                    firm_id=signed_in[1],
                    kind="company",
                    name="Kōwhai",
                    sort_name="kowhai",
                    client_reference="CO-1",
                    standing="contact",
                )
            )
        write._write_checked(session, session.get(BulkImport, import_id), plan)
    assert counts(app)[0] == 1
    assert profile(app, "CO-1").phone == "09 555 0101"
    assert batch(app, import_id).updated == 1


def test_each_firm_has_its_own_references(app, client, signed_in, auth, other_firm_user):
    imported(client, csv_file([company()]))
    auth.logout()
    auth.login(email="staff@rata.example")
    result = batch(app, imported(client, csv_file([company(name="Rātā Limited")])))
    assert result.created == 1
    assert profile(app, "CO-1") is not None and counts(app)[0] == 2


@pytest.mark.parametrize("path", ["", "/import", "/problems.csv"])
def test_another_firms_import_is_not_found(app, client, signed_in, auth, other_firm_user, path):
    import_id = uploaded(client, csv_file([company()]))
    auth.logout()
    auth.login(email="staff@rata.example")
    method = client.post if path == "/import" else client.get
    assert method(f"/clients/bulk/{import_id}{path}").status_code == 404
    assert batch(app, import_id).status == "checked"


def test_a_second_member_of_staff_sees_the_firms_imports(app, client, signed_in, auth):
    import_id = uploaded(client, csv_file([company()]))
    make_user(app, email="second@kowhai.example")
    auth.logout()
    auth.login(email="second@kowhai.example")
    assert client.get(f"/clients/bulk/{import_id}").status_code == 200


def test_updates_of_different_columns_in_one_import(app, client, signed_in):
    imported(client, csv_file([company(), trust(), person(), role("IND-1", "Director", "CO-1")]))
    changed = [
        company(phone="09 555 0202"),
        trust(settlement_date="2015-04-01", email="trust@example.nz"),
        person(),
        role("IND-1", "Director", "CO-1", start_date="2015-04-01"),
        role("IND-1", "Settlor", "TR-1"),
    ]
    result = batch(app, imported(client, csv_file(changed)))
    assert (result.updated, result.unchanged, result.links_updated, result.links_created) == (
        2,
        1,
        1,
        1,
    )
    assert profile(app, "CO-1").phone == "09 555 0202"
    assert profile(app, "TR-1").settlement_date == date(2015, 4, 1)
    assert profile(app, "TR-1").email == "trust@example.nz"
    assert profile(app, "CO-1").email == ""
