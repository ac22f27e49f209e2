"""The profile forms, one per kind; the same classes add a client manually and edit one.

What each field accepts is ``portal.fields``' rule, which bulk CSV rows keep to as well;
the messages here are the form's own wording of it."""

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    EmailField,
    IntegerField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional

from portal import fields
from portal.fields import choose, clean, rule, trim, typed_name
from portal.limits import shares_range

EMAIL = rule(
    fields.email_address,
    "Enter an e-mail address like name@example.nz.",
    judge_emptied=True,
)
WEB_ADDRESS = rule(fields.web_address, "Enter a web address starting with https:// or http://.")
IRD_NUMBER = rule(
    fields.ird_number, "That is not a valid IRD number (8 or 9 digits; check the digits)."
)
NZBN = rule(fields.nzbn, "An NZBN is 13 digits; check the digits.")
COMPANY_NUMBER = rule(fields.company_number, "A company number is digits only.", judge_emptied=True)


def name_field(label, max_length, *, required=False):
    """A name field: refused, with the reason, if it holds what ``name_problem`` refuses
    (not silently cleaned, so staff see what they pasted)."""
    first = DataRequired(message=f"Enter the {label.lower()}.") if required else Optional()
    return StringField(
        label, validators=[first, Length(max=max_length), typed_name], filters=[trim]
    )


def text(label, max_length, *validators, required=False):
    """A one-line text field, cleaned, limited to what its column can hold."""
    first = DataRequired(message=f"Enter the {label.lower()}.") if required else Optional()
    return StringField(
        label, validators=[first, Length(max=max_length), *validators], filters=[clean]
    )


def address(label):
    return TextAreaField(label, validators=[Optional(), Length(max=1000)], filters=[clean])


ADDRESS_PARTS = ("address", "city", "region", "postcode", "country")


def address_fields(prefix: str) -> tuple[str, ...]:
    """The five columns of one address: ``physical_address``, ``physical_city``…"""
    return tuple(f"{prefix}_{part}" for part in ADDRESS_PARTS)


def date_field(label, *, past=False):
    """A date (the browser's date picker); ``past``: one that cannot be after today."""
    validators = [Optional()]
    if past:
        validators.append(
            rule(fields.not_in_future, f"The {label.lower()} cannot be in the future.")
        )
    return DateField(label, validators=validators)


def choice(label, *, required=False):
    """A select whose choices the view fills in from the firm's data."""
    validators = [DataRequired(message=choose(label))] if required else [Optional()]
    return SelectField(label, validators=validators, choices=[])


class ProfileForm(FlaskForm):
    """The fields every kind of profile has."""

    #: Check boxes that copy one address into another when the form is saved (the page's
    #: script does it at once): {box: (from, to)}. Not columns.
    COPIES: dict[str, tuple[str, str]] = {}

    ird_number = text("IRD number", 20, IRD_NUMBER)
    client_reference = name_field("Client reference", 100)
    email = EmailField("E-mail", validators=[Optional(), Length(max=254), EMAIL], filters=[clean])
    phone = text("Phone", 50)
    mobile = text("Mobile", 50)
    website = text("Website", 300, WEB_ADDRESS)
    physical_address = address("Street address")
    physical_city = text("City", 100)
    physical_region = text("Region", 100)
    physical_postcode = text("Postcode", 20)
    physical_country = text("Country", 100)
    postal_address = address("Postal address")
    postal_city = text("Postal city", 100)
    postal_region = text("Postal region", 100)
    postal_postcode = text("Postal postcode", 20)
    postal_country = text("Postal country", 100)
    #: Shown only when another profile of this kind has the same name.
    confirm_duplicate = BooleanField("Create it anyway: this is a different one")

    details_fields: tuple[str, ...] = ()
    common_sections = (
        ("Contact", ("email", "phone", "mobile", "website")),
        ("Physical address", address_fields("physical")),
        ("Postal address", address_fields("postal")),
    )

    def sections(self):
        """(title, fields) in the order the page shows them."""
        for title, names in (("Details", self.details_fields), *self.common_sections):
            yield title, [self[name] for name in names]

    def profile_values(self) -> dict:
        """The submitted values, keyed by profile column, with each address a ticked "Same
        as…" box asks for copied over (in order: the registered office first, then from it)."""
        skip = {"csrf_token", "confirm_duplicate", *self.COPIES}
        values = {name: field.data for name, field in self._fields.items() if name not in skip}
        for box, (source, target) in self.COPIES.items():
            if self[box].data:
                for part in ADDRESS_PARTS:
                    values[f"{target}_{part}"] = values[f"{source}_{part}"]
        return values


class CompanyForm(ProfileForm):
    kind = "company"
    name = name_field("Company name", 500, required=True)
    company_type_code = choice("Company type", required=True)
    subscription_plan_id = choice("Subscription plan", required=True)
    company_number = text("Company number", 20, COMPANY_NUMBER)
    nzbn = text("NZBN", 20, NZBN)
    company_number_confirmed = BooleanField(
        "Company number checked against the Companies Office register"
    )
    total_shares = IntegerField(
        "Total shares issued",
        validators=[Optional(), fields.shares_field(1, f"Enter {shares_range(1)}.")],
    )
    annual_return_month = SelectField(
        "Annual return filing month",
        choices=[SelectChoice("", "Not known"), *fields.month_choices()],
        validators=[Optional()],
    )
    incorporation_date = date_field("Incorporation date", past=True)
    filing_obligation = SelectField(
        "Filing obligation",
        choices=fields.filing_obligation_choices(),
        validate_choice=False,
        validators=[
            Optional(),
            rule(fields.filing_obligation, "Choose one of the listed obligations."),
        ],
    )
    registered_same_as_physical = BooleanField("Same as physical address")
    registered_address = address("Registered office")
    registered_city = text("Registered office city", 100)
    registered_region = text("Registered office region", 100)
    registered_postcode = text("Registered office postcode", 20)
    registered_country = text("Registered office country", 100)
    service_same_as_registered = BooleanField("Same as registered office")
    service_address = address("Address for service")
    service_city = text("Address for service city", 100)
    service_region = text("Address for service region", 100)
    service_postcode = text("Address for service postcode", 20)
    service_country = text("Address for service country", 100)

    COPIES = {
        "registered_same_as_physical": ("physical", "registered"),
        "service_same_as_registered": ("registered", "service"),
    }
    details_fields = (
        "name",
        "company_type_code",
        "subscription_plan_id",
        "company_number",
        "nzbn",
        "company_number_confirmed",
        "incorporation_date",
        "total_shares",
        "ird_number",
        "annual_return_month",
        "filing_obligation",
        "client_reference",
    )
    common_sections = (
        *ProfileForm.common_sections,
        ("Registered office", ("registered_same_as_physical", *address_fields("registered"))),
        ("Address for service", ("service_same_as_registered", *address_fields("service"))),
    )


class TrustForm(ProfileForm):
    kind = "trust"
    name = name_field("Trust name", 500, required=True)
    trust_type_code = choice("Trust type", required=True)
    subscription_plan_id = choice("Subscription plan", required=True)
    settlement_date = date_field("Settlement date")
    trust_deed_date = date_field("Trust deed date")
    vesting_date = date_field("Vesting date")
    details_fields = (
        "name",
        "trust_type_code",
        "subscription_plan_id",
        "ird_number",
        "settlement_date",
        "trust_deed_date",
        "vesting_date",
        "client_reference",
    )


class IndividualForm(ProfileForm):
    kind = "individual"
    first_name = name_field("First name", 200, required=True)
    last_name = name_field("Last name", 200, required=True)
    other_name = name_field("Other names", 200)
    date_of_birth = date_field("Date of birth", past=True)
    subscription_plan_id = choice("Subscription plan", required=True)
    details_fields = (
        "first_name",
        "other_name",
        "last_name",
        "subscription_plan_id",
        "date_of_birth",
        "ird_number",
        "client_reference",
    )
    #: An individual's physical address is where they live (docs/spec.md §2).
    common_sections = (
        ProfileForm.common_sections[0],
        ("Residential address", address_fields("physical")),
        ProfileForm.common_sections[2],
    )


FORMS = {form.kind: form for form in (CompanyForm, TrustForm, IndividualForm)}


class KindForm(FlaskForm):
    """What a contact of unknown kind is, once staff know."""

    kind = SelectField(
        "What is it?",
        choices=fields.kind_choices(),
        validators=[DataRequired(message="Choose whether it is a company, a trust or a person.")],
    )
