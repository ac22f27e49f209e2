from flask import abort, flash, redirect, render_template, url_for
from flask_login import current_user

from portal import confirmations, database
from portal.auth.access import admin_required, require_login
from portal.clients import service as clients
from portal.extensions import client_address
from portal.structures import bp, service
from portal.structures.forms import KindForm, MappingForm

bp.before_request(require_login)


def _page(form: MappingForm, status: int = 200):
    rows = service.mappings(database.session(), current_user.firm_id)
    forms = {row.id: _filled(KindForm(obj=row, prefix=f"m{row.id}")) for row in rows}
    labels = {
        "company_labels": {t.code: t.label for t in clients.company_types(database.session())},
        "trust_labels": {t.code: t.label for t in clients.trust_types(database.session())},
    }
    page = render_template("structures/index.html", rows=rows, forms=forms, form=form, **labels)
    return page, status


def _filled(form):
    session = database.session()
    form.fill_choices(clients.company_types(session), clients.trust_types(session))
    return form


@bp.get("/")
def index():
    return _page(_filled(MappingForm()))


@bp.post("/")
@admin_required
def add():
    form = _filled(MappingForm())
    if not form.validate_on_submit():
        return _page(form, 400)
    firm_id, user_id = current_user.firm_id, current_user.id
    try:
        service.add(
            database.session(),
            firm_id,
            user_id,
            form.structure.data,
            form.kind.data,
            form.default_type(),
            address=client_address(),
        )
    except service.AlreadyMapped:
        form.structure.errors.append("This structure is already mapped; change it below.")
        return _page(form, 400)
    flash(f"Clients with the structure “{form.structure.data}” will import as {form.kind.data}.")
    return redirect(url_for("structures.index"))


def _mapping_or_404(mapping_id: int):
    row = service.mapping(database.session(), current_user.firm_id, mapping_id)
    if row is None:
        abort(404)
    return row


@bp.post("/<int:mapping_id>")
@admin_required
def change(mapping_id):
    row = _mapping_or_404(mapping_id)
    form = _filled(KindForm(prefix=f"m{row.id}"))
    if not form.validate_on_submit():
        abort(400)
    session, kind, default = database.session(), form.kind.data, form.default_type()
    service.change(session, row, current_user.id, kind, default, address=client_address())
    flash(f"“{row.structure}” now imports as {service.describe(session, row)}.")
    return redirect(url_for("structures.index"))


@bp.post("/<int:mapping_id>/delete")
@admin_required
def remove(mapping_id):
    row = _mapping_or_404(mapping_id)
    if not confirmations.confirmed():
        return confirmations.ask(confirmations.remove_mapping(row))
    service.remove(database.session(), row, current_user.id, address=client_address())
    flash(f"Removed “{row.structure}”: such clients will ask for their kind when imported.")
    return redirect(url_for("structures.index"))
