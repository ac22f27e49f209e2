"""Add, edit, end and remove the roles held on a profile (docs/spec.md §9)."""

from datetime import date

from flask import abort, flash, render_template, request, url_for
from flask_login import current_user

from portal import confirmations, database
from portal.auth.access import require_login
from portal.clients.lookup import profile_or_404
from portal.extensions import client_address
from portal.roles import bp, service
from portal.roles.forms import AddRoleForm, DetailsForm, EndRoleForm
from portal.web import open_page, render

bp.before_request(require_login)


def _association_or_404(profile, association_id: int):
    association = service.get_association(database.session(), profile, association_id)
    if association is None:
        abort(404)
    return association


def _back(profile, message: str):
    """Back to the profile (its checklist recomputed), saying what was done."""
    flash(message)
    return open_page(url_for("clients.profile", profile_id=profile.id))


def _offered_start(profile, form, role: str | None = None) -> None:
    """On a trust, the settlement date is the start date offered: on a new role, and on a
    trustee or beneficiary without an appointment date (docs/spec.md §9)."""
    if service.offers_settlement_date(profile, role) and not form.is_submitted():
        form.start_date.data = form.start_date.data or profile.settlement_date


def _parties(profile, form, text: str) -> list:
    """The search's results, the party already chosen first (when a form comes back)."""
    session = database.session()
    found = service.search_parties(session, profile, text)
    if form.party.data and form.party.data.isdigit() and len(form.party.data) < 10:
        chosen = service.get_party(session, profile.firm_id, int(form.party.data))
        if chosen is not None and chosen.id != profile.id and chosen not in found:
            found.insert(0, chosen)
    return found


@bp.route("/<int:profile_id>/roles/new", methods=["GET", "POST"])
def new(profile_id):
    """Add a role: find who holds it (htmx asks for the results alone), or add a contact."""
    profile = profile_or_404(profile_id)
    form = AddRoleForm(role=request.args.get("role", "")).for_profile(profile.kind)
    _offered_start(profile, form)
    if form.validate_on_submit():
        try:
            association = service.add_role(
                database.session(),
                profile,
                current_user.id,
                form.role.data,
                form.holder(),
                form.details(),
                address=client_address(),
            )
        except service.RoleRefused as refused:
            form[refused.field].errors.append(str(refused))
            form.same_name = isinstance(refused, service.SameNameContact)
        else:
            role = service.role_name(association.role)
            return _back(profile, f"Added {association.party.name} as {role}.")
    text = request.args.get("q", "")[:200]
    parties = _parties(profile, form, text)
    return render("roles/new.html", "parties", profile=profile, form=form, q=text, parties=parties)


@bp.route("/<int:profile_id>/roles/<int:association_id>/edit", methods=["GET", "POST"])
def edit(profile_id, association_id):
    """Change a role's shares, percentage and dates (a role from XPM too: it is recorded)."""
    profile = profile_or_404(profile_id)
    association = _association_or_404(profile, association_id)
    form = DetailsForm(obj=association)
    if association.percentage is not None and not form.is_submitted():
        form.percentage.data = f"{association.percentage.normalize():f}"
    _offered_start(profile, form, association.role)
    if form.validate_on_submit():
        try:
            changes = service.edit_role(
                database.session(),
                profile,
                association,
                current_user.id,
                form.details(),
                address=client_address(),
            )
        except service.RoleRefused as refused:
            form[refused.field].errors.append(str(refused))
        else:
            return _back(profile, "Saved." if changes else "Nothing had changed.")
    return render_template("roles/edit.html", profile=profile, a=association, form=form)


@bp.route("/<int:profile_id>/roles/<int:association_id>/end", methods=["GET", "POST"])
def end(profile_id, association_id):
    """End a role on a date (asked first); it stays listed as history."""
    profile = profile_or_404(profile_id)
    association = _association_or_404(profile, association_id)
    form = EndRoleForm(end_date=date.today())
    if form.validate_on_submit():
        try:
            service.end_role(
                database.session(),
                profile,
                association,
                current_user.id,
                form.end_date.data,
                address=client_address(),
            )
        except service.RoleRefused as refused:
            form.end_date.errors.append(str(refused))
        else:
            role, day = service.role_name(association.role), f"{form.end_date.data:%-d %b %Y}"
            return _back(profile, f"{association.party.name}'s role as {role} ends on {day}.")
    return render_template("roles/end.html", profile=profile, a=association, form=form)


@bp.route("/<int:profile_id>/roles/<int:association_id>/remove", methods=["GET", "POST"])
def remove(profile_id, association_id):
    """Remove a role entered by mistake, once confirmed."""
    profile = profile_or_404(profile_id)
    association = _association_or_404(profile, association_id)
    if request.method == "POST" and confirmations.confirmed():
        name, role = association.party.name, service.role_name(association.role)
        service.remove_role(
            database.session(), profile, association, current_user.id, address=client_address()
        )
        return _back(profile, f"Removed {name} as {role}.")
    return confirmations.ask(confirmations.remove_role(profile, association))
