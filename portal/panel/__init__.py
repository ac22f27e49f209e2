"""The "Add client" panel: finding a client of the practice in XPM, over the Clients tab.

``views`` parses the request and renders ``templates/panel/page.html`` (the Clients page
with the panel open, or one block of it for htmx); ``practice`` finds the firm's
connection and the helpers of its directory (``portal.directory``), which does the work.
"""

from flask import Blueprint

bp = Blueprint("panel", __name__, url_prefix="/clients/add")
