"""Reading and changing a firm's BusinessStructure mappings, each change audited."""

from sqlalchemy import select
from sqlalchemy.orm import Session

from portal import audit
from portal.database import writing
from portal.models import CompanyType, StructureMapping, TrustType
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
    db: Session,
    firm_id: int,
    user_id: int,
    structure: str,
    kind: str,
    default_type: str | None = None,
    *,
    address: str | None,
) -> StructureMapping:
    """Map ``structure`` to ``kind`` (and the type the import form starts with), committed
    (AlreadyMapped when it is mapped already)."""
    with writing(db):
        key = structure_key(structure)
        clash = select(StructureMapping.id).where(
            StructureMapping.firm_id == firm_id, StructureMapping.structure_key == key
        )
        if db.scalar(clash) is not None:
            raise AlreadyMapped(structure)
        row = StructureMapping(firm_id=firm_id, structure=structure, structure_key=key, kind=kind)
        _set_default(row, kind, default_type)
        db.add(row)
        db.flush()
        summary = f"Mapped “{structure}” to {describe(db, row)}"
        _record(db, row, user_id, address, "structure_mapped", summary)
        return row


def change(
    db: Session,
    row: StructureMapping,
    user_id: int,
    kind: str,
    default_type: str | None = None,
    *,
    address: str | None,
) -> None:
    """Map an existing structure to another kind, or start its imports with another type."""
    with writing(db):
        if (row.kind, row.default_type) != (kind, default_type):
            before = describe(db, row)
            _set_default(row, kind, default_type)
            _record(
                db,
                row,
                user_id,
                address,
                "structure_mapped",
                f"Mapped “{row.structure}” to {describe(db, row)} (was {before})",
            )


def _set_default(row: StructureMapping, kind: str, default_type: str | None) -> None:
    """The kind, and the default type in the column of that kind (the other one emptied)."""
    row.kind = kind
    row.company_type_code = default_type if kind == "company" else None
    row.trust_type_code = default_type if kind == "trust" else None


def describe(db: Session, row: StructureMapping) -> str:
    """ "company, Look-through company (LTC)": the kind, and the default type by its label."""
    if row.company_type_code:
        type_ = db.get(CompanyType, row.company_type_code)
    elif row.trust_type_code:
        type_ = db.get(TrustType, row.trust_type_code)
    else:
        return row.kind
    return f"{row.kind}, {type_.label if type_ else row.default_type}"


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
