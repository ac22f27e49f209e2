"""Signing in (password, then the second factor if the member of staff has one) and out."""

import time

from flask import (
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import current_user, login_required, login_user, logout_user

from portal import database
from portal.auth import bp, service, throttle, two_factor
from portal.auth.access import safe_next
from portal.auth.forms import CodeForm, LoginForm, PasskeyAnswerForm, RecoveryForm
from portal.auth.passkeys import challenges, party
from portal.extensions import client_address, limiter
from portal.models import User
from portal.vault import vault

#: How long the password step stays good while the second factor is asked for.
PENDING_SECONDS = 600


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(
    throttle.limit("LOGIN_FAILURES_PER_ACCOUNT_AND_ADDRESS"),
    key_func=throttle.account_and_address,
    methods=["POST"],
    deduct_when=throttle.failed,
    scope="sign-in-account-address",
)
@limiter.limit(
    throttle.limit("LOGIN_FAILURES_PER_ADDRESS"),
    methods=["POST"],
    deduct_when=throttle.failed,
    scope="sign-in-address",
)
@limiter.limit(
    throttle.limit("LOGIN_FAILURES_PER_ACCOUNT"),
    key_func=throttle.account,
    methods=["POST"],
    deduct_when=throttle.failed,
    exempt_when=throttle.trusted_device,
    scope="sign-in-account",
)
def login():
    if current_user.is_authenticated:
        return redirect(url_for("clients.index"))
    form = LoginForm()
    if form.validate_on_submit():
        user = service.sign_in_with_password(
            database.session(), form.email.data, form.password.data, address=client_address()
        )
        if user is not None:
            target = safe_next(request.args.get("next"))
            if user.has_second_factor:
                return _ask_second_factor(user, target)
            return complete_sign_in(user, None, target)
        g.sign_in_failed = True
        form.password.errors.append("That e-mail and password do not match an account.")
    return render_template("auth/login.html", form=form)


def _ask_second_factor(user: User, target: str | None):
    """The password was right: remember that (briefly, in the signed cookie) and ask for
    the second factor. Nothing from before sign-in is kept."""
    _fresh_session()
    session["pending_sign_in"] = {
        "user": user.id,
        "at": time.time(),
        "next": target,
        "password": service.password_fingerprint(user),
    }
    return redirect(url_for("auth.second_factor"))


def pending_user() -> User | None:
    """The member of staff half-way through signing in, if the password step is still good."""
    pending = session.get("pending_sign_in")
    if not isinstance(pending, dict) or time.time() - pending.get("at", 0) > PENDING_SECONDS:
        return None
    user = database.session().get(User, pending.get("user"))
    if user is None or not user.active:
        return None
    if pending.get("password") != service.password_fingerprint(user):
        return None
    return user


def _pending_key() -> str:
    pending = session.get("pending_sign_in")
    return f"second-factor:{pending.get('user') if isinstance(pending, dict) else 'none'}"


@bp.route("/login/second-factor", methods=["GET", "POST"])
@limiter.limit(
    throttle.limit("TWO_FACTOR_FAILURES_PER_ACCOUNT"),
    key_func=_pending_key,
    methods=["POST"],
    deduct_when=throttle.failed,
    scope="second-factor",
)
def second_factor():
    if current_user.is_authenticated:
        return redirect(url_for("clients.index"))
    user = pending_user()
    if user is None:
        flash("Sign in with your password first; the step before the code lasts 10 minutes.")
        return redirect(url_for("auth.login"))
    method = request.values.get("method") or ("totp" if user.totp_secret else "passkey")
    forms = {
        "totp": CodeForm(prefix="totp"),
        "recovery": RecoveryForm(prefix="recovery"),
        "passkey": PasskeyAnswerForm(prefix="passkey"),
    }
    if method not in forms:
        method = "totp"
    if request.method == "POST" and forms[method].validate_on_submit():
        try:
            _check(user, method, forms[method])
        except two_factor.NotAccepted as refusal:
            g.sign_in_failed = True
            service.record_refused_factor(
                database.session(), user, method, str(refusal), address=client_address()
            )
            forms[method].errors_from(refusal)
        else:
            return complete_sign_in(user, method, session["pending_sign_in"].get("next"))
    return _second_factor_page(user, method, forms)


def _check(user: User, method: str, form) -> None:
    """The second factor's answer, used up; NotAccepted when it is refused."""
    if method == "passkey":
        challenge = challenges.take("sign-in", user.id)
        service.accept_passkey(database.session(), party(), user, challenge, form.answer.data)
    else:
        service.accept_code(database.session(), vault(), user, method, form.code.data)


def _second_factor_page(user: User, method: str, forms: dict):
    relying = party()
    options = None
    if user.passkeys and relying.problem is None:
        options, challenge = two_factor.authentication_options(relying, user)
        challenges.keep("sign-in", user.id, challenge)
    status = 400 if any(form.errors for form in forms.values()) else 200
    return render_template(
        "auth/second_factor.html",
        user=user,
        method=method,
        forms=forms,
        passkey_options=options,
        passkey_problem=relying.problem if user.passkeys else None,
        codes_left=two_factor.recovery_codes_left(database.session(), user.id),
    ), status


def _fresh_session() -> None:
    """Forget everything the session held, the CSRF token included (flask-wtf also keeps it
    for the request in ``g``): a form issued before signing in or out, perhaps to another
    person at this browser, is then refused."""
    session.clear()
    g.pop("csrf_token", None)


def complete_sign_in(user: User, second_factor: str | None, target: str | None):
    """Open a new session for ``user``: a new cookie, a new CSRF token, a new session row."""
    _fresh_session()
    db_session = database.session()
    service.open_session(
        db_session, user, second_factor, client_address(), request.user_agent.string
    )
    if second_factor == "recovery":
        left = two_factor.recovery_codes_left(db_session, user.id)
        flash(
            f"You signed in with a recovery code; {left} left. "
            "If you lost your device, set up a new second factor below."
        )
    login_user(user)
    session.permanent = True
    if second_factor == "recovery":
        target = url_for("account.index")
    response = redirect(target or url_for("clients.index"))
    response.set_cookie(
        throttle.DEVICE_COOKIE,
        throttle.device_cookie(user.email),
        max_age=throttle.DEVICE_DAYS * 86400,
        secure=current_app.config["SESSION_COOKIE_SECURE"],
        httponly=True,
        samesite="Lax",
    )
    return response


@bp.post("/logout")
@login_required
def logout():
    service.sign_out(
        database.session(), current_user._get_current_object(), address=client_address()
    )
    logout_user()
    _fresh_session()
    flash("You have signed out.")
    return redirect(url_for("auth.login"))
