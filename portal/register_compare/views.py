"""Compare a linked company with the Companies Office (GET) and take what was ticked (POST)."""

from flask import abort, current_app, flash, render_template, request, url_for
from flask_login import current_user

from portal import database, nzbn
from portal.auth.access import require_login
from portal.clients.lookup import profile_or_404
from portal.extensions import client_address
from portal.register_compare import bp, compare, take
from portal.web import open_page

bp.before_request(require_login)

#: One user action's budget for the register (its calls, retries and waits).
BUDGET_SECONDS = 25


def _entity(profile):
    """(the register's entry for the profile, None) or (None, why it could not be read)."""
    number = profile.nzbn
    database.end_read(database.session())  # no transaction is held while the register answers
    try:
        api = nzbn.api_from_config(current_app.config)
        return api.within(BUDGET_SECONDS).entity(number), None
    except nzbn.RegisterError as error:
        return None, str(error)


def _ticked(comparison: compare.Comparison) -> take.Ticked:
    form = request.form
    ticked_adds = set(form.getlist("add"))
    add = {
        a.key: form.get(f"party-{index}", compare.NEW)
        for index, a in enumerate(comparison.additions)
        if a.key in ticked_adds
    }
    return take.Ticked(
        frozenset(form.getlist("take")),
        frozenset(form.getlist("end")),
        frozenset(form.getlist("shares")),
        add,
    )


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"


def _told(taken: take.Taken) -> str:
    """What taking did, in a sentence."""
    if not taken.anything:
        return "Nothing was ticked, so nothing was changed."
    done = []
    if taken.changes:
        done.append(_count(len(taken.changes), "field"))
    if taken.ended:
        done.append(f"{_count(len(taken.ended), 'role')} ended")
    if taken.shares:
        done.append(f"{_count(len(taken.shares), 'shareholding')} changed")
    if taken.added:
        done.append(f"{_count(len(taken.added), 'role')} added")
    return f"Took from the Companies Office: {', '.join(done)}."


@bp.route("/<int:profile_id>/companies-office/compare", methods=["GET", "POST"])
def compare_page(profile_id):
    """What differs from the register (GET); take what was ticked from it (POST)."""
    profile = profile_or_404(profile_id)
    if not compare.is_linked(profile):
        return render_template(
            "register_compare/compare.html", profile=profile, comparison=None, problem=None
        )
    entity, problem = _entity(profile)
    session = database.session()
    profile = profile_or_404(profile_id)
    comparison = None
    if entity is not None:
        comparison = compare.compare(session, profile, entity)
    if comparison is not None and request.method == "POST":
        taken = take.take(
            session,
            current_user.firm_id,
            profile_id,
            entity,
            _ticked(comparison),
            current_user.id,
            address=client_address(),
        )
        if taken is None:
            abort(404)
        flash(_told(taken))
        return open_page(url_for("clients.profile", profile_id=profile_id))
    return render_template(
        "register_compare/compare.html", profile=profile, comparison=comparison, problem=problem
    )
