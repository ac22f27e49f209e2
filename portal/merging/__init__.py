"""Merging duplicate profiles: "Merge with…" on a profile searches the firm's profiles of its
kind, sets two side by side, and merges them after a confirmation (docs/spec.md §2a).

``service`` finds candidates and likely duplicates, plans and carries out a merge; ``forms``
builds the side-by-side form for the fields that differ; ``views`` parses the request and
renders ``templates/merging/``.
"""

from flask import Blueprint

bp = Blueprint("merging", __name__, url_prefix="/clients")
