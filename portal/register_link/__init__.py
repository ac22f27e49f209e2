"""The Companies Office link (docs/spec.md §10): adding a company from the Companies
Register with its directors and shareholders, and linking a company already in the portal
to its register entry (and unlinking it)."""

from flask import Blueprint

bp = Blueprint("register_link", __name__, url_prefix="/clients")
