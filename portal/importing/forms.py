"""The import form: what the client is imported as, and its mandatory fields (the same
choices and messages as the manual form's, from ``portal.fields``)."""

from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, SelectField, SelectMultipleField
from wtforms.validators import DataRequired, Optional, Regexp

from portal.fields import choose, kind_choices, plan_choices, type_choices
from portal.importing.plan import Choices
from portal.reference import KINDS

TYPE_FIELDS = {"company": "company_type_code", "trust": "trust_type_code"}


class ImportForm(FlaskForm):
    """Kind (asked only when the firm's mapping does not say), type and subscription plan."""

    kind = SelectField("Kind", choices=kind_choices(), default="")
    # A disabled field is not sent; its default keeps it a valid (empty) choice.
    company_type_code = SelectField("Company type", choices=[], default="")
    trust_type_code = SelectField("Trust type", choices=[], default="")
    subscription_plan_id = SelectField(
        "Subscription plan",
        choices=[],
        validators=[DataRequired(message=choose("Subscription plan"))],
    )
    remember_structure = BooleanField("Import every client with this XPM structure as this kind")
    #: Offered when the register has the client's company number (docs/spec.md §10.4).
    also_link = BooleanField("Also link to the Companies Office", default=True)
    register_nzbn = HiddenField(validators=[Optional(), Regexp(r"^\d{13}$")])
    #: The register's differences ticked to take (offer keys), and who a register person is
    #: ("key=x:<uuid>", "key=p:<id>", "key=new"); written by the preview's own controls, and
    #: checked again in the write, where only what still differs is taken.
    register_take = SelectMultipleField(choices=[], validate_choice=False)
    register_as = SelectMultipleField(choices=[], validate_choice=False)

    def fill_choices(self, plans, company_types, trust_types) -> None:
        """The firm's plans and the type lists, each with an empty first choice."""
        self.subscription_plan_id.choices = plan_choices(plans)
        self.company_type_code.choices = type_choices("Company type", company_types)
        self.trust_type_code.choices = type_choices("Trust type", trust_types)

    def type_field(self, kind: str | None):
        """The mandatory type field of ``kind`` (None for an individual)."""
        name = TYPE_FIELDS.get(kind or "")
        return self[name] if name else None

    def settle(
        self, mapped_kind: str | None, default_kind: str | None, mapped_type: str | None = None
    ) -> None:
        """Mark what is mandatory for the kind, disable the other kind's type field, start
        the type where the firm's mapping gives one, and focus the first field to fill in
        (the first one in error after a Create the server refused)."""
        self.prefilled = None
        if not self.is_submitted():
            known = default_kind if default_kind in dict(KINDS) else None
            self.kind.data = mapped_kind or known or ""
            self._prefill(mapped_kind, mapped_type)
        self.kind_is_fixed = mapped_kind is not None
        self.kind.flags.required = not self.kind_is_fixed
        if not self.kind_is_fixed:
            self.kind.render_kw = {"data-kind-choice": ""}
        kind = self.kind.data
        for name in TYPE_FIELDS.values():
            field = self[name]
            # Until a kind is chosen, either type may become mandatory (the page shows one).
            field.flags.required = field is self.type_field(kind) or not kind
            if kind and not field.flags.required:
                field.render_kw = {"disabled": True}
        first = next(iter(self.problems()), None) or next(
            (f for f in self._mandatory() if not f.data), None
        )
        if first is not None:
            first.render_kw = {**(first.render_kw or {}), "autofocus": True}

    def _prefill(self, mapped_kind: str | None, mapped_type: str | None) -> None:
        """The mapping's type, only for the kind it maps to and only if it is on the list."""
        field = self.type_field(mapped_kind)
        listed = {choice.value for choice in field.choices if choice.value} if field else set()
        if mapped_type not in listed:
            return
        field.data = mapped_type
        field.render_kw = {**(field.render_kw or {}), "data-prefilled": mapped_type}
        self.prefilled = field.name

    def problems(self):
        """The fields the server refused, in the order of the form (the error summary)."""
        return [f for f in self if f.errors and f.type not in ("CSRFTokenField", "HiddenField")]

    def _mandatory(self):
        fields = [] if self.kind_is_fixed else [self.kind]
        fields += [f for f in (self.company_type_code, self.trust_type_code) if f.flags.required]
        return [*fields, self.subscription_plan_id]

    def validate(self, extra_validators=None) -> bool:
        """The fields' own checks, then the type the chosen kind needs."""
        valid = super().validate(extra_validators)
        if self.kind.data not in dict(KINDS):
            self.kind.errors = [*self.kind.errors, "Choose what kind of client to import it as."]
            return False
        field = self.type_field(self.kind.data)
        if field is not None and not field.data:
            field.errors = [*field.errors, choose(field.label.text)]
            valid = False
        return valid

    def choices(self, may_remember: bool) -> Choices:
        """The user's decisions, as the conversion service takes them."""
        kind = self.kind.data
        return Choices(
            kind=kind,
            subscription_plan_id=int(self.subscription_plan_id.data),
            company_type_code=self.company_type_code.data if kind == "company" else None,
            trust_type_code=self.trust_type_code.data if kind == "trust" else None,
            remember_structure=may_remember and bool(self.remember_structure.data),
            register_take=frozenset(_offered(self.register_take.data) if self.link_nzbn() else ()),
            register_as=tuple(
                tuple(v.split("=", 1)) for v in _offered(self.register_as.data) if "=" in v
            ),
        )

    def link_nzbn(self) -> str | None:
        """The register entity to link the company to in the same step, if asked."""
        if self.kind.data != "company" or not self.also_link.data:
            return None
        return self.register_nzbn.data or None


#: More offers than a register entry could make, and longer keys than its names give, are
#: not the preview's: they are dropped rather than carried into the write.
MOST_OFFERS, LONGEST_KEY = 500, 400


def _offered(values) -> list[str]:
    return [v for v in (values or ())[:MOST_OFFERS] if len(v) <= LONGEST_KEY]
