"""The browser walk of the checklist covers every rule of portal/clients/checklist.py.

Profiles built to lack everything the checklist looks at (one per gap where one gap hides
another) produce every item it can show; each must be one the walk meets (tests/
checklist_walk.py), and the walk's list must hold as many texts as checklist.py writes.
A rule added to checklist.py therefore fails here until the walk does it too.
"""

import ast
import re
from pathlib import Path

from portal.clients import checklist as rules
from portal.clients.checklist import checklist
from portal.models import Association, Profile
from tests.checklist_walk import WALKED


def _role(role: str, **values) -> Association:
    return Association(role=role, **values)


def _profiles():
    """(profile, associations held on it): together, every item the checklist can show."""
    holder = _role("shareholder", shares=600)
    director = _role("director")
    yield Profile(kind="company"), []  # nothing at all
    yield Profile(kind="company", ird_number="******123", ird_number_masked=True), []
    yield Profile(kind="company", service_address="1 Queen Street"), [director, holder]
    yield Profile(kind="company", registered_address="1 Queen Street"), [director, holder]
    yield Profile(kind="company"), [director, _role("shareholder")]  # its shares not known
    yield Profile(kind="company", total_shares=1000), [director, holder]
    yield Profile(kind="trust"), []
    yield Profile(kind="trust"), [_role("trustee"), _role("beneficiary"), _role("settlor")]
    yield Profile(kind="individual"), []
    yield Profile(kind="unknown"), []


def _texts_in_checklist_py() -> set[str]:
    """Every item text checklist.py writes: the first argument of Item, _add or
    _first_lacking, and what it names ``text``, when it is written out there."""
    tree = ast.parse(Path(rules.__file__).read_text(encoding="utf-8"))
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and getattr(node.func, "id", "") in (
            "Item",
            "_add",
            "_first_lacking",
        ):
            text = node.args[0] if node.args else None
        elif isinstance(node, ast.Assign) and [getattr(t, "id", "") for t in node.targets] == [
            "text"
        ]:
            text = node.value
        else:
            continue
        if isinstance(text, ast.Constant | ast.JoinedStr):
            found.add(ast.unparse(text))
    return found


def _walked_key(text: str) -> str:
    keys = [key for key, pattern in WALKED.items() if re.fullmatch(pattern, text)]
    assert len(keys) == 1, f"{text!r} is met by {keys or 'no step'} of the walk"
    return keys[0]


def test_every_item_the_checklist_can_show_is_walked():
    shown = {item.text for profile, held in _profiles() for item in checklist(profile, held)}
    walked = {_walked_key(text) for text in shown}
    assert walked == set(WALKED), f"the walk expects items never shown: {set(WALKED) - walked}"


def test_the_walk_knows_as_many_items_as_checklist_py_writes():
    written = _texts_in_checklist_py()
    assert len(written) == len(WALKED), (
        f"checklist.py writes {len(written)} item texts, the walk meets {len(WALKED)}: "
        "a rule was added or removed; walk it in tests/browser/test_checklist_walk.py "
        "and list it in tests/checklist_walk.py"
    )
