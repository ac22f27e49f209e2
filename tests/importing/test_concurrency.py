"""Twenty simultaneous Creates of one client: one profile, the expected associations, no 5xx.

Two levels are tested. Over HTTP, twenty staff press Create at the same moment against the
sandbox: this process reads XPM once and stores once, and every request opens the same
profile. Below that, twenty transactions store the same import at once, as workers of
several processes would: the unique keys and "insert or ignore" leave one of everything
(on SQLite, and on PostgreSQL when its lane runs).
"""

import threading
from concurrent.futures import ThreadPoolExecutor

from sqlalchemy import func, select

from portal import database
from portal.database import utcnow
from portal.importing import service, write
from portal.importing.plan import build_plan
from portal.models import Association, AuditEvent, Profile
from portal.sandbox.fixtures import CHAIN_COMPANY
from tests.importing.conftest import choices_for
from tests.importing.sandboxed import counts, find, import_url, plan_id, profile_named

CREATES = 20


def test_twenty_simultaneous_creates_over_http(app, client, connected, sandbox_control):
    app.config["IMPORT_REQUEST_WAIT"] = 30  # each waits for the outcome (here: no progress page)
    firm_id = connected[1]
    holdings = find(app, firm_id, CHAIN_COMPANY, "Company")
    form = {
        "kind": "company",
        "company_type_code": "limited_small",
        "subscription_plan_id": plan_id(app, firm_id),
    }
    cookie = client.get_cookie("session")
    start = threading.Barrier(CREATES)
    sandbox_control("POST", "reset", json={})

    def create(number: int):
        staff = app.test_client()
        staff.set_cookie("session", cookie.value, domain=cookie.domain)
        start.wait()
        headers = {"HX-Request": "true"} if number % 2 else {}
        return staff.post(import_url(holdings), data=form, headers=headers)

    with ThreadPoolExecutor(CREATES) as pool:
        responses = list(pool.map(create, range(CREATES)))
    assert [r.status_code for r in responses] == [
        302 if n % 2 == 0 else 200 for n in range(CREATES)
    ]
    profile = profile_named(app, CHAIN_COMPANY)
    target = f"/clients/{profile.id}"
    assert {r.headers.get("Location") or r.headers["HX-Redirect"] for r in responses} == {target}
    tables = counts(app)
    with app.app_context():
        actions = database.session().scalars(select(AuditEvent.action)).all()
    assert actions.count("import") == 1
    assert sandbox_control.calls()["client.api/get"] == 1 + 9  # read once, for everyone
    page = client.get(target).get_data(as_text=True)
    for party in ("Aroha Ngata", "Wiremu Ngata", "Pōhutukawa Family Trust", "Rāwiri Parata"):
        assert party in page
    again = client.post(import_url(holdings), data=form)
    assert again.headers["Location"] == target and counts(app) == tables


def test_twenty_transactions_storing_one_import_at_once(sessions, api, firm, practice, ngata):
    firm_id, user_id, plan_id_ = firm
    choices = choices_for("company", plan_id_)
    fetched = service.read_graph(api, ngata["holdings"], stored=set(), mappings={})
    with sessions() as session:
        mappings = service.structure_mappings(session, firm_id)
    plan = build_plan(fetched, mappings, choices, firm_id=firm_id, provider="xpm", now=utcnow())
    start = threading.Barrier(CREATES)

    def store(_):
        with sessions() as session:
            start.wait()
            return service._save(session, plan, user_id)

    with ThreadPoolExecutor(CREATES) as pool:
        outcomes = list(pool.map(store, range(CREATES)))
    assert len({o.profile_id for o in outcomes}) == 1
    assert sum(not o.already_imported for o in outcomes) == 1
    with sessions() as session:
        assert session.scalar(select(func.count()).select_from(Profile)) == len(plan.rows)
        assert session.scalar(select(func.count()).select_from(Association)) == len(plan.links)
        assert session.scalar(select(func.count()).select_from(AuditEvent)) == 1
    assert isinstance(outcomes[0], write.Outcome)
