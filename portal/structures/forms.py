from flask_wtf import FlaskForm
from wtforms import SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length

from portal.fields import trim, typed_name
from portal.reference import KINDS

KIND_CHOICES = [SelectChoice(code, label) for code, label in KINDS]


class KindForm(FlaskForm):
    kind = SelectField("Import as", choices=KIND_CHOICES, validators=[DataRequired()])


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
