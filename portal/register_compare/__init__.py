"""Comparing a company linked to the Companies Office with its register entry, and taking
what the user ticks (docs/spec.md §10).

A package of its own, beside ``portal.linking`` (which compares with XPM) and apart from
loading and linking from the register (built elsewhere), so each feature's rules stay in one
place: ``compare`` sets the profile beside the register's ``Entity`` and takes what was
ticked; ``views`` reads the register before any transaction and renders
``templates/register_compare/``.
"""

from flask import Blueprint

bp = Blueprint("register_compare", __name__, url_prefix="/clients")
