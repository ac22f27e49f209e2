"""Filters and validators for what staff type, shared by every form (a client's profile,
sign-in and staff, structures) and by CSV rows (``clean``), so that one rule reads the same
wherever it is typed."""

import re

from wtforms.validators import ValidationError

from portal.text import name_problem

CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def clean(value):
    """Drop control characters (keeping line breaks and tabs) and surrounding space."""
    if not isinstance(value, str):
        return value
    return CONTROL_CHARACTERS.sub("", value).strip()


def trim(value):
    """Drop surrounding space only: what is left is for ``typed_name`` to judge."""
    return value.strip() if isinstance(value, str) else value


def typed_name(_form, field):
    """A name staff type: nothing hidden, no control character, something that shows."""
    problem = name_problem(field.data or "")
    if problem:
        raise ValidationError(problem)
