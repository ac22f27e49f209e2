"""What the role forms accept: who holds the role (a profile found by search, or a new
contact's kind and name), and the role's details. The rules on roles themselves (which role
a kind of profile has, no role twice, not on itself) are the service's."""

from flask_wtf import FlaskForm
from wtforms import BooleanField, DateField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Optional, ValidationError

from portal import fields
from portal.clients.forms import name_field
from portal.fields import clean, rule
from portal.limits import day_problem, row_id, shares_range
from portal.reference import roles_for
from portal.roles.service import Details, NewContact

SHARES = rule(
    lambda text: fields.shares(text) is not None,
    f"Enter {shares_range()} (no minus sign, no decimals).",
)
PERCENTAGE = rule(
    lambda text: fields.percentage(text) is not None,
    "Enter a percentage from 0 to 100, with at most four decimals.",
)
#: The names a new contact needs, by kind.
NAME_FIELDS = {
    "company": ("new_name",),
    "trust": ("new_name",),
    "individual": ("new_first_name", "new_last_name"),
}


def day_in_range(_form, field):
    problem = field.data and day_problem(field.data)
    if problem:
        raise ValidationError(problem)


class DetailsForm(FlaskForm):
    """A role's details: edited on their own, and part of adding a role."""

    shares = StringField("Number of shares", validators=[Optional(), SHARES], filters=[clean])
    percentage = StringField("Percentage", validators=[Optional(), PERCENTAGE], filters=[clean])
    start_date = DateField(
        "Start or appointment date",
        validators=[Optional(), day_in_range],
    )
    end_date = DateField("End date", validators=[Optional(), day_in_range])

    def validate_end_date(self, field):
        if field.data and self.start_date.data and field.data < self.start_date.data:
            raise ValidationError("The end date is before the start date.")

    def details(self) -> Details:
        shares, percentage = self.shares.data, self.percentage.data
        return Details(
            shares=fields.shares(shares) if shares else None,
            percentage=fields.percentage(percentage) if percentage else None,
            start_date=self.start_date.data,
            end_date=self.end_date.data,
        )


class AddRoleForm(DetailsForm):
    """Add a role: the role, who holds it (``party``: a profile's id, or "new"), details."""

    role = SelectField(
        "Role",
        validators=[DataRequired(message="Choose a role.")],
        choices=[],
        render_kw={"data-role-choice": ""},
    )
    party = StringField("Who holds the role", filters=[clean])
    new_kind = SelectField(
        "Kind",
        choices=fields.kind_choices(),
        validators=[Optional()],
        render_kw={"data-kind-choice": ""},
    )
    new_name = name_field("Company or trust name", 500)
    new_first_name = name_field("First name", 200)
    new_last_name = name_field("Last name", 200)
    #: Shown only when a profile of that kind and name is already in the firm.
    confirm_duplicate = BooleanField("Add it anyway: this is someone else")
    same_name = False

    def for_profile(self, kind: str) -> "AddRoleForm":
        """Offer the roles a profile of ``kind`` can have held on it."""
        self.role.choices = [SelectChoice("", "Choose a role…")] + [
            SelectChoice(*pair) for pair in roles_for(kind)
        ]
        return self

    def validate_party(self, field):
        if field.data == "new":
            return
        try:
            row_id(field.data or "")
        except ValueError:
            raise ValidationError(
                "Choose who holds the role from the search results, or add a new contact."
            ) from None

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        if self.party.data != "new":
            return valid
        kind = self.new_kind.data
        if kind not in NAME_FIELDS:
            self.new_kind.errors = [*self.new_kind.errors, "Choose the new contact's kind."]
            return False
        for name in NAME_FIELDS[kind]:
            if not self[name].data:
                what = f"{kind}'s name" if name == "new_name" else self[name].label.text.lower()
                self[name].errors = [*self[name].errors, f"Enter the {what}."]
                valid = False
        return valid

    def holder(self) -> int | NewContact:
        """Who holds the role: a profile's id, or the new contact to add."""
        if self.party.data != "new":
            return int(self.party.data)
        kind = self.new_kind.data
        names = {name.removeprefix("new_"): self[name].data for name in NAME_FIELDS[kind]}
        return NewContact(kind, names, confirmed=self.confirm_duplicate.data)


class EndRoleForm(FlaskForm):
    """The day a role ended (or ends), asked before it is ended."""

    end_date = DateField(
        "End date",
        validators=[DataRequired(message="Enter the date the role ended."), day_in_range],
    )
