"""Client profiles: listing, reading, creating and editing, always within one firm."""

from dataclasses import dataclass, replace

from sqlalchemy import func, select
from sqlalchemy.orm import Session, aliased, selectinload

from portal import audit, identifiers
from portal.clients.checklist import checklist, setup_status
from portal.database import writing
from portal.models import Association, CompanyType, Profile, SubscriptionPlan, TrustType
from portal.pages import Page, paginate
from portal.reference import KINDS, a_kind
from portal.text import fold

#: Columns no one sets as a value: the row's identity and bookkeeping, the XPM link, and the
#: flags that follow another field (the masked IRD number, the Companies Office link).
MANAGED = frozenset(
    {
        "id",
        "firm_id",
        "kind",
        "standing",
        "setup_status",
        "sort_name",
        "created_at",
        "updated_at",
        "xpm_provider",
        "xpm_client_uuid",
        "xpm_name",
        "xpm_linked_at",
        "ird_number_masked",
        "companies_office_linked",
        "register_status",
        "register_linked_at",
    }
)
#: Columns a form may set (not those, nor where the profile came from); anything else in the
#: submitted values is ignored.
EDITABLE = frozenset(c.key for c in Profile.__table__.columns if c.key not in MANAGED | {"origin"})
INTEGER_FIELDS = {"subscription_plan_id", "annual_return_month"}
NULLABLE_TEXT = {"client_reference", "company_type_code", "trust_type_code", "filing_obligation"}
TEXT_COLUMNS = frozenset(
    c.key for c in Profile.__table__.columns if not c.nullable and c.type.python_type is str
)


class DuplicateReference(ValueError):
    """Another profile of the firm already has this client reference."""


@dataclass(frozen=True)
class ListQuery:
    """What the Clients list is asked for."""

    text: str = ""
    kind: str = ""
    status: str = ""
    #: "unlinked": companies not linked to the Companies Office; "linked": those linked.
    register: str = ""
    standing: str = "client"
    page: int = 1
    per_page: int = 50


@dataclass(frozen=True)
class ListRow:
    profile: Profile
    plan: str | None
    type_label: str | None


def list_profiles(db: Session, firm_id: int, query: ListQuery) -> Page:
    """One page of the firm's profiles, in name order, with a constant number of queries."""
    conditions = [Profile.firm_id == firm_id, Profile.standing == query.standing]
    if query.text:
        conditions.append(Profile.sort_name.contains(fold(query.text), autoescape=True))
    if query.kind:
        conditions.append(Profile.kind == query.kind)
    if query.status:
        conditions.append(Profile.setup_status == query.status)
    if query.register:
        linked = query.register == "linked"
        conditions += [Profile.kind == "company", Profile.companies_office_linked.is_(linked)]
    plan = aliased(SubscriptionPlan)
    statement = (
        select(Profile, plan.name, func.coalesce(CompanyType.label, TrustType.label))
        .outerjoin(plan, (plan.id == Profile.subscription_plan_id) & (plan.firm_id == firm_id))
        .outerjoin(CompanyType, CompanyType.code == Profile.company_type_code)
        .outerjoin(TrustType, TrustType.code == Profile.trust_type_code)
        .where(*conditions)
        .order_by(Profile.sort_name, Profile.id)
    )
    count = select(func.count(Profile.id)).where(*conditions)
    listing = paginate(db, statement, query.page, query.per_page, count)
    return replace(listing, items=[ListRow(*row) for row in listing.items])


def get_profile(db: Session, firm_id: int, profile_id: int) -> Profile | None:
    """The firm's profile with this id; None when it does not exist or is another firm's."""
    return db.scalar(
        select(Profile)
        .where(Profile.id == profile_id, Profile.firm_id == firm_id)
        .options(
            selectinload(Profile.subscription_plan),
            selectinload(Profile.company_type),
            selectinload(Profile.trust_type),
        )
    )


def associations(db: Session, profile: Profile) -> tuple[list[Association], list[Association]]:
    """(roles held on this profile, roles this profile holds on others)."""
    rows = db.scalars(
        select(Association)
        .where(
            Association.firm_id == profile.firm_id,
            (Association.profile_id == profile.id) | (Association.party_id == profile.id),
        )
        .options(selectinload(Association.profile), selectinload(Association.party))
        .order_by(Association.role, Association.start_date, Association.id)
    ).all()
    held_on = [a for a in rows if a.profile_id == profile.id]
    held_elsewhere = [a for a in rows if a.party_id == profile.id]
    return held_on, held_elsewhere


def plans(db: Session, firm_id: int) -> list[SubscriptionPlan]:
    """The firm's plans that can be chosen for a client."""
    return list(
        db.scalars(
            select(SubscriptionPlan)
            .where(SubscriptionPlan.firm_id == firm_id, SubscriptionPlan.retired.is_(False))
            .order_by(SubscriptionPlan.position, SubscriptionPlan.name)
        )
    )


def company_types(db: Session) -> list[CompanyType]:
    return list(db.scalars(select(CompanyType).order_by(CompanyType.position)))


def trust_types(db: Session) -> list[TrustType]:
    return list(db.scalars(select(TrustType).order_by(TrustType.position)))


def same_name(db: Session, firm_id: int, kind: str, name: str, exclude_id=None) -> Profile | None:
    """Another profile of this kind whose name matches ``name`` (ignoring case and accents)."""
    statement = select(Profile).where(
        Profile.firm_id == firm_id, Profile.kind == kind, Profile.sort_name == fold(name)
    )
    if exclude_id is not None:
        statement = statement.where(Profile.id != exclude_id)
    return db.scalars(statement.limit(1)).first()


def display_name(kind: str, values: dict) -> str:
    """The name a profile is listed under."""
    if kind == "individual":
        parts = (values.get("first_name"), values.get("other_name"), values.get("last_name"))
        return " ".join(p for p in parts if p)
    return values["name"]


def _column_value(key: str, value):
    """A submitted value in the form its column stores."""
    if key in INTEGER_FIELDS:
        return int(value) if value not in (None, "") else None
    if key in NULLABLE_TEXT:
        return value or None
    if value is None and key in TEXT_COLUMNS:
        return ""
    return value


NAME_PARTS = ("first_name", "other_name", "last_name")


def _apply(db: Session, profile: Profile, values: dict) -> None:
    """Set the submitted values. An individual's name is rebuilt from its parts when one of
    them changes (or it is new): saving another field keeps the name it came with, such as
    XPM's "Hēmi Ngata" for a Hēmi Angus Ngata."""
    parts = [getattr(profile, part) for part in NAME_PARTS]
    for key in EDITABLE & values.keys():
        setattr(profile, key, _column_value(key, values[key]))
    if "ird_number" in values:
        profile.ird_number_masked = identifiers.masked_ird_number(profile.ird_number or "")
    renamed = parts != [getattr(profile, part) for part in NAME_PARTS]
    if profile.kind != "individual" or renamed or not profile.name:
        profile.name = display_name(
            profile.kind, values | {"name": values.get("name", profile.name)}
        )
    profile.sort_name = fold(profile.name)
    reference = profile.client_reference
    if reference:
        clash = select(Profile.id).where(
            Profile.firm_id == profile.firm_id, Profile.client_reference == reference
        )
        if profile.id is not None:
            clash = clash.where(Profile.id != profile.id)
        if db.scalar(clash) is not None:
            raise DuplicateReference(reference)


def refresh_status(db: Session, profile: Profile) -> None:
    """Recompute the setup status from the checklist."""
    held_on, _ = associations(db, profile) if profile.id else ([], [])
    profile.setup_status = setup_status(checklist(profile, held_on))


def create_profile(
    db: Session, firm_id: int, user_id: int, kind: str, values: dict, *, address: str | None
) -> Profile:
    """Add a client profile of ``kind``, committed (DuplicateReference: its reference is taken)."""
    with writing(db):
        profile = Profile(firm_id=firm_id, kind=kind, standing="client", origin="manual")
        _apply(db, profile, values)
        refresh_status(db, profile)
        db.add(profile)
        db.flush()
        audit.record(
            db,
            "profile_created",
            address=address,
            firm_id=firm_id,
            user_id=user_id,
            object_type="profile",
            object_id=profile.id,
            summary=f"Added {kind} {profile.name} manually",
        )
        return profile


def add_contact(
    db: Session,
    firm_id: int,
    user_id: int,
    kind: str,
    values: dict,
    *,
    address: str | None,
    origin: str = "manual",
) -> Profile:
    """Add a contact of ``kind`` (a party with no plan: a director, a corporate trustee) in
    the caller's unit of work, audited there; ``origin`` says where it came from."""
    profile = Profile(firm_id=firm_id, kind=kind, standing="contact", origin=origin)
    _apply(db, profile, values)
    db.add(profile)
    db.flush()  # the columns' defaults, which the checklist reads
    refresh_status(db, profile)
    audit.record(
        db,
        "contact_added",
        address=address,
        firm_id=firm_id,
        user_id=user_id,
        object_type="profile",
        object_id=profile.id,
        summary=f"Added {kind} {profile.name} as a contact",
    )
    return profile


def update_profile(
    db: Session, profile: Profile, user_id: int, values: dict, *, address: str | None
) -> dict:
    """Change the profile's basic fields; returns {field: (before, after)} of what changed."""
    with writing(db):
        before = {key: getattr(profile, key) for key in EDITABLE}
        _apply(db, profile, values)
        refresh_status(db, profile)
        changes = {
            key: (_plain(before[key]), _plain(getattr(profile, key)))
            for key in EDITABLE
            if before[key] != getattr(profile, key)
        }
        if changes:
            summary = f"Edited {profile.name}: {', '.join(sorted(changes))}"
            _record_edit(db, profile, user_id, summary, changes, address=address)
        return changes


def choose_kind(
    db: Session, profile: Profile, user_id: int, kind: str, *, address: str | None
) -> None:
    """Give a contact of unknown kind (an XPM client XPM said too little about) its kind."""
    with writing(db):
        if profile.kind != "unknown" or kind not in dict(KINDS):
            raise ValueError(f"cannot make a {profile.kind} profile a {kind}")
        profile.kind = kind
        if kind == "individual" and not (profile.first_name or profile.last_name):
            profile.last_name = profile.name  # XPM's name, until staff split it on Edit
        refresh_status(db, profile)
        summary = f"Chose that {profile.name} is {a_kind(kind)}"
        _record_edit(db, profile, user_id, summary, {"kind": ["unknown", kind]}, address=address)


def _record_edit(
    db: Session, profile: Profile, user_id: int, summary: str, changes: dict, *, address
) -> None:
    """Audit a change to a profile's fields: ``changes`` maps each field to (before, after)."""
    audit.record(
        db,
        "profile_edited",
        address=address,
        firm_id=profile.firm_id,
        user_id=user_id,
        object_type="profile",
        object_id=profile.id,
        summary=summary,
        detail={"changes": changes},
    )


def _plain(value):
    """A value the audit log's JSON can hold."""
    return value.isoformat() if hasattr(value, "isoformat") else value
