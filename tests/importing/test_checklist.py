"""After import: the checklist comes from what is missing or unconfirmed (docs/spec.md §5)."""

from datetime import date, timedelta

from sqlalchemy import select

from portal import database
from portal.clients.checklist import checklist, needs_companies_office, setup_status
from portal.models import Association, Profile, SubscriptionPlan


def company(**values) -> Profile:
    defaults = {
        "kind": "company",
        "name": "Kōwhai Holdings Limited",
        "company_number": "1234567",
        "nzbn": "",
        "physical_address": "1 Queen Street",
        "registered_address": "1 Queen Street",
        "service_address": "1 Queen Street",
        "filing_obligation": "registered_office",
        "annual_return_month": 3,
        "companies_office_linked": False,
        "company_number_confirmed": False,
        "total_shares": 1000,
        "ird_number": "",
        "ird_number_masked": False,
    }
    return Profile(**(defaults | values))


def held(role: str, **values) -> Association:
    return Association(role=role, **values)


def texts(items) -> list[str]:
    return [item.text for item in items]


def test_an_unconfirmed_company_number_keeps_the_companies_office_item():
    items = checklist(company(), [held("director"), held("shareholder", shares=1000)])
    assert texts(items) == [
        "Confirm the company number with the Companies Office (not linked to it)"
    ]
    assert items[0].field == "company_number_confirmed"
    confirmed = company(company_number_confirmed=True)
    assert not needs_companies_office(confirmed)
    assert checklist(confirmed, [held("director"), held("shareholder", shares=1000)]) == []
    assert setup_status([]) == "complete"


def test_share_allocations_must_add_up_to_the_shares_issued():
    directors = [held("director")]
    base = company(company_number_confirmed=True)
    assert "Share allocations add up to 900, not the 1,000 shares issued" in texts(
        checklist(
            base, [*directors, held("shareholder", shares=600), held("shareholder", shares=300)]
        )
    )
    assert "Enter the number of shares for every shareholder" in texts(
        checklist(base, [*directors, held("shareholder", shares=None)])
    )
    unknown_total = company(company_number_confirmed=True, total_shares=None)
    assert "Enter the total number of shares the company has issued" in texts(
        checklist(unknown_total, [*directors, held("shareholder", shares=10)])
    )


def test_roles_that_have_ended_do_not_count():
    ended = date.today() - timedelta(days=1)
    items = texts(
        checklist(
            company(company_number_confirmed=True),
            [held("director", end_date=ended), held("shareholder", shares=1000)],
        )
    )
    assert items == ["Add at least one director"]


def test_a_masked_ird_number_is_incomplete_for_every_kind():
    masked = {"ird_number": "******123", "ird_number_masked": True}
    assert "Enter the full IRD number (only the last digits are known)" in texts(
        checklist(company(company_number_confirmed=True, **masked), [])
    )
    trust = Profile(kind="trust", name="Tui Trust", **masked)
    assert "Enter the full IRD number (only the last digits are known)" in texts(
        checklist(trust, [])
    )


def test_trustees_and_beneficiaries_need_appointment_dates():
    trust = Profile(
        kind="trust",
        name="Tui Trust",
        settlement_date=date(2010, 1, 1),
        trust_deed_date=date(2010, 1, 1),
        vesting_date=date(2090, 1, 1),
        ird_number="49091850",
        ird_number_masked=False,
    )
    items = texts(
        checklist(
            trust,
            [held("trustee", start_date=date(2010, 1, 1)), held("beneficiary"), held("settlor")],
        )
    )
    assert items == ["Enter each beneficiary's appointment date"]


def imported_company(app, firm_id) -> int:
    with app.app_context():
        session = database.session()
        plan = session.scalar(
            select(SubscriptionPlan.id).where(SubscriptionPlan.firm_id == firm_id)
        )
        with database.writing(session):
            profile = Profile(
                firm_id=firm_id,
                kind="company",
                name="Kōwhai Holdings Limited",
                sort_name="kowhai holdings limited",
                company_type_code="limited_small",
                subscription_plan_id=plan,
                company_number="1234567",
                ird_number="******123",
                ird_number_masked=True,
                origin="xpm",
                xpm_provider="xpm",
                xpm_client_uuid="e385e3e2-b4c8-511c-afce-7d65351e0f32",
                xpm_name="Kōwhai Holdings Limited",
            )
            session.add(profile)
        return profile.id, plan


def test_confirming_the_company_number_removes_the_notice(app, client, signed_in):
    profile_id, plan = imported_company(app, signed_in[1])
    page = client.get(f"/clients/{profile_id}").get_data(as_text=True)
    assert "Not linked to the Companies Office" in page
    assert f'href="/clients/{profile_id}/edit#field-company_number_confirmed"' in page
    form = client.get(f"/clients/{profile_id}/edit").get_data(as_text=True)
    assert 'value="******123"' in form  # the masked number is shown as XPM sent it
    data = {
        "name": "Kōwhai Holdings Limited",
        "company_type_code": "limited_small",
        "subscription_plan_id": str(plan),
        "company_number": "1234567",
        "company_number_confirmed": "y",
        "total_shares": "1000",
        "ird_number": "******123",
    }
    assert client.post(f"/clients/{profile_id}/edit", data=data).status_code == 302
    page = client.get(f"/clients/{profile_id}").get_data(as_text=True)
    assert "Not linked to the Companies Office" not in page
    assert "Total shares issued" in page and "1,000" in page
    assert "Enter the full IRD number" in page  # still masked
    client.post(f"/clients/{profile_id}/edit", data=data | {"ird_number": "49-091-850"})
    with app.app_context():
        profile = database.session().get(Profile, profile_id)
        assert (profile.ird_number, profile.ird_number_masked) == ("49-091-850", False)


def test_an_imported_contact_company_is_edited_without_a_plan_or_type(app, client, signed_in):
    with app.app_context():
        session = database.session()
        with database.writing(session):
            contact = Profile(
                firm_id=signed_in[1],
                kind="company",
                standing="contact",
                name="Pōhutukawa Trustee Company Limited",
                sort_name="pohutukawa trustee company limited",
                company_number="7654321",
                xpm_provider="xpm",
                xpm_client_uuid="5a0c3c1e-0000-4000-8000-000000000001",
            )
            session.add(contact)
    data = {
        "name": "Pōhutukawa Trustee Company Limited",
        "company_type_code": "",  # what the browser sends for "Choose a company type…"
        "subscription_plan_id": "",
        "company_number": "7654321",
        "company_number_confirmed": "y",
    }
    assert client.post(f"/clients/{contact.id}/edit", data=data).status_code == 302
    with app.app_context():
        edited = database.session().get(Profile, contact.id)
        assert edited.company_number_confirmed and edited.company_type_code is None
