"""Import from other system: the import form, and the conversion of an XPM (or WorkflowMax)
client and everything related to it into profiles.

Read in this order: ``views`` (the form), ``service`` (the conversion service), ``fetch``
(reading XPM), ``plan`` and ``mapping`` (the conversion rules), ``write`` (the one transaction).
"""

from flask import Blueprint

bp = Blueprint("importing", __name__)

from portal.importing import views  # noqa: E402,F401
