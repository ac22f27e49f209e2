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


def matches(text: str, query: str) -> list[tuple[str, bool]]:
    """``text`` cut into (piece, matched) pairs wherever ``query`` occurs, compared as ``fold``
    compares; the pieces are ``text``'s own characters, so "kowhai" marks "Kōwhai"."""
    needle = fold(query)
    if not needle:
        return [(text, False)] if text else []
    if text.isascii():  # most names: one folded character for each character
        folded, origin = list(text.lower()), range(len(text))
    else:
        folded, origin = [], []  # origin[i]: the index in text of folded character i
        for index, character in enumerate(text):
            piece = fold(character)
            folded.append(piece)
            origin.extend([index] * len(piece))
    haystack = "".join(folded)
    pieces, done, start = [], 0, haystack.find(needle)
    while start >= 0:
        first, last = max(origin[start], done), origin[start + len(needle) - 1] + 1
        while last < len(text) and not folded[last]:  # keep a combining mark with its letter
            last += 1
        if last > first:
            if first > done:
                pieces.append((text[done:first], False))
            if first == done and pieces and pieces[-1][1]:  # touching matches: one mark
                pieces[-1] = (pieces[-1][0] + text[first:last], True)
            else:
                pieces.append((text[first:last], True))
            done = last
        start = haystack.find(needle, start + len(needle))
    if done < len(text):
        pieces.append((text[done:], False))
    return pieces
