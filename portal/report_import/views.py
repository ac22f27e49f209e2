"""Bulk import → From an XPM report file: upload, columns, check, progress."""

from flask import abort, current_app, redirect, render_template, request, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired

from portal import database
from portal.auth.access import require_login
from portal.bulk.views import upload_filename
from portal.clients import service as clients
from portal.report_import import bp, reading, service, state
from portal.report_import.columns import FIELDS, checked_mapping, recognise
from portal.web import render

bp.before_request(require_login)


class ReportForm(FlaskForm):
    """The exported report file."""

    file = FileField("Report file", validators=[FileRequired("Choose the exported report.")])


def _max_rows() -> int:
    return current_app.config["BULK_IMPORT_MAX_ROWS"]


@bp.route("/", methods=["GET", "POST"])
def index():
    """Which report to build in XPM, and the upload of its export."""
    form = ReportForm()
    if form.validate_on_submit():
        stored = form.file.data
        data = stored.stream.read(current_app.config["BULK_IMPORT_MAX_BYTES"] + 1)
        name = upload_filename(stored.filename)
        try:
            if len(data) > current_app.config["BULK_IMPORT_MAX_BYTES"]:
                raise reading.FileRefused("The file is too large for one import.")
            table = reading.read(name, data, _max_rows())
        except reading.FileRefused as refused:
            form.file.errors.append(str(refused))
        else:
            mapping = recognise(table.headers)
            token = state.keep(current_user.firm_id, current_user.id, name, data, table, mapping)
            return redirect(url_for("report_import.columns", token=token), 303)
    status = 422 if form.file.errors else 200
    return render_template("report_import/index.html", form=form, fields=FIELDS), status


def _upload(token: str) -> tuple[dict, bytes]:
    upload = state.get(token, current_user.firm_id)
    data = state.file(token) if upload else None
    if data is None:
        abort(404)
    return upload, data


@bp.route("/<token>/columns", methods=["GET", "POST"])
def columns(token):
    """What each column holds, as recognised, for the user to confirm or correct."""
    upload, _ = _upload(token)
    headers = upload["headers"]
    problems, mapping = [], upload["mapping"]
    if request.method == "POST":
        mapping, problems = checked_mapping(request.form, len(headers))
        if not problems:
            upload["mapping"] = mapping
            state.put(token, upload)
            return redirect(url_for("report_import.check", token=token), 303)
    return render_template(
        "report_import/columns.html",
        upload=upload,
        token=token,
        headers=headers,
        fields=FIELDS,
        mapping=mapping,
        unused=[h for i, h in enumerate(headers) if i not in mapping.values()],
        problems=problems,
    ), (422 if problems else 200)


@bp.post("/<token>/one-client")
def one_client(token):
    """The user says the rows of one name are one client."""
    upload, _ = _upload(token)
    name = request.form.get("name", "")
    if name and name not in upload["one_client"]:
        upload["one_client"].append(name)
        state.put(token, upload)
    return redirect(url_for("report_import.check", token=token), 303)


@bp.post("/<token>/override")
def override(token):
    """Choose a plan (and type) for one client, apart from its kind's; or drop that choice."""
    upload, data = _upload(token)
    db, firm_id = database.session(), current_user.firm_id
    found = service.review(db, firm_id, upload, data, _max_rows())
    plan_ids = {p.id for p in clients.plans(db, firm_id)}
    types = {t.code for t in clients.company_types(db) + clients.trust_types(db)}
    problem = service.override(upload, found, request.form, plan_ids, types)
    if problem:
        return check(token, override_problem=problem)
    state.put(token, upload)
    return redirect(url_for("report_import.check", token=token) + "#overrides-title", 303)


@bp.route("/<token>/check", methods=["GET", "POST"])
def check(token, override_problem=None):
    """Every bad row and doubt before anything is written, and the choices for the file."""
    upload, data = _upload(token)
    db, firm_id = database.session(), current_user.firm_id
    found = service.review(db, firm_id, upload, data, _max_rows())
    plans = clients.plans(db, firm_id)
    company_types, trust_types = clients.company_types(db), clients.trust_types(db)
    errors = []
    if request.method == "POST" and override_problem is None:
        made, errors = service.choices(
            request.form,
            found,
            {p.id for p in plans},
            {t.code for t in company_types},
            {t.code for t in trust_types},
            upload["overrides"],
        )
        if not errors and state.claim(token):
            service.start(current_app._get_current_object(), token, upload, made, found)
        if not errors:
            return redirect(url_for("report_import.progress", token=token), 303)
    return render_template(
        "report_import/check.html",
        upload=upload,
        token=token,
        found=found,
        plans=plans,
        company_types=company_types,
        trust_types=trust_types,
        kinds=service.kind_choices(),
        errors=errors,
        form=request.form if override_problem is None else {},
        overridden=service.overridden(upload, found),
        override_problem=override_problem,
        plan_names={p.id: p.name for p in plans},
        type_labels={t.code: t.label for t in [*company_types, *trust_types]},
    ), (422 if errors or override_problem else 200)


@bp.get("/<token>/progress")
def progress(token):
    """The import's progress (polled by htmx), then what it did."""
    upload, _ = _upload(token)
    return render(
        "report_import/progress.html",
        "status",
        upload=upload,
        token=token,
        progress=state.progress(token) or {"status": "queued", "done": 0, "total": 0},
    )
