"""Bulk import pages: the template, the upload, the report, the import and its progress."""

from flask import Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from werkzeug.exceptions import RequestEntityTooLarge

from portal import database
from portal.auth.access import require_login
from portal.bulk import bp, check, report, write
from portal.bulk.check import FileProblem, megabytes
from portal.bulk.columns import COLUMNS, REQUIRED
from portal.clients import service as clients
from portal.limits import page_number
from portal.text import without_hidden
from portal.web import render

bp.before_request(require_login)


class UploadForm(FlaskForm):
    """The file to check."""

    file = FileField("CSV file", validators=[FileRequired("Choose the CSV file to upload.")])


def _limits() -> tuple[int, int]:
    config = current_app.config
    return config["BULK_IMPORT_MAX_BYTES"], config["BULK_IMPORT_MAX_ROWS"]


def _limits_text() -> str:
    """The limits as the upload forms state them: "up to 10.0 MB and 20,000 rows"."""
    max_bytes, max_rows = _limits()
    return f"up to {megabytes(max_bytes)} and {max_rows:,} rows"


def _index(form: UploadForm, status: int = 200):
    session, firm_id = database.session(), current_user.firm_id
    return render_template(
        "bulk/index.html",
        form=form,
        imports=report.recent(session, firm_id),
        columns=COLUMNS,
        required=REQUIRED,
        choices=check.choices(session, firm_id).labels,
        limits=_limits_text(),
    ), status


@bp.get("/")
def index():
    """The steps, the upload form and the firm's recent imports."""
    return _index(UploadForm())


@bp.post("/")
def upload():
    """Check an uploaded file and show its report, or say why the file is refused."""
    form = UploadForm()
    if form.validate_on_submit():
        try:
            batch = check.check_upload(
                database.session(), current_user.firm_id, current_user.id, _upload(form), *_limits()
            )
        except FileProblem as problem:
            form.file.errors.append(str(problem))
        else:
            return redirect(url_for("bulk.show", import_id=batch.id), 303)
    return _index(form, 422 if form.file.errors else 200)


def _upload(form: UploadForm) -> check.Upload:
    """The uploaded file, with its size (Werkzeug has spooled it to disk if large)."""
    stored = form.file.data
    size = stored.stream.seek(0, 2)
    stored.stream.seek(0)
    return check.Upload(upload_filename(stored.filename), stored.stream, size)


def upload_filename(name: str | None) -> str:
    """The uploaded file's own name, as its report shows it: no folders (some browsers send
    the whole path) and no control or hidden characters (PostgreSQL cannot store a NUL)."""
    name = without_hidden(name or "").replace("\\", "/").rsplit("/", 1)[-1].strip()
    return name[:255] or "upload.csv"


@bp.errorhandler(RequestEntityTooLarge)
def too_large(_error):
    """An upload beyond the server's limit, said on the page."""
    form = UploadForm(formdata=None)
    limit = megabytes(_limits()[0])
    form.file.errors = [f"The file is too large: the largest file the portal takes is {limit}."]
    return _index(form, 413)


@bp.get("/template.csv")
def template():
    """The CSV template, with one of the firm's own plans in the examples."""
    plans = clients.plans(database.session(), current_user.firm_id)
    plan = next((p.name for p in plans if p.name == "Standard"), plans[0].name if plans else "")
    return _csv(report.template_csv(plan), "bulk-import-template.csv")


def _batch_or_404(import_id: int):
    batch = report.get_import(database.session(), current_user.firm_id, import_id)
    if batch is None:
        abort(404)
    return batch


@bp.get("/<int:import_id>")
def show(import_id):
    """An import: its report, its progress (polled by htmx) or its result."""
    batch = _batch_or_404(import_id)
    session = database.session()
    done = batch.status == "done"
    return render(
        "bulk/show.html",
        "status",
        batch=batch,
        stalled=write.stalled(batch),
        problems=report.problems(session, batch.id, request.args.get("page", 1, type=page_number)),
        rows=report.rows(session, batch.id, request.args.get("rows", 1, type=page_number))
        if done
        else None,
        form=UploadForm(),
        limits=_limits_text(),
    )


@bp.post("/<int:import_id>/import")
def start(import_id):
    """Confirm an import: it runs in the background."""
    batch = _batch_or_404(import_id)
    if batch.valid_rows == 0:
        flash(
            "No row of this file is ready to import: fix the problems and upload it again.", "error"
        )
    elif write.confirm(database.session(), current_user.firm_id, batch.id, current_user.id):
        write.start(current_app._get_current_object(), batch.id)
    else:
        flash("This import has already been started.", "warning")
    return redirect(url_for("bulk.show", import_id=batch.id), 303)


@bp.get("/<int:import_id>/problems.csv")
def problems(import_id):
    """An import's problems as CSV: the file written when it was checked, sent as it is."""
    batch = _batch_or_404(import_id)
    body = report.stored_problems_file(database.session(), batch)
    database.end_read(database.session())
    return _csv(report.gunzipped(body), f"problems-in-import-{batch.id}.csv")


def _csv(body, filename: str) -> Response:
    response = Response(body, mimetype="text/csv")
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Cache-Control"] = "no-store"
    return response
