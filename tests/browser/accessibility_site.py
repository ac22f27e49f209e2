"""The practice the accessibility test walks through: one portal served for the whole module,
connected to the XPM sandbox and pointed at the register sandbox (each on its own origin),
with a client imported from XPM, a merge to make, roles to edit, bulk imports checked and
done, a profile whose XPM details differ, and a second firm that has nothing yet.

Everything is put in place through the portal's own routes (Flask's test client) or the
test helpers the feature tests use, so the browser only opens pages and does what a person
does to reach a state.
"""

import re
from dataclasses import dataclass, field

from sqlalchemy import select

from portal import create_app, database, nzbn, register_sandbox, sandbox
from portal.migrate import upgrade
from portal.models import Association, DirectoryEntry, Profile, SubscriptionPlan, User
from portal.text import fold
from tests.auth.conftest import enrol_app
from tests.bulk.conftest import company, csv_file, imported, person, role, trust, uploaded
from tests.conftest import PASSWORD, make_user, settings_for
from tests.merging.conftest import build_family
from tests.panel.conftest import HX, drain
from tests.register_compare.conftest import store_the_sandboxs_companies, the_sandboxs_companies
from tests.report_import import conftest as report
from tests.sandboxed import connect_portal, serve

EMPTY_FIRM = {"firm_name": "Rātā & Co", "email": "staff@rata.example"}
RECEPTION = "reception@kowhai.example"
TWO_FACTOR = "two-factor@kowhai.example"
#: The XPM clients whose import form is scanned (none of them imported), by kind.
IMPORT_FORMS = {
    "company": ("ngāti rua", "Ngāti Rua Farms Limited"),
    "trust": ("o'connor fam", "O'Connor Family Trust"),
    "individual": ("hēmi ngata", "Hēmi Ngata"),
    "unmapped": ("tōtara partnership", "Tōtara Partnership Example Limited"),
    "to create": ("tūī invest", "Tūī Investments Limited"),
}
IMPORTED = "Kōwhai Holdings Limited"
LINKED_TO_XPM = "Te Whare o Mere's Bakery Limited"
UNLINKED_COMPANY = "Ngāti Rua Farms Limited"


@dataclass
class Site:
    """Where things are: the portal's address and the ids of what was stored."""

    app: object
    base: str
    ids: dict[str, int] = field(default_factory=dict)

    def url(self, name: str, path: str = "") -> str:
        """``/clients/<id of name>`` followed by ``path``."""
        return f"/clients/{self.ids[name]}{path}"


def build(tmp_path, sandbox_url: str, register_url: str):
    """Serve the portal and fill it; yields the Site, stops the server afterwards."""
    url = f"sqlite:///{tmp_path / 'portal.db'}"
    upgrade(url)
    app = create_app(
        settings_for(
            url,
            WTF_CSRF_ENABLED=True,
            **sandbox.provider_urls(sandbox_url),
            **register_sandbox.provider_urls(register_url),
        )
    )
    user_id, firm_id = make_user(app, admin=True)
    make_user(app, **EMPTY_FIRM, admin=True)
    make_user(app, email=RECEPTION)  # a member of staff who is no administrator
    enrol_app(app, make_user(app, email=TWO_FACTOR)[0])
    site = Site(app, "")
    app.config["WTF_CSRF_ENABLED"] = False  # the set-up is not what the test is about
    client = app.test_client()
    client.post("/login", data={"email": "staff@kowhai.example", "password": PASSWORD})
    assert "Connected to" in connect_portal(app, client, sandbox_url)
    client.get("/clients/add", headers=HX)  # the panel's directory, read once
    drain(app)
    _import_from_xpm(app, client, site)
    _store_profiles(app, site, firm_id, user_id)
    _bulk_imports(client, site)
    _report_imports(app, client, site)
    app.config["WTF_CSRF_ENABLED"] = True
    http, site.base = serve(app)
    try:
        yield site
    finally:
        http.shutdown()
        http.server_close()
        drain(app)
        with app.app_context():
            database.engine().dispose()


def xpm_uuid(app, name: str) -> str:
    """The XPM id of the sandbox's client ``name``, from the portal's copy of the list."""
    with app.app_context():
        return database.session().scalar(
            select(DirectoryEntry.client_uuid).where(DirectoryEntry.name == name)
        )


def _plan(session, firm_id: int, name: str = "Standard") -> int:
    return session.scalar(
        select(SubscriptionPlan.id).where(
            SubscriptionPlan.firm_id == firm_id, SubscriptionPlan.name == name
        )
    )


def _import_from_xpm(app, client, site: Site) -> None:
    """Import Kōwhai Holdings Limited as a person does with Create: a profile with people,
    entities and a checklist."""
    uuid = xpm_uuid(app, IMPORTED)
    with app.app_context():
        plan = database.session().scalar(select(SubscriptionPlan.id))
    answer = client.post(
        f"/clients/import/xpm/{uuid}",
        data={
            "kind": "company",
            "company_type_code": "limited_small",
            "subscription_plan_id": plan,
        },
    )
    found = re.search(r"/clients/(\d+)$", answer.headers.get("Location", "")) or re.search(
        r"/clients/(\d+)", answer.headers.get("HX-Redirect", "")
    )
    assert found, re.findall(r"(?:error|problem)[^<]*<[^<]*<[^<]*", answer.get_data(as_text=True))
    site.ids["imported"] = int(found.group(1))
    drain(app)


def _store_profiles(app, site: Site, firm_id: int, user_id: int) -> None:
    family = build_family(app, firm_id, user_id)
    site.ids |= {
        "newer": family.newer,
        "older": family.older,
        "family company": family.company,
        "family trust": family.trust,
    }
    kowhai, farms = the_sandboxs_companies(nzbn.api_from_config(app.config))
    with app.app_context():
        session = database.session()
        with database.writing(session):
            site.ids["compare"], _ = store_the_sandboxs_companies(session, firm_id, kowhai, farms)
            plan = _plan(session, firm_id)
            site.ids["unlinked"] = _company(session, firm_id, plan, UNLINKED_COMPANY).id
            site.ids["refresh"] = _company(
                session,
                firm_id,
                plan,
                LINKED_TO_XPM,
                email="old@bakery.example",
                phone="00 000 0000",
                xpm_provider="xpm",
                xpm_client_uuid=xpm_uuid(app, LINKED_TO_XPM),
                xpm_name=LINKED_TO_XPM,
                xpm_linked_at=database.utcnow(),
            ).id
        site.ids["director role"] = session.scalar(
            select(Association.id).where(
                Association.profile_id == family.company, Association.role == "director"
            )
        )
        site.ids["reception"] = session.scalar(select(User.id).where(User.email == RECEPTION))


def _company(session, firm_id: int, plan: int, name: str, **values) -> Profile:
    profile = Profile(
        firm_id=firm_id,
        kind="company",
        standing="client",
        origin="manual",
        name=name,
        sort_name=fold(name),
        company_type_code="limited_small",
        subscription_plan_id=plan,
        **values,
    )
    session.add(profile)
    session.flush()
    return profile


GOOD_ROWS = [company("CO-1"), trust("TR-1"), person("IND-1"), role("IND-1", "Director", "CO-1")]


def _bulk_imports(client, site: Site) -> None:
    """One file checked with a bad row (its report), one imported (its result)."""
    bad = [GOOD_ROWS[0], trust("TR-1", trust_type="Famly"), *GOOD_ROWS[2:]]
    site.ids["bulk report"] = uploaded(client, csv_file(bad))
    site.ids["bulk done"] = imported(
        client, csv_file([company("CO-9", name="Tōtara Bulk Limited"), person("IND-9")])
    )


def _report_imports(app, client, site: Site) -> None:
    """An XPM report file at its columns and its check (with a bad row), and one imported."""
    rows = [*report.family(), {"client": "", "relationship_type": "Director"}]
    site.ids["report columns"] = report.uploaded(client, report.csv_report(rows))
    site.ids["report check"] = report.uploaded(client, report.csv_report(rows))
    assert report.confirm_columns(client, site.ids["report check"]).status_code == 303
    site.ids["report done"] = report.imported(app, client, report.csv_report(report.family()))
