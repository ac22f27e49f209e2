from flask import abort, flash, redirect, render_template, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import BooleanField

from portal import database
from portal.auth import service, sessions
from portal.auth.access import admin_required, lifetimes, require_login
from portal.auth.forms import PasswordConfirmForm
from portal.extensions import client_address
from portal.models import User
from portal.staff import bp
from portal.staff import service as staff

bp.before_request(require_login)


class RequireForm(FlaskForm):
    require = BooleanField("Require two-factor sign-in for everyone in the firm")


def _staff(db_session) -> list[User]:
    return list(
        db_session.scalars(
            select(User).where(User.firm_id == current_user.firm_id).order_by(User.email)
        )
    )


@bp.get("/")
@admin_required
def index():
    db_session = database.session()
    people = _staff(db_session)
    open_counts = {
        person.id: len(sessions.open_sessions(db_session, person.id, lifetimes()))
        for person in people
    }
    return render_template(
        "staff/index.html",
        people=people,
        open_counts=open_counts,
        form=RequireForm(require=current_user.firm.require_two_factor),
    )


@bp.post("/two-factor")
@admin_required
def require_two_factor():
    form = RequireForm()
    if not form.validate_on_submit():
        abort(400)
    me = current_user._get_current_object()
    if form.require.data and not me.has_second_factor:
        flash("Set up two-factor sign-in for yourself first (Your account), then require it.")
        return redirect(url_for("staff.index"))
    staff.require_two_factor(database.session(), me, form.require.data, address=client_address())
    flash(
        "Everyone must now sign in with a second factor; staff without one set it up next."
        if form.require.data
        else "Two-factor sign-in is now each person's choice."
    )
    return redirect(url_for("staff.index"))


@bp.route("/<int:user_id>/reset-two-factor", methods=["GET", "POST"])
@admin_required
def reset_two_factor(user_id):
    db_session = database.session()
    person = db_session.get(User, user_id)
    if person is None or person.firm_id != current_user.firm_id:
        abort(404)
    if person.id == current_user.id:
        flash("Change your own second factors on Your account.")
        return redirect(url_for("account.index"))
    form = PasswordConfirmForm()
    if form.validate_on_submit():
        if service.check_password(current_user, form.password.data):
            service.reset_second_factors(
                db_session, person, by=current_user, address=client_address()
            )
            flash(f"{person.email} can now sign in with their password and set up a new one.")
            return redirect(url_for("staff.index"))
        form.password.errors.append("That is not your password.")
    return render_template(
        "account/confirm.html",
        title=f"Reset {person.email}’s two-factor sign-in?",
        explanation=(
            "Their authenticator app, passkeys and recovery codes are removed and their "
            "sessions end. Do this only when you are sure it is them asking, for example "
            "after losing their phone."
            + (
                " The firm requires two-factor sign-in, so they set up a new one at their next "
                "sign-in."
                if person.firm.require_two_factor
                else ""
            )
        ),
        button="Reset two-factor sign-in",
        form=form,
        refusal=None,
    ), 400 if form.errors else 200
