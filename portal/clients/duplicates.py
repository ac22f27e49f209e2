"""Where a merged profile went, and which profiles are likely the same (docs/spec.md §2a).

The profile pages need both (the old address of a merged profile, the "Possibly the same as"
note); ``portal.merging`` does the merging itself.
"""

from dataclasses import dataclass

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from portal.models import Profile, ProfileMerge


def likely_duplicates(db: Session, profile: Profile) -> list[Profile]:
    """Profiles likely to be this one: the same kind and name, and the same date of birth or
    the same e-mail address. One query, on the (firm, standing, name) index."""
    same = []
    if profile.date_of_birth is not None:
        same.append(Profile.date_of_birth == profile.date_of_birth)
    if profile.email:
        same.append(func.lower(Profile.email) == profile.email.lower())
    if not same:
        return []
    return list(
        db.scalars(
            select(Profile)
            .where(
                Profile.firm_id == profile.firm_id,
                Profile.standing.in_(("client", "contact")),
                Profile.sort_name == profile.sort_name,
                Profile.kind == profile.kind,
                Profile.id != profile.id,
                or_(*same),
            )
            .order_by(Profile.id)
            .limit(5)
        )
    )


@dataclass(frozen=True)
class Merged:
    """A removed profile's name, and the profile it was merged into."""

    old_name: str
    kept_id: int
    kept_name: str


def merged_into(db: Session, firm_id: int, old_id: int) -> Merged | None:
    """Where the firm's profile ``old_id``, merged and removed, went; None if it never was."""
    row = db.execute(
        select(ProfileMerge.merged_name, Profile.id, Profile.name)
        .join(
            Profile,
            (Profile.id == ProfileMerge.kept_profile_id)
            & (Profile.firm_id == ProfileMerge.firm_id),
        )
        .where(ProfileMerge.firm_id == firm_id, ProfileMerge.merged_profile_id == old_id)
    ).first()
    return Merged(*row) if row else None
