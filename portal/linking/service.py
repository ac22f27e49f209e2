"""Linking a profile to one XPM client (at most one profile per XPM client in a firm)."""

from sqlalchemy import func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from portal import audit
from portal.database import utcnow, writing
from portal.directory import Practice
from portal.directory.store import Row, rows_with_profiles
from portal.importing.mapping import normal_uuid
from portal.models import DirectoryEntry, Profile
from portal.text import fold

SUGGESTIONS = 5


class LinkRefused(ValueError):
    """The link cannot be made; the message says why, in the practice's words."""

    def __init__(self, message: str, holder: Profile | None = None):
        super().__init__(message)
        self.holder = holder


def holder(db: Session, firm_id: int, provider: str, client_uuid: str) -> Profile | None:
    """The firm's profile already linked to this XPM client, if any."""
    return db.scalar(
        select(Profile).where(
            Profile.firm_id == firm_id,
            Profile.xpm_provider == provider,
            Profile.xpm_client_uuid == normal_uuid(client_uuid),
        )
    )


def link(
    db: Session,
    profile: Profile,
    practice: Practice,
    client_uuid: str,
    user_id: int,
    *,
    address: str | None,
):
    """Link ``profile`` to the practice's client ``client_uuid``, in one write transaction
    (nothing is stored when the link is refused)."""
    with writing(db):
        _link(db, profile, practice, normal_uuid(client_uuid), user_id, address=address)


def _link(
    db: Session,
    profile: Profile,
    practice: Practice,
    uuid: str,
    user_id: int,
    *,
    address: str | None,
) -> None:
    if profile.is_linked:
        raise LinkRefused(f"{profile.name} is already linked: disconnect it first.")
    entry = db.scalar(
        select(DirectoryEntry).where(
            DirectoryEntry.firm_id == practice.firm_id,
            DirectoryEntry.provider == practice.provider,
            DirectoryEntry.client_uuid == uuid,
        )
    )
    if entry is None:
        raise LinkRefused("That client was not found in the practice's client list.")
    other = holder(db, profile.firm_id, practice.provider, uuid)
    if other is not None:
        raise LinkRefused(
            f"{entry.name} is already linked to {other.name}. One client can be linked to "
            "only one profile: disconnect it there first.",
            other,
        )
    profile.xpm_provider, profile.xpm_client_uuid = practice.provider, uuid
    profile.xpm_name, profile.xpm_linked_at = entry.name, utcnow()
    try:
        db.flush()
    except IntegrityError as error:  # someone linked it a moment ago
        raise LinkRefused(f"{entry.name} was just linked to another profile.") from error
    audit.record(
        db,
        "link",
        address=address,
        firm_id=profile.firm_id,
        user_id=user_id,
        object_type="profile",
        object_id=profile.id,
        summary=f"Linked {profile.name} to {entry.name}",
        detail={"provider": practice.provider, "client_uuid": uuid, "xpm_name": entry.name},
    )


def unlink(db: Session, profile: Profile, user_id: int, *, address: str | None) -> None:
    """Remove the profile's link to XPM (its details stay as they are)."""
    with writing(db):
        _unlink(db, profile, user_id, address=address)


def _unlink(db: Session, profile: Profile, user_id: int, *, address: str | None) -> None:
    if not profile.is_linked:
        return
    detail = {
        "provider": profile.xpm_provider,
        "client_uuid": profile.xpm_client_uuid,
        "xpm_name": profile.xpm_name,
    }
    profile.xpm_provider = profile.xpm_client_uuid = profile.xpm_name = None
    profile.xpm_linked_at = None
    audit.record(
        db,
        "unlink",
        address=address,
        firm_id=profile.firm_id,
        user_id=user_id,
        object_type="profile",
        object_id=profile.id,
        summary=f"Disconnected {profile.name} from {detail['xpm_name'] or 'XPM'}",
        detail=detail,
    )


def suggestions(db: Session, practice: Practice, profile: Profile) -> list[Row]:
    """The practice's clients whose name, company number or e-mail match the profile's."""
    entry = DirectoryEntry
    matches = [entry.sort_name == fold(profile.name)]
    if profile.company_number:
        matches.append(entry.company_number == profile.company_number)
    if profile.email:
        matches.append(func.lower(entry.email) == profile.email.strip().lower())
    statement = (
        rows_with_profiles()
        .where(
            entry.firm_id == practice.firm_id,
            entry.provider == practice.provider,
            entry.is_deleted.is_(False),
            or_(*matches),
        )
        .order_by(entry.sort_name, entry.client_uuid)
        .limit(SUGGESTIONS)
    )
    return [Row(*values) for values in db.execute(statement)]
