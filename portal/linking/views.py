"""Link a profile to XPM, disconnect it, and refresh it from XPM."""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from portal import confirmations, database
from portal.addons.api import practice_api, practice_of, working_connection
from portal.auth.access import require_login
from portal.clients import service as clients
from portal.clients.lookup import profile_or_404
from portal.extensions import client_address, htmx
from portal.linking import bp, compare, service, ties
from portal.web import open_page, render
from portal.xpm import XpmError

bp.before_request(require_login)


def _open(profile_id: int):
    """Back to the profile (the whole page, also from the panel)."""
    return open_page(url_for("clients.profile", profile_id=profile_id))


@bp.post("/<int:profile_id>/xpm/link")
def link(profile_id):
    """Link the profile to the XPM client chosen in the panel."""
    session = database.session()
    profile = profile_or_404(profile_id)
    row = working_connection(session, current_user.firm_id)
    if row is None or row.status != "connected":
        return _refused(profile, "The connection to the practice manager is not working.")
    practice_row, client_uuid = practice_of(row), request.form.get("client_uuid", "")
    try:
        service.link(
            session, profile, practice_row, client_uuid, current_user.id, address=client_address()
        )
    except service.LinkRefused as refused:
        return _refused(profile_or_404(profile_id), str(refused), refused.holder)
    flash(f"{profile.name} is now linked to {profile.xpm_name}.")
    return _open(profile.id)


def _refused(profile, message: str, holder=None):
    """Say why the link was not made: in the panel for htmx, else on the profile."""
    if not htmx:
        flash(message, "error")
        return redirect(url_for("clients.profile", profile_id=profile.id))
    return render("linking/_refused.html", "refused", message=message, holder=holder)


@bp.post("/<int:profile_id>/xpm/unlink")
def unlink(profile_id):
    """Disconnect the profile from XPM; its details stay as they are."""
    session = database.session()
    profile = profile_or_404(profile_id)
    if not confirmations.confirmed():
        return confirmations.ask(confirmations.unlink_practice_manager(profile))
    service.unlink(session, profile, current_user.id, address=client_address())
    flash(f"{profile.name} is no longer linked to the practice manager.")
    return _open(profile.id)


def _xpm_record(profile):
    """(the XPM API, the profile's XPM record, None), or (…, None, why it could not be read)."""
    session = database.session()
    try:
        api = practice_api(session, profile.firm_id, profile.xpm_provider)
        database.end_read(session)  # no transaction is held while XPM answers
        return api, api.get(profile.xpm_client_uuid), None
    except XpmError as error:
        return None, None, str(error) or "The practice manager did not answer."


def _ticked() -> compare.Ticked:
    form = request.form
    return compare.Ticked(
        frozenset(form.getlist("take")),
        frozenset(form.getlist("add")),
        frozenset(form.getlist("remove")),
    )


def _told(taken: compare.Taken) -> str:
    """What the refresh did, in a sentence."""

    def count(n, noun):
        return f"{n} {noun}{'' if n == 1 else 's'}"

    done = [f"Took {count(len(taken.changes), 'field')} from XPM"] if taken.changes else []
    if taken.added:
        done.append(f"Added {count(len(taken.added), 'relationship')} from XPM")
    if taken.removed:
        done.append(f"Removed {count(len(taken.removed), 'relationship')} from the portal")
    if not done:
        return "Nothing was ticked, so nothing was changed."
    return "; ".join(done[:1] + [d[0].lower() + d[1:] for d in done[1:]]) + "."


@bp.route("/<int:profile_id>/xpm/refresh", methods=["GET", "POST"])
def refresh(profile_id):
    """What differs from XPM (GET); take what was ticked from XPM (POST)."""
    profile = profile_or_404(profile_id)
    if not profile.is_linked:
        return redirect(url_for("clients.profile", profile_id=profile.id))
    api, record, problem = _xpm_record(profile)
    session = database.session()
    profile = profile_or_404(profile_id)
    comparison = None
    if record is not None:
        comparison = compare.compare(profile, record, *clients.associations(session, profile))
    if comparison is not None and request.method == "POST":
        ticked = _ticked()
        try:
            parties = ties.read_parties(
                session, api, profile, record, compare.to_add(comparison, ticked)
            )
        except XpmError as error:
            problem, comparison = str(error) or "The practice manager did not answer.", None
        else:
            firm_id, user_id = current_user.firm_id, current_user.id
            taken = compare.take(
                session,
                firm_id,
                profile_id,
                record,
                ticked,
                parties,
                user_id,
                address=client_address(),
            )
            if taken is None:
                abort(404)
            flash(_told(taken))
            return _open(profile_id)
    return render_template(
        "linking/refresh.html", profile=profile, comparison=comparison, problem=problem
    )
