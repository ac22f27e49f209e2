"""Reading and changing a firm's BusinessStructure mappings, each change audited."""

from sqlalchemy import select
from sqlalchemy.orm import Session

from portal import audit
from portal.database import writing
from portal.models import StructureMapping
from portal.text import structure_key


class AlreadyMapped(ValueError):
    """The firm already maps a structure that reads the same."""


def mappings(db: Session, firm_id: int) -> list[StructureMapping]:
    """The firm's mappings, in alphabetical order of structure."""
    return list(
        db.scalars(
            select(StructureMapping)
            .where(StructureMapping.firm_id == firm_id)
            .order_by(StructureMapping.structure_key)
        )
    )


def mapping(db: Session, firm_id: int, mapping_id: int) -> StructureMapping | None:
    """One of the firm's mappings; None for another firm's."""
    return db.scalar(
        select(StructureMapping).where(
            StructureMapping.id == mapping_id, StructureMapping.firm_id == firm_id
        )
    )


def add(
    db: Session, firm_id: int, user_id: int, structure: str, kind: str, *, address: str | None
) -> StructureMapping:
    """Map ``structure`` to ``kind``, committed (AlreadyMapped when it is mapped already)."""
    with writing(db):
        key = structure_key(structure)
        clash = select(StructureMapping.id).where(
            StructureMapping.firm_id == firm_id, StructureMapping.structure_key == key
        )
        if db.scalar(clash) is not None:
            raise AlreadyMapped(structure)
        row = StructureMapping(firm_id=firm_id, structure=structure, structure_key=key, kind=kind)
        db.add(row)
        db.flush()
        _record(db, row, user_id, address, "structure_mapped", f"Mapped “{structure}” to {kind}")
        return row


def change(
    db: Session, row: StructureMapping, user_id: int, kind: str, *, address: str | None
) -> None:
    """Map an existing structure to another kind."""
    with writing(db):
        if row.kind != kind:
            before, row.kind = row.kind, kind
            _record(
                db,
                row,
                user_id,
                address,
                "structure_mapped",
                f"Mapped “{row.structure}” to {kind} (was {before})",
            )


def remove(db: Session, row: StructureMapping, user_id: int, *, address: str | None) -> None:
    """Forget a mapping: clients with this structure will ask for their kind again."""
    with writing(db):
        _record(
            db,
            row,
            user_id,
            address,
            "structure_unmapped",
            f"Removed the mapping of “{row.structure}”",
        )
        db.delete(row)


def _record(
    db: Session, row: StructureMapping, user_id: int, address: str | None, action: str, summary: str
) -> None:
    audit.record(
        db,
        action,
        address=address,
        firm_id=row.firm_id,
        user_id=user_id,
        object_type="structure_mapping",
        object_id=row.id,
        summary=summary,
    )
