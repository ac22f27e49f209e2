"""What the portal knows of each practice's client list in XPM, and how it maps structures."""

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from portal.database import Base, utcnow


class DirectoryEntry(Base):
    """One XPM client as last seen in the practice's list (basic fields, and the structure
    and numbers once a detailed answer has given them).

    Kept per firm so scrolling and searching the "Add client" panel are answered locally,
    within XPM's shared limits; refreshed from ``paged-list`` and ``modifiedsince``.
    """

    __tablename__ = "directory_entries"
    __table_args__ = (
        UniqueConstraint("firm_id", "provider", "client_uuid"),
        # Name order with the UUID as tie-breaker, so duplicate names page without gaps; the
        # flags too, so counting and searching read the index alone.
        Index(
            "ix_directory_entries_firm_name",
            "firm_id",
            "provider",
            "sort_name",
            "client_uuid",
            "is_archived",
            "is_deleted",
        ),
        # Searching a name for a part of it ("%kowhai%"): trigrams find the few matches of
        # 50,000 at once on PostgreSQL (elsewhere this is an ordinary index).
        Index(
            "ix_directory_entries_sort_name_trigrams",
            "sort_name",
            postgresql_using="gin",
            postgresql_ops={"sort_name": "gin_trgm_ops"},
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    firm_id: Mapped[int] = mapped_column(ForeignKey("firms.id", ondelete="CASCADE"))
    provider: Mapped[str] = mapped_column(String(20))
    client_uuid: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(500))
    #: The name without case or diacritics, for ordering and searching.
    sort_name: Mapped[str] = mapped_column(String(500))
    business_structure: Mapped[str] = mapped_column(String(200), default="")
    company_number: Mapped[str] = mapped_column(String(50), default="")
    business_number: Mapped[str] = mapped_column(String(50), default="")
    email: Mapped[str] = mapped_column(String(254), default="")
    #: The first line of the street address and the town or city: what tells two clients
    #: of one name apart in the panel (every listing carries them).
    address: Mapped[str] = mapped_column(String(200), default="")
    city: Mapped[str] = mapped_column(String(100), default="")
    #: An individual's year of birth (None for entities, whose "date of birth" in XPM is
    #: often the incorporation date, and when XPM has not said).
    birth_year: Mapped[int | None]
    #: None: XPM has not said (its search answers leave these flags out).
    is_archived: Mapped[bool | None] = mapped_column(default=False)
    is_deleted: Mapped[bool | None] = mapped_column(default=False)
    is_prospect: Mapped[bool | None] = mapped_column(default=False)
    seen_at: Mapped[datetime] = mapped_column(default=utcnow)
    #: When a detailed answer (get, or a detailed search) last gave its structure and
    #: numbers; None: only basic listings have been read, which leave them out.
    detailed_at: Mapped[datetime | None]


class DirectorySync(Base):
    """How fresh a practice's directory is, who is refreshing it, and what went wrong last."""

    __tablename__ = "directory_syncs"
    __table_args__ = (UniqueConstraint("firm_id", "provider"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    firm_id: Mapped[int] = mapped_column(ForeignKey("firms.id", ondelete="CASCADE"))
    provider: Mapped[str] = mapped_column(String(20))
    #: The practice (tenant) the entries came from; another one means starting again.
    tenant_id: Mapped[str | None] = mapped_column(String(64))
    #: Completed full read (paged-list), and the portal time changes are known up to.
    full_synced_at: Mapped[datetime | None]
    modified_synced_at: Mapped[datetime | None]
    last_attempt_at: Mapped[datetime | None]
    #: What went wrong at the last attempt, in words for staff ("" when it worked).
    last_error: Mapped[str] = mapped_column(String(500), default="")
    #: A refresh in progress holds the row until then (one worker at a time).
    claimed_until: Mapped[datetime | None]
    #: No refresh before then: the usual interval, or longer after a 429.
    next_refresh_at: Mapped[datetime | None]
    #: When a refresh last changed an entry, so an open panel knows to reload.
    changed_at: Mapped[datetime | None]
    #: A full read stopped part way: where it had got to (paged-list's next page token or
    #: WorkflowMax's next page number) and when it began, so the next attempt goes on.
    full_read_from: Mapped[str | None] = mapped_column(String(2000))
    full_read_started_at: Mapped[datetime | None]


class StructureMapping(Base):
    """How a firm's XPM BusinessStructure values map to the kind of profile they become."""

    __tablename__ = "structure_mappings"
    __table_args__ = (
        UniqueConstraint("firm_id", "structure_key"),
        CheckConstraint("kind IN ('company', 'trust', 'individual')", name="kind"),
        # A default type belongs to its own kind: a company type only on a company mapping.
        CheckConstraint("company_type_code IS NULL OR kind = 'company'", name="company_type"),
        CheckConstraint("trust_type_code IS NULL OR kind = 'trust'", name="trust_type"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    firm_id: Mapped[int] = mapped_column(ForeignKey("firms.id", ondelete="CASCADE"))
    #: The structure as XPM spells it, for showing.
    structure: Mapped[str] = mapped_column(String(200))
    #: The structure without case, spacing or diacritics: what lookups compare.
    structure_key: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(20))
    #: The company or trust type the import form starts with (None: staff choose it).
    company_type_code: Mapped[str | None] = mapped_column(ForeignKey("company_types.code"))
    trust_type_code: Mapped[str | None] = mapped_column(ForeignKey("trust_types.code"))

    @property
    def default_type(self) -> str | None:
        """The type code the import form starts with, of whichever kind this maps to."""
        return self.company_type_code or self.trust_type_code
