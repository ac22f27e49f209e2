"""People and roles on a profile, by hand: who holds which role (a director, a shareholder,
a trustee…), added from the firm's profiles or as a new contact, edited, ended or removed.

``service`` holds the rules and the writes; ``forms`` what each form accepts; ``views``
parses the request and renders ``templates/roles/``.
"""

from flask import Blueprint

bp = Blueprint("roles", __name__, url_prefix="/clients")
