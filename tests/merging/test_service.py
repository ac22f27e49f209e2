"""The merge itself: every role kept once, the link moving, refusals, the record it leaves."""

from datetime import date, datetime

import pytest
from sqlalchemy import select

from portal import database
from portal.clients import duplicates
from portal.merging import service
from portal.models import AuditEvent, BulkImport, BulkImportRow, Profile, ProfileMerge
from tests.merging.conftest import add_profile, association_set, build_family, plan


def merge(app, family, kept, removed, choices=None):
    with app.app_context():
        session = database.session()
        profile = service.merge(
            session,
            family.firm_id,
            kept,
            removed,
            choices or {},
            family.user_id,
            address="203.0.113.9",
        )
        return profile.id


def profile(app, profile_id) -> Profile | None:
    with app.app_context():
        return database.session().get(Profile, profile_id)


def test_no_role_is_lost_or_held_twice(app, family):
    f = family
    merge(app, f, f.older, f.newer)
    assert association_set(app, f.firm_id) == {
        # Held by both: one, its missing label and relationship UUID filled in.
        (f.company, f.older, "director", None, date(2020, 1, 1), "Director", "rel-2"),
        (f.company, f.older, "shareholder", 500, None, "", None),  # moved
        (f.company, f.jane, "shareholder", 500, None, "", None),
        # Held by both with two dates: the kept one's date stays.
        (f.trust, f.older, "trustee", None, date(2019, 5, 1), "", None),
        (f.trust, f.older, "beneficiary", None, None, "", None),  # moved
        (f.trust, f.jane, "settlor", None, None, "", None),
        (f.older, f.jane, "spouse", None, None, "", None),  # moved from the profile's side
        # The "associate" between the two is gone: it would be held on itself.
    }
    assert profile(app, f.newer) is None


def test_the_audit_event_says_what_moved(app, family):
    f = family
    merge(app, f, f.older, f.newer, {"email": f.newer, "phone": f.older})
    with app.app_context():
        session = database.session()
        event = session.scalar(select(AuditEvent).where(AuditEvent.action == "profile_merged"))
        record = session.scalar(select(ProfileMerge))
    assert event.object_id == f.older and event.remote_addr == "203.0.113.9"
    assert event.summary.startswith(
        "Merged John Smith (added 1 Jan 2025) into John Smith (added 1 Jan 2024): 3 roles move from"
    )
    detail = event.detail
    assert detail["removed"] == {"id": f.newer, "name": "John Smith"}
    assert sorted(detail["roles_moved"]) == [
        "Jane Doe, spouse of John Smith",
        "John Smith, beneficiary of Smith Family Trust",
        "John Smith, shareholder of Kōwhai Holdings Limited",
    ]
    collapsed = {c["role"]: c for c in detail["roles_collapsed"]}
    director = collapsed["John Smith, director of Kōwhai Holdings Limited"]
    assert director["filled"] == {"label": "Director", "source_relationship_uuid": "rel-2"}
    trustee = collapsed["John Smith, trustee of Smith Family Trust"]
    assert trustee["conflicts"] == {"start_date": ["2019-05-01", "2018-01-01"]}
    assert detail["roles_dropped"] == ["John Smith, associate of John Smith"]
    assert detail["fields_taken"] == {"email": "john@smith.example"}
    assert detail["link_moved"] is None
    assert record.merged_profile_id == f.newer and record.kept_profile_id == f.older
    assert record.detail == detail and record.merged_by_id == f.user_id
    kept = profile(app, f.older)
    assert kept.email == "john@smith.example" and kept.phone == "09 555 0101"


def test_the_kept_profile_by_default_is_the_client_then_the_linked_then_the_older(app, family):
    f = family
    with app.app_context():
        session = database.session()
        older, newer = session.get(Profile, f.older), session.get(Profile, f.newer)
        assert service.default_kept(newer, older).id == f.older  # the older
        newer.xpm_client_uuid, newer.xpm_provider = "uuid-2", "xpm"
        assert service.default_kept(older, newer).id == f.newer  # the linked one
        standard = plan(session, f.firm_id)
        older.standing, older.subscription_plan_id = "client", standard
        assert service.default_kept(older, newer).id == f.older  # the client
        session.rollback()


def test_the_default_value_is_the_kept_ones_unless_it_has_none(app, family):
    with app.app_context():
        session = database.session()
        older, newer = session.get(Profile, family.older), session.get(Profile, family.newer)
        found = {d.key: d for d in service.differences(session, older, newer)}
    assert found["phone"].default == family.older
    assert found["email"].default == family.newer
    assert found["email"].shown == {family.older: "", family.newer: "john@smith.example"}
    assert "date_of_birth" not in found and "last_name" not in found


def test_the_link_moves_with_the_removed_profile(app, family):
    f = family
    linked_at = datetime(2026, 11, 1, 9, 30)
    with app.app_context():
        session = database.session()
        with database.writing(session):
            newer = session.get(Profile, f.newer)
            newer.xpm_provider, newer.xpm_client_uuid = "xpm", "8c1f-john"
            newer.xpm_name, newer.xpm_linked_at = "John Smith (XPM)", linked_at
    merge(app, f, f.older, f.newer)
    kept = profile(app, f.older)
    assert (kept.xpm_provider, kept.xpm_client_uuid) == ("xpm", "8c1f-john")
    assert (kept.xpm_name, kept.xpm_linked_at) == ("John Smith (XPM)", linked_at)
    with app.app_context():
        detail = database.session().scalar(select(ProfileMerge.detail))
    assert detail["link_moved"] == {"provider": "xpm", "uuid": "8c1f-john"}


def test_two_profiles_linked_to_different_xpm_clients_are_refused(app, family):
    f = family
    with app.app_context():
        session = database.session()
        with database.writing(session):
            for profile_id, uuid in ((f.older, "uuid-1"), (f.newer, "uuid-2")):
                linked = session.get(Profile, profile_id)
                linked.xpm_provider, linked.xpm_client_uuid = "xpm", uuid
    before = association_set(app, f.firm_id)
    with pytest.raises(service.MergeRefused, match="linked to two different clients"):
        merge(app, f, f.older, f.newer)
    assert association_set(app, f.firm_id) == before
    assert profile(app, f.newer) is not None
    with app.app_context():
        assert database.session().scalar(select(ProfileMerge)) is None


def test_profiles_of_two_kinds_are_refused(app, family):
    with pytest.raises(service.MergeRefused, match="same kind"):
        merge(app, family, family.company, family.trust)


def test_a_contact_merged_into_a_client_stays_a_client_and_a_client_makes_one(app, family):
    f = family
    with app.app_context():
        session = database.session()
        with database.writing(session):
            guest = plan(session, f.firm_id, "Guest")
            newer = session.get(Profile, f.newer)
            newer.standing, newer.subscription_plan_id = "client", guest
    merge(app, f, f.older, f.newer)  # the contact kept: it becomes a client with the plan
    kept = profile(app, f.older)
    with app.app_context():
        guest = plan(database.session(), f.firm_id, "Guest")
    assert kept.standing == "client" and kept.subscription_plan_id == guest


def test_the_plan_of_two_clients_is_chosen_like_any_field(app, family):
    f = family
    with app.app_context():
        session = database.session()
        with database.writing(session):
            for profile_id, name in ((f.older, "Standard"), (f.newer, "Unlimited")):
                chosen = plan(session, f.firm_id, name)
                client = session.get(Profile, profile_id)
                client.standing, client.subscription_plan_id = "client", chosen
        unlimited = plan(session, f.firm_id, "Unlimited")
    merge(app, f, f.older, f.newer, {"subscription_plan_id": f.newer})
    assert profile(app, f.older).subscription_plan_id == unlimited


def test_setup_status_is_recomputed_and_other_rows_follow(app, family):
    f = family
    with app.app_context():
        session = database.session()
        with database.writing(session):
            batch = BulkImport(
                firm_id=f.firm_id, filename="x.csv", file_bytes=1, file_sha256="0" * 64
            )
            session.add(batch)
            session.flush()
            session.add(
                BulkImportRow(bulk_import_id=batch.id, line=2, record="profile", profile_id=f.newer)
            )
            session.add(
                ProfileMerge(
                    firm_id=f.firm_id,
                    merged_profile_id=999_999,
                    merged_name="John Smith",
                    kept_profile_id=f.newer,
                )
            )
            older = session.get(Profile, f.older)
            older.setup_status = "complete"  # stale: the checklist says otherwise
    merge(app, f, f.older, f.newer)
    with app.app_context():
        session = database.session()
        assert session.scalar(select(BulkImportRow.profile_id)) == f.older
        chained = duplicates.merged_into(session, f.firm_id, 999_999)
        assert (chained.kept_id, chained.kept_name) == (f.older, "John Smith")
    assert profile(app, f.older).setup_status == "preparing"


def test_likely_duplicates_need_the_same_name_and_birth_date_or_e_mail(app, family, user):
    f = family
    with app.app_context():
        session = database.session()
        with database.writing(session):
            older = session.get(Profile, f.older)
            other = add_profile(session, f.firm_id, "individual", "John Smith")  # nothing else
            mailed = add_profile(
                session, f.firm_id, "individual", "JOHN SMITH", email="John@Smith.example"
            )
            company = add_profile(session, f.firm_id, "company", "John Smith")
        newer = session.get(Profile, f.newer)
        assert [p.id for p in duplicates.likely_duplicates(session, older)] == [f.newer]
        assert [p.id for p in duplicates.likely_duplicates(session, newer)] == [f.older, mailed.id]
        assert duplicates.likely_duplicates(session, session.get(Profile, other.id)) == []
        assert company.id not in [p.id for p in duplicates.likely_duplicates(session, mailed)]


def test_another_firms_profile_is_never_merged(app, family, other_firm_user):
    _, other_firm = other_firm_user
    theirs = build_family(app, other_firm, other_firm_user[0])
    with pytest.raises(service.MergeRefused, match="no longer exists"):
        merge(app, family, family.older, theirs.newer)
    assert profile(app, theirs.newer) is not None
