"""Text helpers shared by every feature that compares names."""

import re
import unicodedata


def fold(text: str) -> str:
    """``text`` without case or diacritics, so "kowhai" finds "Kōwhai"."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def structure_key(structure: str) -> str:
    """A BusinessStructure reduced to what matters for matching: "Ltd  Co." → "ltd co"."""
    return re.sub(r"[^\w]+", " ", fold(structure)).strip()
