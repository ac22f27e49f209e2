"""Merge with…: search the firm's profiles of the same kind, set two side by side, confirm,
merge (docs/spec.md §2a)."""

from flask import flash, render_template, request, url_for
from flask_login import current_user

from portal import database
from portal.auth.access import require_login
from portal.clients import service as clients
from portal.clients.lookup import profile_or_404
from portal.extensions import client_address
from portal.merging import bp, service
from portal.merging.forms import SearchForm, choices_of, merge_form
from portal.web import open_page, render

bp.before_request(require_login)


@bp.get("/<int:profile_id>/merge")
def search(profile_id):
    """The firm's other profiles of this kind, by name: which one is the same?"""
    session = database.session()
    profile = profile_or_404(profile_id)
    form = SearchForm(request.args)
    if "q" not in request.args:
        form.q.data = profile.last_name if profile.kind == "individual" else profile.name
    text = form.q.data if form.validate() else ""
    found = service.candidates(session, profile, text or "")
    return render(
        "merging/search.html",
        "results",
        profile=profile,
        form=form,
        found=found,
        roles=service.roles_held(session, found),
    )


def _pair(profile_id: int, other_id: int):
    """The two profiles (404 unless both are the firm's), the one kept by default, and why
    they cannot be merged (None when they can)."""
    first, second = profile_or_404(profile_id), profile_or_404(other_id)
    why = service.refusal(first, second)
    return first, second, why


def _side_by_side(first, second, why, form=None, kept_id=None, status=200):
    session = database.session()
    kept = service.default_kept(first, second)
    differences = [] if why else service.differences(session, kept, _other(first, second, kept))
    if form is None and not why:
        form = merge_form(first, second, differences, kept.id)
    page = render_template(
        "merging/compare.html",
        first=first,
        second=second,
        kept=kept,
        why=why,
        form=form,
        differences=differences,
        roles=service.roles_held(session, [first, second]),
        held_on=_held_on(session, first, second),
    )
    return page, status


def _other(first, second, kept):
    return second if kept.id == first.id else first


def _held_on(session, first, second) -> dict[int, list[str]]:
    """The roles held on each of the two ("Director: Jane Doe")."""
    held = {}
    for profile in (first, second):
        on, _ = clients.associations(session, profile)
        held[profile.id] = [f"{service.role_name(a.role)}: {a.party.name}" for a in on]
    return held


@bp.get("/<int:profile_id>/merge/<int:other_id>")
def compare(profile_id, other_id):
    """The two side by side: every field that differs, and which value to keep."""
    return _side_by_side(*_pair(profile_id, other_id))


@bp.post("/<int:profile_id>/merge/<int:other_id>")
def confirm(profile_id, other_id):
    """The choices made: show what the merge will do; confirmed, merge."""
    session = database.session()
    first, second, why = _pair(profile_id, other_id)
    if why:
        return _side_by_side(first, second, why, status=409)
    default = service.default_kept(first, second)
    differences = service.differences(session, default, _other(first, second, default))
    form = merge_form(first, second, differences, default.id, formdata=request.form)
    if not form.validate():
        return _side_by_side(first, second, why, form=form, status=400)
    kept = first if form.keep.data == str(first.id) else second
    removed = _other(first, second, kept)
    choices = choices_of(form, differences)
    kept_id, said = (
        kept.id,
        f"{service.who(removed, kept)} was merged into {service.who(kept, removed)}.",
    )
    if form.confirmed.data != "yes":
        plan = service.plan_merge(session, kept, removed, choices)
        return render_template(
            "merging/confirm.html", first=first, second=second, plan=plan, form=form
        )
    try:
        kept = service.merge(
            session,
            current_user.firm_id,
            kept_id,
            removed.id,
            choices,
            current_user.id,
            address=client_address(),
        )
    except service.MergeRefused as refused:
        flash(str(refused), "error")
        return open_page(url_for("clients.profile", profile_id=kept_id))
    flash(said)
    return open_page(url_for("clients.profile", profile_id=kept_id))
