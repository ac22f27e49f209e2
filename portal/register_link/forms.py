"""The form of "From the Companies Office": what manual loading asks that the register does
not say (Company type, Subscription plan), and the search box."""

from flask_wtf import FlaskForm
from wtforms import SelectField
from wtforms.validators import DataRequired

from portal.fields import choose, plan_choices, type_choices


class RegisterCompanyForm(FlaskForm):
    """Company type and Subscription plan, both mandatory, as on Add client manually."""

    company_type_code = SelectField(
        "Company type", choices=[], validators=[DataRequired(message=choose("Company type"))]
    )
    subscription_plan_id = SelectField(
        "Subscription plan",
        choices=[],
        validators=[DataRequired(message=choose("Subscription plan"))],
    )

    def fill_choices(self, plans, company_types) -> None:
        self.subscription_plan_id.choices = plan_choices(plans)
        self.company_type_code.choices = type_choices("Company type", company_types)

    def values(self) -> dict:
        return {
            "company_type_code": self.company_type_code.data,
            "subscription_plan_id": self.subscription_plan_id.data,
        }


def search_text(args) -> str:
    """The search box's text: printable, one line, at most 200 characters."""
    return "".join(c for c in args.get("q", "") if c.isprintable()).strip()[:200]
