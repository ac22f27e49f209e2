"""The one way a view finds the signed-in firm's profile from its address: the profile, a
redirect to the profile it was merged into (docs/spec.md §2a), or 404."""

from flask import abort, flash, redirect, request, url_for
from flask_login import current_user

from portal import database
from portal.clients import duplicates, service
from portal.models import Profile


def profile_or_404(profile_id: int) -> Profile:
    """The firm's profile ``profile_id``; aborts with 404, or with a redirect when it was
    merged into another (a GET opens the same page of the kept profile)."""
    profile = service.get_profile(database.session(), current_user.firm_id, profile_id)
    if profile is None:
        abort(_merged_away(profile_id) or 404)
    return profile


def _merged_away(profile_id: int):
    merged = duplicates.merged_into(database.session(), current_user.firm_id, profile_id)
    if merged is None:
        return None
    flash(f"{merged.old_name} was merged into {merged.kept_name}.")
    if request.method == "GET":  # the same page of the kept profile
        return redirect(
            url_for(request.endpoint, **request.view_args | {"profile_id": merged.kept_id})
        )
    return redirect(url_for("clients.profile", profile_id=merged.kept_id))
