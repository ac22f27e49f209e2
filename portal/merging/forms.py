"""The side-by-side form: which profile is kept, and whose value each differing field keeps."""

from flask_wtf import FlaskForm
from wtforms import HiddenField, RadioField, SearchField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, Optional

from portal.fields import clean

CHOOSE_PROFILE = "Choose which profile to keep."
CHOOSE_VALUE = "Choose which value to keep."


class SearchForm(FlaskForm):
    """ "Merge with…": a name to look for (a GET form: no CSRF token to carry)."""

    class Meta:
        csrf = False

    q = SearchField("Name", validators=[Optional(), Length(max=200)], filters=[clean])


class MergeForm(FlaskForm):
    """Built per pair by ``merge_form``: ``keep`` and one ``take_<field>`` per difference."""

    #: Set on the confirmation page, whose Merge button sends the same choices again.
    confirmed = HiddenField()


def merge_form(first, second, differences, kept_id: int, formdata=None) -> MergeForm:
    """The form for these two profiles; defaults: ``kept_id`` kept, each field's default."""
    people = [SelectChoice(str(p.id), p.name) for p in (first, second)]

    class Form(MergeForm):
        pass

    Form.keep = RadioField(
        "Profile to keep",
        choices=people,
        default=str(kept_id),
        validators=[InputRequired(message=CHOOSE_PROFILE)],
    )
    for difference in differences:
        if difference.choosable:
            field = RadioField(
                difference.label,
                choices=[
                    SelectChoice(str(i), difference.shown[i] or "Not recorded")
                    for i in (first.id, second.id)
                ],
                default=str(difference.default),
                validators=[InputRequired(message=CHOOSE_VALUE)],
            )
            setattr(Form, f"take_{difference.key}", field)
    return Form(formdata=formdata) if formdata is not None else Form()


def choices_of(form: MergeForm, differences) -> dict[str, int]:
    """{field: the id of the profile whose value is kept} from a validated form."""
    return {d.key: int(form[f"take_{d.key}"].data) for d in differences if f"take_{d.key}" in form}
