"""What a panel row says besides its name and structure: the details that tell clients of
one name apart (docs/spec.md §12), from what the directory holds of XPM's list."""

from portal.directory import Row


def details(row: Row) -> list[str]:
    """The row's details, most telling first: the company number (or NZBN), an individual's
    year of birth, where it is (street and town or city), its e-mail."""
    found = []
    if row.company_number:
        found.append(f"Company number {row.company_number}")
    elif row.business_number:
        found.append(f"NZBN {row.business_number}")
    if row.birth_year:
        found.append(f"Born {row.birth_year}")
    place = ", ".join(part for part in (row.address, row.city) if part)
    if place:
        found.append(place)
    if row.email:
        found.append(row.email)
    return found
