"""Linking an existing profile to its XPM client, and refreshing it from XPM.

``service`` links, unlinks and suggests; ``compare`` sets a profile beside its XPM record
and takes what was ticked; ``ties`` reads and stores the relationships ticked; ``views``
parses the request and renders ``templates/linking/`` (the panel's rows offer "Link" in link
mode, see ``portal.panel``).
"""

from flask import Blueprint

bp = Blueprint("linking", __name__, url_prefix="/clients")
