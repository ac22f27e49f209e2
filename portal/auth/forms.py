from flask_wtf import FlaskForm
from wtforms import EmailField, HiddenField, PasswordField, StringField
from wtforms.validators import DataRequired, EqualTo, Length

from portal.auth.passwords import MIN_LENGTH
from portal.fields import trim, typed_name


class LoginForm(FlaskForm):
    # Focused as the page opens: signing in is the only thing to do here.
    email = EmailField(
        "E-mail", validators=[DataRequired(), Length(max=254)], render_kw={"autofocus": True}
    )
    password = PasswordField("Password", validators=[DataRequired(), Length(max=500)])


class _FactorForm(FlaskForm):
    """A form answering for a second factor; a refusal is shown on its one field."""

    def errors_from(self, refusal: Exception) -> None:
        self._fields[self.answer_field].errors = [str(refusal)]


class CodeForm(_FactorForm):
    answer_field = "code"
    code = StringField(
        "Code from your authenticator app",
        validators=[DataRequired(message="Enter the 6-digit code."), Length(max=20)],
        render_kw={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True},
    )


class RecoveryForm(_FactorForm):
    answer_field = "code"
    code = StringField(
        "Recovery code",
        validators=[DataRequired(message="Enter one of your recovery codes."), Length(max=40)],
        render_kw={"autocomplete": "off", "spellcheck": "false", "autofocus": True},
    )


class PasskeyAnswerForm(_FactorForm):
    """What the browser answered to the passkey request (filled in by portal.js)."""

    answer_field = "answer"
    answer = HiddenField(validators=[DataRequired(), Length(max=20_000)])


class PasskeyForm(PasskeyAnswerForm):
    name = StringField(
        "Name for this passkey",
        validators=[DataRequired(message="Give the passkey a name."), Length(max=100), typed_name],
        filters=[trim],
        description="For example the device or password manager that keeps it.",
    )


class PasswordConfirmForm(FlaskForm):
    """Confirms a change to how a member of staff signs in."""

    password = PasswordField(
        "Your password",
        validators=[DataRequired(message="Enter your password to confirm."), Length(max=500)],
        render_kw={"autocomplete": "current-password"},
    )


class PasswordChangeForm(PasswordConfirmForm):
    new_password = PasswordField(
        "New password",
        validators=[
            DataRequired(),
            Length(min=MIN_LENGTH, max=500, message=f"At least {MIN_LENGTH} characters."),
        ],
        render_kw={"autocomplete": "new-password"},
    )
    confirm = PasswordField(
        "New password again",
        validators=[DataRequired(), EqualTo("new_password", message="The two do not match.")],
        render_kw={"autocomplete": "new-password"},
    )
