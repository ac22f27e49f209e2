"""Settings → Add-ons: connecting the firm to XPM or WorkflowMax over OAuth2."""

from flask import Blueprint

bp = Blueprint("addons", __name__, url_prefix="/settings/addons")
