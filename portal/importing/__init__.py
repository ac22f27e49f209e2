"""Import from other system: the import form, and the conversion of an XPM (or WorkflowMax)
client and everything related to it into profiles.

Read in this order: ``views`` (the form), ``service`` (the conversion service), ``fetch``
(reading XPM), ``plan`` and ``mapping`` (the conversion rules), ``write`` (the one transaction).
"""

from flask import Blueprint, url_for
from werkzeug.routing import BuildError

from portal.clients.checklist import needs_companies_office

bp = Blueprint("importing", __name__)
bp.add_app_template_global(needs_companies_office)


@bp.app_template_global()
def url_if_exists(endpoint: str, **values) -> str | None:
    """``url_for(endpoint)``, or None while that page does not exist yet (e.g. Bulk import)."""
    try:
        return url_for(endpoint, **values)
    except BuildError:
        return None
