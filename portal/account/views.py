"""Your account: set up and remove second factors, recovery codes, password, sessions."""

from flask import abort, flash, redirect, render_template, request, session, url_for
from flask_login import current_user

from portal import confirmations, database
from portal.account import bp
from portal.account import service as account
from portal.auth import service, sessions, two_factor
from portal.auth.access import lifetimes, require_login, span_words
from portal.auth.forms import (
    CodeForm,
    PasskeyForm,
    PasswordChangeForm,
    PasswordConfirmForm,
)
from portal.auth.passkeys import challenges, party
from portal.extensions import client_address
from portal.models import Passkey
from portal.vault import vault

bp.before_request(require_login)


def _me():
    return current_user._get_current_object()


@bp.get("/")
def index():
    return _index(PasswordChangeForm())


def _index(password_form: PasswordChangeForm, status: int = 200):
    db_session = database.session()
    return render_template(
        "account/index.html",
        me=_me(),
        setup=bool(request.args.get("setup")) and not _me().has_second_factor,
        codes_left=two_factor.recovery_codes_left(db_session, _me().id),
        open_sessions=sessions.open_sessions(db_session, _me().id, lifetimes()),
        idle=span_words(lifetimes().idle),
        lifetime=span_words(lifetimes().absolute),
        password_form=password_form,
        passkey_problem=party().problem,
    ), status


# --- Authenticator app -----------------------------------------------------------------------
def _enrolment_secret() -> str:
    """The secret being set up, kept sealed in the session until a code proves it works."""
    sealed = session.get("totp_enrolment")
    if sealed:
        return vault().open(sealed)
    secret = two_factor.new_totp_secret()
    session["totp_enrolment"] = vault().seal(secret)
    return secret


@bp.route("/authenticator", methods=["GET", "POST"])
def authenticator():
    if _me().totp_secret is not None:
        flash("An authenticator app is already set up. Remove it first to set up another.")
        return redirect(url_for("account.index"))
    secret = _enrolment_secret()
    form = CodeForm()
    if form.validate_on_submit():
        try:
            codes = account.enrol_authenticator(
                database.session(), vault(), _me(), secret, form.code.data, address=client_address()
            )
        except two_factor.NotAccepted as refusal:
            form.errors_from(refusal)
        else:
            session.pop("totp_enrolment", None)
            return _done("Your authenticator app is set up.", codes)
    uri = two_factor.provisioning_uri(secret, _me().email)
    return render_template(
        "account/authenticator.html",
        form=form,
        qr_code=two_factor.qr_code_svg(uri),
        secret=two_factor.grouped(secret),
    ), 400 if form.errors else 200


def _done(message: str, codes: list[str] | None):
    flash(message)
    if codes:
        return render_template("account/recovery_codes.html", codes=codes)
    return redirect(url_for("account.index"))


@bp.route("/authenticator/remove", methods=["GET", "POST"])
def remove_authenticator():
    if _me().totp_secret is None:
        abort(404)
    return _confirmed(
        title="Remove your authenticator app?",
        explanation="Its codes will no longer sign you in, and your other sessions will end.",
        button="Remove authenticator app",
        change=lambda: account.remove_authenticator(
            database.session(), _me(), address=client_address()
        ),
        done="Your authenticator app was removed.",
        leaves_second_factor=bool(_me().passkeys),
    )


def _confirmed(*, title, explanation, button, change, done, leaves_second_factor=True):
    """Ask for the password, then make ``change``: one way for every change to how you
    sign in. A firm that requires two-factor sign-in keeps at least one second factor."""
    form = PasswordConfirmForm()
    refusal = None
    if _me().firm.require_two_factor and not leaves_second_factor:
        refusal = (
            "Your firm requires two-factor sign-in: add another authenticator app or passkey "
            "before removing this one."
        )
    elif form.validate_on_submit():
        if service.check_password(_me(), form.password.data):
            result = change()
            if isinstance(result, list):
                return _done(done, result)
            flash(done)
            return redirect(url_for("account.index"))
        form.password.errors.append("That is not your password.")
    return render_template(
        "account/confirm.html",
        title=title,
        explanation=explanation,
        button=button,
        form=form,
        refusal=refusal,
    ), 400 if form.errors else 200


# --- Passkeys ------------------------------------------------------------------------------
@bp.route("/passkeys/new", methods=["GET", "POST"])
def add_passkey():
    relying = party()
    form = PasskeyForm()
    if relying.problem is None and form.validate_on_submit():
        challenge = challenges.take("register", _me().id)
        try:
            if challenge is None:
                raise two_factor.NotAccepted("The request to your device expired; try again.")
            name = form.name.data.strip()
            codes = account.enrol_passkey(
                database.session(),
                relying,
                _me(),
                challenge,
                form.answer.data,
                name,
                address=client_address(),
            )
        except two_factor.NotAccepted as refusal:
            form.name.errors = [str(refusal)]
        else:
            return _done(f"The passkey “{form.name.data.strip()}” is added.", codes)
    options = None
    if relying.problem is None:
        options, challenge = two_factor.registration_options(relying, _me())
        challenges.keep("register", _me().id, challenge)
    return render_template(
        "account/passkey.html", form=form, options=options, problem=relying.problem
    ), 400 if form.errors else 200


@bp.route("/passkeys/<int:passkey_id>/remove", methods=["GET", "POST"])
def remove_passkey(passkey_id):
    passkey = database.session().get(Passkey, passkey_id)
    if passkey is None or passkey.user_id != _me().id:
        abort(404)
    name = passkey.name
    return _confirmed(
        title=f"Remove the passkey “{name}”?",
        explanation="It will no longer sign you in, and your other sessions will end.",
        button="Remove passkey",
        change=lambda: account.remove_passkey(
            database.session(), _me(), passkey, address=client_address()
        ),
        done=f"The passkey “{name}” was removed.",
        leaves_second_factor=_me().totp_secret is not None or len(_me().passkeys) > 1,
    )


# --- Recovery codes, password, sessions ------------------------------------------------------
@bp.route("/recovery-codes", methods=["GET", "POST"])
def recovery_codes():
    if not _me().has_second_factor:
        abort(404)
    return _confirmed(
        title="Make new recovery codes?",
        explanation="Your current recovery codes will stop working.",
        button="Make new recovery codes",
        change=lambda: account.new_recovery_codes(
            database.session(), _me(), address=client_address()
        ),
        done="Here are your new recovery codes.",
    )


@bp.post("/password")
def change_password():
    form = PasswordChangeForm()
    if not form.validate_on_submit():
        return _index(form, 400)
    if not service.check_password(_me(), form.password.data):
        form.password.errors.append("That is not your current password.")
        return _index(form, 400)
    account.change_password(
        database.session(), _me(), form.new_password.data, address=client_address()
    )
    flash("Your password is changed. Your other sessions have ended.")
    return redirect(url_for("account.index"))


@bp.post("/sessions/end-others")
def end_other_sessions():
    if not confirmations.confirmed():
        return confirmations.ask(confirmations.end_other_sessions())
    ended = account.end_other_sessions(database.session(), _me(), address=client_address())
    flash(f"Signed out of {ended} other session{'' if ended == 1 else 's'}.")
    return redirect(url_for("account.index"))
