"""Import from other system: the import form, and the conversion of an XPM (or WorkflowMax)
client and everything related to it into profiles.

Read in this order: ``views`` (the form and Create), ``service`` (reading XPM, the preview
and the import), ``plan`` (what one import stores, and what its form previews), ``mapping``
(the rules for one XPM record), ``write`` (the one transaction). ``runs`` and ``memory``
are the request mechanics: the work off the request thread, and what the workers share.
"""

from flask import Blueprint

bp = Blueprint("importing", __name__)
