from flask import current_app, flash, g, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required, login_user, logout_user

from portal import audit, db
from portal.auth import bp, service
from portal.auth.access import safe_next
from portal.auth.forms import LoginForm
from portal.extensions import limiter


def _attempt_limit() -> str:
    return current_app.config["LOGIN_ATTEMPT_LIMIT"]


def _account_key() -> str:
    return "sign-in:" + service.normalise_email(request.form.get("email", ""))


def _failed(_response) -> bool:
    return g.get("sign_in_failed", False)


def _new_csrf_token() -> None:
    """Forget the session's CSRF token, so the next page gets a new one: a form issued before
    signing in or out (perhaps to another person at this browser) is then refused."""
    session.pop("csrf_token", None)
    g.pop("csrf_token", None)


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(_attempt_limit, methods=["POST"], deduct_when=_failed, scope="sign-in-address")
@limiter.limit(
    _attempt_limit,
    key_func=_account_key,
    methods=["POST"],
    deduct_when=_failed,
    scope="sign-in-account",
)
def login():
    if current_user.is_authenticated:
        return redirect(url_for("clients.index"))
    form = LoginForm()
    if form.validate_on_submit():
        session = db.session()
        user = service.authenticate(session, form.email.data, form.password.data)
        with db.writing(session):
            if user is None:
                g.sign_in_failed = True
                known = service.find_user(session, form.email.data)
                audit.record(
                    session,
                    "sign_in",
                    outcome="failed",
                    firm_id=known.firm_id if known else None,
                    user_id=known.id if known else None,
                    summary=f"Failed sign-in as {service.normalise_email(form.email.data)}",
                )
            else:
                user.last_sign_in_at = db.utcnow()
                audit.record(session, "sign_in", firm_id=user.firm_id, user_id=user.id)
        if user is not None:
            login_user(user)
            _new_csrf_token()
            return redirect(safe_next(request.args.get("next")) or url_for("clients.index"))
        form.password.errors.append("That e-mail and password do not match an account.")
    return render_template("auth/login.html", form=form)


@bp.post("/logout")
@login_required
def logout():
    session = db.session()
    user = current_user._get_current_object()
    with db.writing(session):
        user.session_version += 1
        audit.record(session, "sign_out", firm_id=user.firm_id, user_id=user.id)
    logout_user()
    _new_csrf_token()
    flash("You have signed out.")
    return redirect(url_for("auth.login"))
