"""The pages: Merge with… on a profile, the search, side by side, the confirmation, the merge,
and the removed profile's address leading to the kept one."""

import re

from sqlalchemy import select

from portal import database
from portal.models import AuditEvent, Profile
from tests.conftest import statements_run
from tests.merging.conftest import association_set


def page(client, url) -> str:
    response = client.get(url)
    assert response.status_code == 200, url
    return response.get_data(as_text=True)


def test_a_profile_offers_merge_and_suggests_its_likely_duplicate(client, signed_in, family):
    shown = page(client, f"/clients/{family.newer}")
    assert f'href="/clients/{family.newer}/merge">Merge with…</a>' in shown
    assert "Possibly the same as:" in shown
    assert f'href="/clients/{family.newer}/merge/{family.older}">Merge…</a>' in shown
    assert "same date of birth" in shown
    assert "Possibly the same as" not in page(client, f"/clients/{family.jane}")


def test_the_search_lists_same_kind_profiles_and_what_tells_them_apart(client, signed_in, family):
    found = page(client, f"/clients/{family.newer}/merge")
    assert 'value="Smith"' in found  # an individual's last name to start with
    assert f"/clients/{family.newer}/merge/{family.older}" in found
    assert f"/clients/{family.newer}/merge/{family.newer}" not in found  # not itself
    assert f"/merge/{family.trust}" not in found  # another kind
    assert "born 4 Mar 1961" in found and "Director of Kōwhai Holdings Limited" in found
    fragment = client.get(
        f"/clients/{family.newer}/merge?q=nobody", headers={"HX-Request": "true"}
    ).get_data(as_text=True)
    assert "<html" not in fragment and "No other individual" in fragment
    fragment = client.get(
        f"/clients/{family.newer}/merge?q=smith", headers={"HX-Request": "true"}
    ).get_data(as_text=True)
    assert "<html" not in fragment and "born 4 Mar 1961" in fragment


def defaults(client, url) -> dict[str, str]:
    """The choices the side-by-side page makes unless the user changes them."""
    radios = [tag for tag in re.findall(r"<input[^>]*>", page(client, url)) if " checked " in tag]
    return {
        re.search(r'name="([^"]+)"', tag)[1]: re.search(r'value="([^"]+)"', tag)[1]
        for tag in radios
    }


def test_side_by_side_shows_what_differs_with_the_defaults(client, signed_in, family):
    url = f"/clients/{family.newer}/merge/{family.older}"
    shown, chosen = page(client, url), defaults(client, url)
    assert chosen["keep"] == str(family.older)  # the older
    assert chosen["take_email"] == str(family.newer)  # the kept one has none
    assert chosen["take_phone"] == str(family.older)
    assert "take_date_of_birth" not in shown  # the same on both


def test_review_then_merge_then_the_old_address_leads_to_the_kept_one(client, signed_in, family):
    f = family
    url = f"/clients/{f.newer}/merge/{f.older}"
    form = {"keep": str(f.older), "take_email": str(f.newer), "take_phone": str(f.newer)}
    review = client.post(url, data=form)
    text = review.get_data(as_text=True)
    assert review.status_code == 200 and "A merge cannot be undone." in text
    assert (
        "3 roles move from John Smith (added 1 Jan 2025) to John Smith (added 1 Jan 2024)." in text
    )
    assert "2 roles held by both become one" in text
    assert "The role between the two (John Smith, associate of John Smith) is dropped" in text
    assert "2 fields taken from John Smith (added 1 Jan 2025)." in text
    assert 'name="confirmed" value="yes"' in text
    before = association_set(client.application, f.firm_id)
    assert before and client.application  # nothing merged by the review
    done = client.post(url, data={**form, "confirmed": "yes"})
    assert done.status_code == 302 and done.headers["Location"] == f"/clients/{f.older}"
    kept = page(client, done.headers["Location"])
    assert "John Smith (added 1 Jan 2025) was merged into John Smith (added 1 Jan 2024)." in kept
    assert "021 555 0202" in kept and "john@smith.example" in kept
    old = client.get(f"/clients/{f.newer}")
    assert old.status_code == 302 and old.headers["Location"] == f"/clients/{f.older}"
    assert "was merged into" in page(client, old.headers["Location"])
    edit = client.get(f"/clients/{f.newer}/edit")
    assert edit.headers["Location"] == f"/clients/{f.older}/edit"
    refresh = client.get(f"/clients/{f.newer}/xpm/refresh")  # every feature's pages alike
    assert refresh.headers["Location"] == f"/clients/{f.older}/xpm/refresh"
    kind = client.post(f"/clients/{f.newer}/kind", data={"kind": "company"})
    assert kind.headers["Location"] == f"/clients/{f.older}"
    with client.application.app_context():
        session = database.session()
        assert session.get(Profile, f.newer) is None
        event = session.scalar(select(AuditEvent).where(AuditEvent.action == "profile_merged"))
    assert event.detail["fields_taken"] == {"email": "john@smith.example", "phone": "021 555 0202"}


def test_a_refused_merge_says_why_and_changes_nothing(client, signed_in, family):
    f = family
    with client.application.app_context():
        session = database.session()
        with database.writing(session):
            for profile_id, uuid in ((f.older, "uuid-1"), (f.newer, "uuid-2")):
                linked = session.get(Profile, profile_id)
                linked.xpm_provider, linked.xpm_client_uuid = "xpm", uuid
    url = f"/clients/{f.newer}/merge/{f.older}"
    shown = page(client, url)
    assert "These two cannot be merged." in shown and "two different clients" in shown
    assert "Review the merge" not in shown
    refused = client.post(url, data={"keep": str(f.older), "confirmed": "yes"})
    assert refused.status_code == 409
    with client.application.app_context():
        assert database.session().get(Profile, f.newer) is not None


def test_a_missing_choice_is_said_beside_the_row(client, signed_in, family):
    url = f"/clients/{family.newer}/merge/{family.older}"
    response = client.post(url, data={"keep": str(family.older), "take_email": "12345"})
    text = response.get_data(as_text=True)
    assert response.status_code == 400 and "Not a valid choice" in text
    assert "A merge cannot be undone." not in text


def test_a_profile_cannot_be_merged_with_itself(client, signed_in, family):
    shown = page(client, f"/clients/{family.older}/merge/{family.older}")
    assert "cannot be merged with itself" in shown


def test_another_firms_profile_is_not_found(client, signed_in, family, other_firm_user):
    from tests.merging.conftest import build_family

    theirs = build_family(client.application, other_firm_user[1], other_firm_user[0])
    for url in (
        f"/clients/{family.older}/merge/{theirs.newer}",
        f"/clients/{theirs.newer}/merge/{family.older}",
        f"/clients/{theirs.newer}/merge",
    ):
        assert client.get(url).status_code == 404, url
        if url.endswith("/merge"):
            continue  # a search only
        merge = client.post(url, data={"keep": str(family.older), "confirmed": "yes"})
        assert merge.status_code == 404, url
    with client.application.app_context():
        assert database.session().get(Profile, theirs.newer) is not None


def test_suggestions_cost_one_query_however_many_there_are(app, client, signed_in, family):
    from datetime import date

    from tests.merging.conftest import add_profile

    def statements_for(url) -> int:
        with statements_run(app) as seen:
            assert client.get(url).status_code == 200
        return len(seen)

    one = statements_for(f"/clients/{family.older}")
    with app.app_context():
        session = database.session()
        with database.writing(session):
            for _ in range(4):
                add_profile(
                    session,
                    family.firm_id,
                    "individual",
                    "John Smith",
                    date_of_birth=date(1961, 3, 4),
                )
    assert page(client, f"/clients/{family.older}").count("Possibly the same as:") == 5
    assert statements_for(f"/clients/{family.older}") == one
