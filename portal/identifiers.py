"""Check digits of New Zealand identifiers, so a typo is caught where it is typed."""

import re

IRD_PRIMARY_WEIGHTS = (3, 2, 7, 6, 5, 4, 3, 2)
IRD_SECONDARY_WEIGHTS = (7, 4, 3, 2, 5, 2, 7, 6)


def digits(value: str) -> str:
    """``value`` without the spaces and dashes people type into numbers."""
    return re.sub(r"[\s-]", "", value)


def valid_ird_number(value: str) -> bool:
    """Inland Revenue's published check for IRD numbers (8 or 9 digits, mod-11 check)."""
    number = digits(value)
    if not number.isdigit() or not 10_000_000 < int(number) < 150_000_000:
        return False
    base, check = number[:-1].zfill(8), int(number[-1])
    for weights in (IRD_PRIMARY_WEIGHTS, IRD_SECONDARY_WEIGHTS):
        remainder = sum(int(d) * w for d, w in zip(base, weights, strict=True)) % 11
        expected = 0 if remainder == 0 else 11 - remainder
        if expected != 10:
            return expected == check
    return False


def valid_nzbn(value: str) -> bool:
    """An NZBN is a GS1 GTIN-13: 13 digits, the last a check digit."""
    number = digits(value)
    if len(number) != 13 or not number.isdigit():
        return False
    return with_check_digit(number[:12]) == number


def with_check_digit(body: str) -> str:
    """The 12 digits ``body`` with the GS1 check digit that makes them an NZBN."""
    total = sum(int(d) * (3 if i % 2 else 1) for i, d in enumerate(body))
    return body + str((10 - total % 10) % 10)


def masked_ird_number(value: str) -> bool:
    """An IRD number with all but its last digits hidden, as XPM sends it: ``******123``."""
    return bool(re.fullmatch(r"[*•xX]+\d{1,4}", digits(value)))
