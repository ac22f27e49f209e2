"""Text helpers shared by every feature that compares, checks or shows names."""

import re
import unicodedata

#: Unicode's Bidi_Control characters: they reorder the text around them as it is shown,
#: so a name can read as another ("Kōwhai\u202eDTL" shows as "KōwhaiLTD").
BIDI_CONTROLS = "\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069"
#: Characters with no width and no use in a name: zero-width space, word joiner and the
#: invisible operators, the byte-order mark.
ZERO_WIDTH = "\u200b\u2060-\u2064\ufeff"
#: Control characters (C0, DEL and C1), but for the line breaks and tabs of an address.
CONTROLS = "\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f"
#: What a page shows as a marker (``reveal``).
HIDDEN = re.compile(f"[{BIDI_CONTROLS}{ZERO_WIDTH}{CONTROLS}]")
#: What a name typed by staff may not hold: the same, and tabs and line breaks as well.
REFUSED_IN_NAMES = re.compile(f"[{BIDI_CONTROLS}{ZERO_WIDTH}\\x00-\\x1f\\x7f-\\x9f]")
#: Letters that render as nothing (Hangul fillers, the blank Braille pattern).
BLANK_LETTERS = frozenset("\u115f\u1160\u3164\uffa0\u2800")
#: Categories of characters that show nothing: spaces, separators, format and control
#: characters, and marks (which only change the letter before them).
BLANK_CATEGORIES = frozenset(("Zs", "Zl", "Zp", "Cc", "Cf", "Mn", "Me"))


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


def _described(character: str) -> str:
    code = f"U+{ord(character):04X}"
    name = unicodedata.name(character, "")
    return f"the {name.lower()} ({code})" if name else f"the control character {code}"


def _why(character: str) -> str:
    if unicodedata.category(character) == "Cc":
        return "control characters are not text"
    if re.match(f"[{BIDI_CONTROLS}]", character):
        return "it reorders the text around it, so what shows is not what is stored"
    return "it cannot be seen, so what shows is not what is stored"


def name_problem(text: str) -> str | None:
    """Why ``text`` cannot be a name (or a reference) typed by staff, or None when it can.

    The one rule for the manual form and bulk CSV rows: no character that hides or
    reorders text (so no name can pass for another), no control character, and at least
    one character that shows.
    """
    found = REFUSED_IN_NAMES.search(text)
    if found:
        character, position = found.group(), found.start() + 1
        return f"Remove {_described(character)} at character {position}: {_why(character)}."
    if text and all(_blank(character) for character in text):
        return "Enter letters or digits: what was entered shows nothing."
    return None


def _blank(character: str) -> bool:
    return unicodedata.category(character) in BLANK_CATEGORIES or character in BLANK_LETTERS


def reveal(text: str) -> str:
    """``text`` with every hidden character shown as a marker: "Kōwhai⟨U+202E⟩DTL".

    What XPM sends is stored exactly as received; pages show it through this, so nobody
    reads a name that reorders itself or hides part of what it holds.
    """
    return HIDDEN.sub(lambda found: f"⟨U+{ord(found.group()):04X}⟩", text)


def without_hidden(text: str) -> str:
    """``text`` without hidden characters or any control character (tabs and line breaks
    too): for a one-line label, such as an uploaded file's name, that is shown, not typed."""
    return "".join(c for c in HIDDEN.sub("", text) if unicodedata.category(c) != "Cc")
