"""Client profiles (companies, trusts, individuals) and the associations between them."""

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Numeric,
    String,
    Text,
    UniqueConstraint,
    false,
    func,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.database import Base, utcnow
from portal.models.firms import SubscriptionPlan
from portal.reference import FILING_OBLIGATIONS

FILING_OBLIGATION_CHECK = "filing_obligation IS NULL OR filing_obligation IN ({})".format(
    ", ".join(f"'{code}'" for code, _ in FILING_OBLIGATIONS)
)


class CompanyType(Base):
    """One entry of the company type list."""

    __tablename__ = "company_types"

    code: Mapped[str] = mapped_column(String(40), primary_key=True)
    label: Mapped[str] = mapped_column(String(100))
    position: Mapped[int]


class TrustType(Base):
    """One entry of the trust type list."""

    __tablename__ = "trust_types"

    code: Mapped[str] = mapped_column(String(40), primary_key=True)
    label: Mapped[str] = mapped_column(String(100))
    position: Mapped[int]


class Profile(Base):
    """A company, trust or individual: a *client* of the firm (with a plan) or a *contact*.

    A contact imported from XPM may be of unknown kind ("unknown") until staff choose it.
    """

    __tablename__ = "profiles"
    __table_args__ = (
        CheckConstraint("kind IN ('company', 'trust', 'individual', 'unknown')", name="kind"),
        # XPM may say too little about a related client to tell; never about a client.
        CheckConstraint("kind <> 'unknown' OR standing = 'contact'", name="unknown_kind_contact"),
        CheckConstraint("standing IN ('client', 'contact')", name="standing"),
        CheckConstraint("setup_status IN ('preparing', 'complete')", name="setup_status"),
        CheckConstraint(
            "standing = 'contact' OR subscription_plan_id IS NOT NULL", name="client_has_plan"
        ),
        CheckConstraint(
            "(xpm_provider IS NULL) = (xpm_client_uuid IS NULL)", name="xpm_link_complete"
        ),
        CheckConstraint("xpm_provider IN ('xpm', 'workflowmax')", name="xpm_provider"),
        CheckConstraint("total_shares IS NULL OR total_shares > 0", name="total_shares_positive"),
        CheckConstraint(FILING_OBLIGATION_CHECK, name="filing_obligation"),
        CheckConstraint("origin IN ('manual', 'bulk', 'xpm', 'register')", name="origin"),
        UniqueConstraint("firm_id", "xpm_provider", "xpm_client_uuid"),
        UniqueConstraint("firm_id", "client_reference"),
        UniqueConstraint("firm_id", "id"),
        ForeignKeyConstraint(
            ["firm_id", "subscription_plan_id"],
            ["subscription_plans.firm_id", "subscription_plans.id"],
        ),
        Index("ix_profiles_firm_standing_name", "firm_id", "standing", "sort_name"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    firm_id: Mapped[int] = mapped_column(ForeignKey("firms.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(20))
    #: How it first came into the portal: "manual", "bulk", "xpm" or "register"
    #: (reference.ORIGINS).
    origin: Mapped[str] = mapped_column(String(20), default="manual", server_default="manual")
    standing: Mapped[str] = mapped_column(String(20), default="client")
    setup_status: Mapped[str] = mapped_column(String(20), default="preparing")

    #: The display name: the entity's name, or an individual's full name.
    name: Mapped[str] = mapped_column(String(500))
    #: Lower-cased name, for ordering and searching without case.
    sort_name: Mapped[str] = mapped_column(String(500))
    first_name: Mapped[str] = mapped_column(String(200), default="")
    last_name: Mapped[str] = mapped_column(String(200), default="")
    other_name: Mapped[str] = mapped_column(String(200), default="")
    date_of_birth: Mapped[date | None]

    company_type_code: Mapped[str | None] = mapped_column(ForeignKey("company_types.code"))
    trust_type_code: Mapped[str | None] = mapped_column(ForeignKey("trust_types.code"))
    subscription_plan_id: Mapped[int | None]

    client_reference: Mapped[str | None] = mapped_column(String(100))
    company_number: Mapped[str] = mapped_column(String(50), default="")
    nzbn: Mapped[str] = mapped_column(String(50), default="")
    ird_number: Mapped[str] = mapped_column(String(50), default="")
    #: XPM sends only the last three digits; a masked number is never shown as complete.
    ird_number_masked: Mapped[bool] = mapped_column(default=False)
    #: Linked to the Companies Register: ``nzbn`` is the register's entity (docs/spec.md §10).
    companies_office_linked: Mapped[bool] = mapped_column(default=False)
    #: The register's status word when linked or loaded ("Registered", "Removed"...).
    register_status: Mapped[str | None] = mapped_column(String(100))
    #: When the company was linked to the register (UTC); None while not linked.
    register_linked_at: Mapped[datetime | None]
    #: Staff have checked the company number against the Companies Office register.
    company_number_confirmed: Mapped[bool] = mapped_column(default=False, server_default=false())
    #: Shares the company has issued; what the shareholders' allocations must add up to.
    #: (Every path in keeps to limits.MAX_SHARES.)
    total_shares: Mapped[int | None] = mapped_column(BigInteger)
    annual_return_month: Mapped[int | None]
    incorporation_date: Mapped[date | None]
    #: A code of reference.FILING_OBLIGATIONS; None while not known.
    filing_obligation: Mapped[str | None] = mapped_column(String(40))
    settlement_date: Mapped[date | None]
    trust_deed_date: Mapped[date | None]
    vesting_date: Mapped[date | None]

    email: Mapped[str] = mapped_column(String(254), default="")
    phone: Mapped[str] = mapped_column(String(50), default="")
    mobile: Mapped[str] = mapped_column(String(50), default="")
    website: Mapped[str] = mapped_column(String(300), default="")

    physical_address: Mapped[str] = mapped_column(Text, default="")
    physical_city: Mapped[str] = mapped_column(String(100), default="")
    physical_region: Mapped[str] = mapped_column(String(100), default="")
    physical_postcode: Mapped[str] = mapped_column(String(20), default="")
    physical_country: Mapped[str] = mapped_column(String(100), default="")
    postal_address: Mapped[str] = mapped_column(Text, default="")
    postal_city: Mapped[str] = mapped_column(String(100), default="")
    postal_region: Mapped[str] = mapped_column(String(100), default="")
    postal_postcode: Mapped[str] = mapped_column(String(20), default="")
    postal_country: Mapped[str] = mapped_column(String(100), default="")
    #: A company's registered office and address for service (an individual's residential
    #: address is the physical address).
    registered_address: Mapped[str] = mapped_column(Text, default="", server_default="")
    registered_city: Mapped[str] = mapped_column(String(100), default="", server_default="")
    registered_region: Mapped[str] = mapped_column(String(100), default="", server_default="")
    registered_postcode: Mapped[str] = mapped_column(String(20), default="", server_default="")
    registered_country: Mapped[str] = mapped_column(String(100), default="", server_default="")
    service_address: Mapped[str] = mapped_column(Text, default="", server_default="")
    service_city: Mapped[str] = mapped_column(String(100), default="", server_default="")
    service_region: Mapped[str] = mapped_column(String(100), default="", server_default="")
    service_postcode: Mapped[str] = mapped_column(String(20), default="", server_default="")
    service_country: Mapped[str] = mapped_column(String(100), default="", server_default="")

    xpm_provider: Mapped[str | None] = mapped_column(String(20))
    xpm_client_uuid: Mapped[str | None] = mapped_column(String(64))
    xpm_name: Mapped[str | None] = mapped_column(String(500))
    xpm_linked_at: Mapped[datetime | None]

    created_at: Mapped[datetime] = mapped_column(default=utcnow, server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    subscription_plan: Mapped[SubscriptionPlan | None] = relationship(
        primaryjoin="and_(Profile.firm_id == foreign(SubscriptionPlan.firm_id), "
        "Profile.subscription_plan_id == foreign(SubscriptionPlan.id))",
        viewonly=True,
    )
    company_type: Mapped[CompanyType | None] = relationship()
    trust_type: Mapped[TrustType | None] = relationship()

    @property
    def is_linked(self) -> bool:
        return self.xpm_client_uuid is not None


class Association(Base):
    """``party`` holds ``role`` on ``profile``: a director of a company, a trustee of a trust."""

    __tablename__ = "associations"
    __table_args__ = (
        UniqueConstraint("firm_id", "source_relationship_uuid"),
        CheckConstraint("profile_id <> party_id", name="not_self"),
        CheckConstraint("shares IS NULL OR shares >= 0", name="shares_not_negative"),
        CheckConstraint(
            "end_date IS NULL OR start_date IS NULL OR end_date >= start_date", name="dates"
        ),
        ForeignKeyConstraint(
            ["firm_id", "profile_id"], ["profiles.firm_id", "profiles.id"], ondelete="CASCADE"
        ),
        ForeignKeyConstraint(
            ["firm_id", "party_id"], ["profiles.firm_id", "profiles.id"], ondelete="CASCADE"
        ),
        Index("ix_associations_profile", "profile_id"),
        Index("ix_associations_party", "party_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    firm_id: Mapped[int] = mapped_column(ForeignKey("firms.id", ondelete="CASCADE"))
    profile_id: Mapped[int] = mapped_column()
    party_id: Mapped[int] = mapped_column()
    role: Mapped[str] = mapped_column(String(40))
    #: The label the other system used ("Public Officer", "Husband"), kept as received.
    label: Mapped[str] = mapped_column(String(100), default="")
    #: 64-bit, as ``Profile.total_shares``: what limits.MAX_SHARES allows on every path.
    shares: Mapped[int | None] = mapped_column(BigInteger)
    percentage: Mapped[Decimal | None] = mapped_column(Numeric(7, 4))
    #: The register's share allocation (1, 2...) a shareholding came from: holders with the
    #: same number on one profile hold ``shares`` jointly, counted once (docs/spec.md §10).
    allocation: Mapped[int | None]
    start_date: Mapped[date | None]
    end_date: Mapped[date | None]
    source_relationship_uuid: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow, server_default=func.now())

    profile: Mapped[Profile] = relationship(
        primaryjoin="Association.profile_id == Profile.id",
        foreign_keys=[profile_id],
        viewonly=True,
    )
    party: Mapped[Profile] = relationship(
        primaryjoin="Association.party_id == Profile.id",
        foreign_keys=[party_id],
        viewonly=True,
    )
