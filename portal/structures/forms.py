from flask_wtf import FlaskForm
from wtforms import SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length

from portal.fields import trim, typed_name
from portal.reference import KINDS

KIND_CHOICES = [SelectChoice(code, label) for code, label in KINDS]
NO_DEFAULT = "None: staff choose"


class KindForm(FlaskForm):
    """A mapping's kind, and the company or trust type the import form starts with."""

    # data-kind-choice: the script shows only the chosen kind's type (portal.js).
    kind = SelectField(
        "Import as",
        choices=KIND_CHOICES,
        validators=[DataRequired()],
        render_kw={"data-kind-choice": ""},
    )
    # The other kind's field is hidden (and, with the script, disabled): not sent, so "".
    company_type_code = SelectField("Default company type", choices=[], default="")
    trust_type_code = SelectField("Default trust type", choices=[], default="")

    def fill_choices(self, company_types, trust_types) -> None:
        """The type lists, each after "None: staff choose"."""
        self.company_type_code.choices = [SelectChoice("", NO_DEFAULT)] + [
            SelectChoice(t.code, t.label) for t in company_types
        ]
        self.trust_type_code.choices = [SelectChoice("", NO_DEFAULT)] + [
            SelectChoice(t.code, t.label) for t in trust_types
        ]

    def default_type(self) -> str | None:
        """The chosen default type of the chosen kind (None for none, or an individual)."""
        field = {"company": self.company_type_code, "trust": self.trust_type_code}.get(
            self.kind.data
        )
        return (field.data or None) if field is not None else None


class MappingForm(KindForm):
    structure = StringField(
        "BusinessStructure in XPM",
        validators=[
            DataRequired(message="Enter the structure as XPM shows it."),
            Length(max=200),
            typed_name,
        ],
        filters=[trim],
    )
