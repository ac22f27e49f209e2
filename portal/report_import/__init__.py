"""Bulk import → From an XPM report file: XPM's "Client & Contact" report, as CSV or XML.

Read in this order: ``views`` (the pages: upload, columns, check, progress), ``reading``
(the file as a table of text cells), ``columns`` (which column holds what), ``plan`` (the
rows as the profiles and associations to store, with the bad rows and the doubts),
``write`` (one transaction, on the background runner), ``state`` (the upload kept in the
shared store between the steps, and the import's progress).
"""

from flask import Blueprint

bp = Blueprint("report_import", __name__, url_prefix="/clients/bulk/xpm-report")
