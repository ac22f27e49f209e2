from flask import current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from markupsafe import Markup

from portal import database
from portal.addons import service as addons
from portal.auth.access import require_login
from portal.clients import bp, duplicates, service
from portal.clients.checklist import checklist, share_warning
from portal.clients.forms import FORMS, KindForm
from portal.clients.lookup import profile_or_404
from portal.extensions import client_address
from portal.fields import plan_choices, type_choices
from portal.limits import page_number
from portal.reference import KINDS, SETUP_STATUSES, a_kind
from portal.web import render

bp.before_request(require_login)


def _list_query(args) -> service.ListQuery:
    kind = args.get("kind", "")
    status = args.get("status", "")
    register = args.get("register", "")
    return service.ListQuery(
        text="".join(c for c in args.get("q", "") if c.isprintable()).strip()[:200],
        kind=kind if kind in dict(KINDS) else "",
        status=status if status in dict(SETUP_STATUSES) else "",
        register=register if register in ("linked", "unlinked") else "",
        standing="contact" if args.get("show") == "contacts" else "client",
        page=args.get("page", 1, type=page_number),
        per_page=current_app.config["CLIENTS_PER_PAGE"],
    )


def page_context(args) -> dict:
    """What the Clients page shows for ``args``; pages drawn over it (the panel) need it too."""
    query = _list_query(args)
    session = database.session()
    listing = service.list_profiles(session, current_user.firm_id, query)
    # Only the first run's empty list asks: it points to importing, or to connecting first.
    can_import = listing.total == 0 and addons.any_connected(session, current_user.firm_id)
    return {"query": query, "listing": listing, "can_import": can_import}


@bp.get("/")
def index():
    return render("clients/index.html", "results", **page_context(request.args))


def _build_form(kind: str, obj=None):
    """The form for ``kind``, with the firm's plans and the type lists as choices."""
    session = database.session()
    form = FORMS[kind](obj=obj)
    form.subscription_plan_id.choices = plan_choices(service.plans(session, current_user.firm_id))
    if obj is not None and obj.subscription_plan_id and not form.is_submitted():
        form.subscription_plan_id.data = str(obj.subscription_plan_id)
    if obj is not None and obj.annual_return_month and not form.is_submitted():
        form.annual_return_month.data = str(obj.annual_return_month)
    types = {"company": service.company_types, "trust": service.trust_types}.get(kind)
    if types:
        field = form.company_type_code if kind == "company" else form.trust_type_code
        field.choices = type_choices(field.label.text, types(session))
    return form


def _duplicate_blocks(form, kind: str, exclude_id=None) -> bool:
    """Flag a same-named profile unless the user has confirmed this is a different one."""
    values = form.profile_values()
    name = service.display_name(kind, values)
    other = service.same_name(database.session(), current_user.firm_id, kind, name, exclude_id)
    if other is None or form.confirm_duplicate.data:
        return False
    link = url_for("clients.profile", profile_id=other.id)
    field = form.name if kind != "individual" else form.last_name
    field.errors = [
        *field.errors,
        Markup(
            'A {} called “{}” is already in this firm (<a href="{}">open it</a>). '
            "Tick “Create it anyway” below if this is a different one."
        ).format(kind, name, link),
    ]
    form.show_duplicate_confirmation = True
    return True


@bp.route("/new/<any(company, trust, individual):kind>", methods=["GET", "POST"])
def new(kind):
    form = _build_form(kind)
    if form.validate_on_submit() and not _duplicate_blocks(form, kind):
        firm_id, user_id = current_user.firm_id, current_user.id
        try:
            profile = service.create_profile(
                database.session(),
                firm_id,
                user_id,
                kind,
                form.profile_values(),
                address=client_address(),
            )
        except service.DuplicateReference:
            form.client_reference.errors.append("Another profile already has this reference.")
        else:
            flash(f"{profile.name} was added.")
            return redirect(url_for("clients.profile", profile_id=profile.id))
    return render_template("clients/new.html", form=form, kind=kind, kinds=KINDS)


@bp.get("/<int:profile_id>")
def profile(profile_id):
    return _profile_page(profile_or_404(profile_id))


def _profile_page(profile, kind_form=None, status=200):
    held_on, held_elsewhere = service.associations(database.session(), profile)
    page = render_template(
        "clients/profile.html",
        profile=profile,
        held_on=held_on,
        held_elsewhere=held_elsewhere,
        checklist=checklist(profile, held_on),
        duplicates=duplicates.likely_duplicates(database.session(), profile),
        kind_form=kind_form or (KindForm() if profile.kind == "unknown" else None),
    )
    return page, status


@bp.post("/<int:profile_id>/kind")
def choose_kind(profile_id):
    """Say what a contact of unknown kind is (XPM did not)."""
    profile = profile_or_404(profile_id)
    if profile.kind != "unknown":
        flash(f"{profile.name} is already {a_kind(profile.kind)}; change it with Edit.")
        return redirect(url_for("clients.profile", profile_id=profile.id))
    form = KindForm()
    if not form.validate_on_submit():
        return _profile_page(profile, kind_form=form, status=400)
    service.choose_kind(
        database.session(), profile, current_user.id, form.kind.data, address=client_address()
    )
    flash(f"{profile.name} is now recorded as {a_kind(profile.kind)}.")
    return redirect(url_for("clients.profile", profile_id=profile.id))


@bp.route("/<int:profile_id>/edit", methods=["GET", "POST"])
def edit(profile_id):
    profile = profile_or_404(profile_id)
    if profile.kind == "unknown":
        flash("First choose what kind of contact this is.")
        return redirect(url_for("clients.profile", profile_id=profile.id, _anchor="field-kind"))
    form = _build_form(profile.kind, obj=profile)
    if profile.standing == "contact":
        # A contact (a director, a corporate trustee) has no plan and need not have a type.
        for name in ("subscription_plan_id", "company_type_code", "trust_type_code"):
            if name in form:
                form[name].validators = []
                form[name].flags.required = False
    if form.validate_on_submit() and not _duplicate_blocks(form, profile.kind, profile.id):
        values = form.profile_values()
        try:
            changes = service.update_profile(
                database.session(), profile, current_user.id, values, address=client_address()
            )
        except service.DuplicateReference:
            form.client_reference.errors.append("Another profile already has this reference.")
        else:
            flash("Saved." if changes else "Nothing had changed.")
            # Saved all the same: the total and the shareholdings are fixed in either order.
            warning = _share_warning(form, profile)
            if warning:
                flash(warning, "warning")
            return redirect(url_for("clients.profile", profile_id=profile.id))
    return render_template(
        "clients/edit.html", form=form, profile=profile, share_warning=_share_warning(form, profile)
    )


def _share_warning(form, profile) -> str:
    """The warning beside a company's total shares when the shareholdings differ from it."""
    if "total_shares" not in form or form.total_shares.errors:
        return ""
    held_on, _ = service.associations(database.session(), profile)
    return share_warning(form.total_shares.data, held_on)
