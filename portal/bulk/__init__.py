"""Bulk import: a CSV template, an uploaded file checked row by row, then imported whole.

Read in this order: ``views`` (the pages), ``reading`` (the file as CSV), ``checking``
with ``records`` and ``rows`` (every row validated and kept), ``writing`` (the background
import) with ``planning`` and ``links`` (what each row does), ``report`` (what the pages show).
"""

from flask import Blueprint

bp = Blueprint("bulk", __name__, url_prefix="/clients/bulk")
