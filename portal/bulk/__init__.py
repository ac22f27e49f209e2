"""Bulk import: a CSV template, an uploaded file checked row by row, then imported whole.

Read in this order: ``views`` (the pages), ``columns`` (the file's columns and the
template), ``check`` (upload: the file read as CSV, every row validated and kept),
``write`` (confirm: what each row does, written whole in the background), ``report``
(what the pages show and the CSV files they hand out).
"""

from flask import Blueprint

bp = Blueprint("bulk", __name__, url_prefix="/clients/bulk")
