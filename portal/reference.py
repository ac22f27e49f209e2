"""Reference data: NZ-first company and trust types, default plans, roles."""

COMPANY_TYPES = (
    ("limited_small", "Limited company (small)"),
    ("limited_large", "Limited company (large)"),
    ("ltc", "Look-through company (LTC)"),
    ("unlimited", "Unlimited company"),
    ("qualifying", "Qualifying company"),
    ("cooperative", "Co-operative company"),
    ("overseas", "Overseas company"),
    ("other", "Other"),
)

TRUST_TYPES = (
    ("family", "Family"),
    ("estate", "Estate"),
    ("trading", "Trading"),
    ("charitable", "Charitable"),
    ("investment", "Investment"),
    ("farm", "Farm"),
    ("business_value_protection", "Business value protection"),
    ("living", "Living"),
    ("property", "Property"),
    ("testamentary", "Testamentary"),
    ("standby", "Standby"),
    ("non_active", "Non-active"),
    ("foreign", "Foreign"),
    ("employee_share_scheme", "Employee share scheme"),
    ("other", "Other"),
)

#: The plans a new firm starts with; the firm can rename, add and retire them.
DEFAULT_PLANS = (
    ("Guest", "Free"),
    ("Standard", ""),
    ("Unlimited", ""),
    ("Archive", ""),
)

#: BusinessStructure values every firm starts with; firms add their own spellings.
#: Anything else containing "trust" (but not "trustee company") is a trust; the rest asks.
DEFAULT_STRUCTURES = (
    ("Individual", "individual"),
    ("Sole Trader", "individual"),
    ("Company", "company"),
    ("Limited Company", "company"),
    ("Ltd Co", "company"),
    ("Trustee Company", "company"),
    ("LTC", "company"),
    ("Look Through Company", "company"),
    ("Trust", "trust"),
    ("Family Trust", "trust"),
    ("Trust - Family", "trust"),
    ("Charitable Trust", "trust"),
)
#: The company or trust type the import form starts with for those of DEFAULT_STRUCTURES
#: that say it; the others say nothing of it ("Company" may be small or large), so staff
#: choose (docs/spec.md §4.1).
DEFAULT_STRUCTURE_TYPES = {
    "LTC": "ltc",
    "Look Through Company": "ltc",
    "Family Trust": "family",
    "Trust - Family": "family",
    "Charitable Trust": "charitable",
}

#: Roles one profile can hold on another, in the order the profile page shows them.
ROLES = (
    ("director", "Director"),
    ("shareholder", "Shareholder"),
    ("secretary", "Secretary"),
    ("trustee", "Trustee"),
    ("beneficiary", "Beneficiary"),
    ("settlor", "Settlor"),
    ("appointer", "Appointer"),
    ("partner", "Partner"),
    ("member", "Member"),
    ("owner", "Owner"),
    ("public_officer", "Public officer"),
    ("auditor", "Auditor"),
    ("associate", "Associate"),
    ("spouse", "Spouse"),
    ("husband", "Husband"),
    ("wife", "Wife"),
    ("parent_of", "Parent of"),
    ("child_of", "Child of"),
)

#: The roles only a company's or only a trust's people hold; every other role in ROLES
#: (partner, member, spouse…) may be held on a profile of any kind (docs/spec.md §9).
KIND_ROLES = {
    "company": ("director", "shareholder", "secretary"),
    "trust": ("trustee", "beneficiary", "settlor", "appointer"),
}
#: The roles that carry a number of shares, and a percentage (as the import keeps them).
SHARE_ROLES = ("shareholder", "owner")
PERCENTAGE_ROLES = ("partner",)
#: The kinds of party that cannot hold a role, and why: a trustee is a person or a company
#: (a corporate trustee), never a trust.
NOT_HELD_BY = {
    "trustee": (("trust",), "a trustee is a person or a company (a corporate trustee)"),
}


def roles_for(kind: str) -> tuple[tuple[str, str], ...]:
    """The roles that can be held on a profile of ``kind``, in the order of ROLES."""
    special = {code for codes in KIND_ROLES.values() for code in codes}
    allowed = set(KIND_ROLES.get(kind, ())) | (set(dict(ROLES)) - special)
    return tuple(pair for pair in ROLES if pair[0] in allowed)


#: The systems clients are imported from, as the interface names them.
PROVIDER_LABELS = {"xpm": "Xero Practice Manager", "workflowmax": "WorkflowMax"}

KINDS = (("company", "Company"), ("trust", "Trust"), ("individual", "Individual"))
#: Every kind a profile can be: a contact XPM said too little about is of unknown kind.
KIND_LABELS = {**dict(KINDS), "unknown": "Kind not known"}


def a_kind(kind: str) -> str:
    """The kind as a sentence says it: "a company", "an individual"."""
    return f"{'an' if kind in ('individual', 'unknown') else 'a'} {kind}"


#: What a company must file with the Companies Office, and for whom: the short code stored
#: on the profile (checked by the database), and the label the forms and pages show.
FILING_OBLIGATIONS = (
    ("none", "Not registered office"),
    ("office_filing", "Office filing only"),
    ("check_filing", "Check filing only"),
    ("registered_office", "Registered office only"),
    ("registered_office_check_filing", "Registered office check filing"),
    ("registered_office_filing", "Registered office and filing"),
)

#: How a profile first came into the portal (docs/spec.md §2): added by hand, from a
#: bulk CSV file, or from XPM/WorkflowMax (an imported client, or a contact it brought).
ORIGINS = (
    ("manual", "Added manually"),
    ("bulk", "Bulk import"),
    ("xpm", "Imported from XPM or WorkflowMax"),
    ("register", "From the Companies Office"),
)

STANDINGS = (("client", "Client"), ("contact", "Contact"))
SETUP_STATUSES = (("preparing", "Preparing"), ("complete", "Complete"))

MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)


def label(pairs, code, default="") -> str:
    """The human label for ``code`` in one of the lists above."""
    return dict(pairs).get(code, default)
