"""Add client → From the Companies Office, and Link to the Companies Office on a profile
(docs/spec.md §10).

Every register call is made here, before the service's one short write, with no database
transaction open (``database.end_read``); a failure is shown as the register error's own
sentence (it says nothing was changed and whether to try again).
"""

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user

from portal import confirmations, database, nzbn
from portal.auth.access import require_login
from portal.clients import service as clients
from portal.clients.lookup import profile_or_404
from portal.extensions import client_address
from portal.limits import page_number
from portal.register_link import bp, service
from portal.register_link.forms import RegisterCompanyForm, search_text
from portal.web import render

bp.before_request(require_login)

#: Seconds one user action may spend on the register, retries and waits included.
ACTION_SECONDS = 30
PAGE_SIZE = 10


def _api() -> nzbn.RegisterApi:
    """The register client for one action (``NotConfigured`` without a key)."""
    return nzbn.api_from_config(current_app.config).within(ACTION_SECONDS)


def _search(text: str, page: int) -> tuple[nzbn.SearchPage | None, str]:
    """(the register's answer, "") or (None, why it failed); no call for empty ``text``."""
    if not text:
        return None, ""
    try:
        api = _api()
        database.end_read(database.session())
        return api.search(text, page=page - 1, page_size=PAGE_SIZE), ""
    except nzbn.RegisterError as error:
        return None, error.message


def _entity(number: str) -> tuple[nzbn.Entity | None, str]:
    try:
        api = _api()
        database.end_read(database.session())
        return api.entity(number), ""
    except nzbn.RegisterError as error:
        return None, error.message


def _page_number() -> int:
    try:
        return request.args.get("page", 1, type=page_number)
    except ValueError:
        return 1


def _search_context(text: str, **extra) -> dict:
    page = min(_page_number(), 1000)
    results, problem = _search(text, page)
    in_portal = (
        service.companies_in_portal(database.session(), current_user.firm_id, results.results)
        if results
        else {}
    )
    return {
        "text": text,
        "results": results,
        "page": page,
        "problem": problem,
        "in_portal": in_portal,
        "configured": nzbn.configured(current_app.config),
        "not_configured": nzbn.NotConfigured().message,
        **extra,
    }


# --- Add client → From the Companies Office ------------------------------------------------
@bp.get("/from-register")
def search():
    """Search the register by name, company number or NZBN, to add a company from it."""
    context = _search_context(search_text(request.args), profile=None)
    return render("register_link/search.html", "results", **context)


def _form() -> RegisterCompanyForm:
    db = database.session()
    form = RegisterCompanyForm()
    form.fill_choices(clients.plans(db, current_user.firm_id), clients.company_types(db))
    return form


def _chosen_matches(people: list[service.Person]) -> tuple[dict[str, int], dict[str, str]]:
    """({person key: the profile ticked as them}, {person key: why the choice is refused})."""
    matches, problems = {}, {}
    for person in people:
        ticked = request.form.getlist(f"person-{person.key}")
        allowed = {str(c.id): c.id for c in person.candidates}
        chosen = [allowed[t] for t in ticked if t in allowed]
        if len(chosen) > 1:
            problems[person.key] = f"Tick at most one profile as {person.name}."
        elif chosen:
            matches[person.key] = chosen[0]
    return matches, problems


@bp.route("/from-register/<nzbn:number>", methods=["GET", "POST"])
def new(number):
    """The register's company, what the portal will store of it, and the mandatory fields."""
    entity, problem = _entity(number)
    db = database.session()
    if entity is None:
        missing = problem == nzbn.NotFound().message
        page = render_template(
            "register_link/new.html", entity=None, number=number, problem=problem, missing=missing
        )
        return page, 404 if missing else 200
    existing = service.same_company(db, current_user.firm_id, entity.nzbn, entity.company_number)
    people = service.people(db, current_user.firm_id, entity)
    form = _form()
    if not form.is_submitted():
        form.company_type_code.data = service.company_type_for(entity)
    choices, problems = {}, {}
    if form.is_submitted():
        choices, problems = _chosen_matches(people)
    else:
        choices = {p.key: p.proposed for p in people if p.proposed}
    if existing is None and form.validate_on_submit() and not problems:
        try:
            profile = service.create_company(
                db,
                current_user.firm_id,
                current_user.id,
                entity,
                form.values(),
                choices,
                address=client_address(),
            )
        except service.RegisterConflict as error:
            problem = str(error)
            existing = error.profile
        else:
            flash(f"{profile.name} was added from the Companies Office.")
            return redirect(url_for("clients.profile", profile_id=profile.id))
    return render_template(
        "register_link/new.html",
        entity=entity,
        existing=existing,
        people=people,
        choices=choices,
        person_problems=problems,
        form=form,
        problem=problem,
        public_page=nzbn.public_page(entity.nzbn),
    )


# --- Link a profile to the Companies Office ------------------------------------------------
def _company_or_back(profile_id: int):
    profile = profile_or_404(profile_id)
    if profile.kind != "company":
        flash("Only a company can be linked to the Companies Office.")
        return profile, redirect(url_for("clients.profile", profile_id=profile.id))
    return profile, None


@bp.get("/<int:profile_id>/companies-office")
def find(profile_id):
    """Search the register for this company: prefilled with its number, else its name."""
    profile, back = _company_or_back(profile_id)
    if back:
        return back
    text = search_text(request.args) if "q" in request.args else ""
    if "q" not in request.args and not profile.companies_office_linked:
        text = profile.company_number or profile.nzbn or profile.name
    context = _search_context(text, profile=profile)
    return render("register_link/search.html", "results", **context)


@bp.post("/<int:profile_id>/companies-office/<nzbn:number>")
def link(profile_id, number):
    """Link the profile to the register's entity ``number``."""
    profile, back = _company_or_back(profile_id)
    if back:
        return back
    entity, problem = _entity(number)
    if entity is not None:
        try:
            service.link(
                database.session(), profile, current_user.id, entity, address=client_address()
            )
        except service.RegisterConflict as error:
            problem = str(error)
        else:
            flash(f"{profile.name} is linked to the Companies Office (NZBN {entity.nzbn}).")
            return redirect(url_for("clients.profile", profile_id=profile.id))
    context = _search_context("", profile=profile, link_problem=problem)
    context["text"] = profile.company_number or profile.name
    return render_template("register_link/search.html", **context)


@bp.route("/<int:profile_id>/companies-office/unlink", methods=["GET", "POST"])
def unlink(profile_id):
    """Unlink, after a confirmation step."""
    profile, back = _company_or_back(profile_id)
    if back:
        return back
    if not profile.companies_office_linked:
        flash(f"{profile.name} is not linked to the Companies Office.")
        return redirect(url_for("clients.profile", profile_id=profile.id))
    if request.method == "POST" and confirmations.confirmed():
        service.unlink(database.session(), profile, current_user.id, address=client_address())
        flash(f"{profile.name} is no longer linked to the Companies Office.")
        return redirect(url_for("clients.profile", profile_id=profile.id))
    return confirmations.ask(confirmations.unlink_companies_office(profile))
