"""The confirmation step before a destructive action, in one place: what each one says (in
the practice's words), whether a request was confirmed, and the page that asks when it was
not (docs/architecture.md, "Confirmations").

A destructive button is a POST form made by the ``confirm_button`` macro: with JavaScript a
``<dialog>`` asks and sets ``confirm=1``; without it the POST arrives unconfirmed and the
server answers with the same question as a page, whose button sends ``confirm=1``."""

from dataclasses import dataclass

from flask import render_template, request, url_for

from portal.web import role_label


@dataclass(frozen=True)
class Confirmation:
    """What a confirmation says: the question, what will happen, and the two ways out."""

    question: str
    detail: str
    action: str  # the label of the button that goes ahead
    back: str  # where "Cancel" leads on the page asked without JavaScript
    alternative: tuple[str, str] | None = None  # (a safer action's label, its address)


def confirmed() -> bool:
    """True when the form was sent from a confirmation (the dialog or the page)."""
    return request.form.get("confirm") == "1"


def ask(confirmation: Confirmation, status: int = 200):
    """The confirmation as a page, for a browser without JavaScript (or a stale form)."""
    return render_template("confirm.html", c=confirmation, action_url=request.path), status


def disconnect_addon(provider) -> Confirmation:
    """Disconnecting the firm's add-on (Settings → Add-ons)."""
    return Confirmation(
        question=f"Disconnect {provider.label}?",
        detail=(
            f"Staff will no longer be able to import or refresh from {provider.label} until an "
            "administrator connects again. Profiles already imported stay."
        ),
        action="Disconnect",
        back=url_for("addons.index"),
    )


def unlink_practice_manager(profile) -> Confirmation:
    """Disconnecting one profile from XPM (or WorkflowMax)."""
    system = "WorkflowMax" if profile.xpm_provider == "workflowmax" else "XPM"
    return Confirmation(
        question=f"Disconnect {profile.name} from {system}?",
        detail=(
            f"{profile.name} keeps its details, people and roles as they are, but can no longer "
            f"be refreshed from {system} until it is linked again."
        ),
        action="Disconnect",
        back=url_for("clients.profile", profile_id=profile.id),
    )


def unlink_companies_office(profile) -> Confirmation:
    """Unlinking a company from the Companies Office register."""
    return Confirmation(
        question=f"Unlink {profile.name} from the Companies Office?",
        detail=(
            f"{profile.name} is linked as NZBN {profile.nzbn}. Unlinking keeps its NZBN, company "
            "number, people and shares as they are; its company number then shows as unchecked "
            "again."
        ),
        action="Unlink",
        back=url_for("clients.profile", profile_id=profile.id),
    )


def remove_role(profile, association) -> Confirmation:
    """Removing a role entered by mistake (ending one keeps it as history instead)."""
    name, role = association.party.name, role_label(association.role).lower()
    detail = (
        f"Remove a role only if it was entered by mistake: it is deleted from {profile.name}, and "
        f"only the audit log keeps what it said. {name} stays in the firm's profiles."
    )
    if association.source_relationship_uuid:
        detail += (
            " It came from Xero Practice Manager: removing it here does not change XPM, and a "
            "refresh from XPM may offer it again."
        )
    ids = {"profile_id": profile.id, "association_id": association.id}
    alternative = None
    if association.end_date is None:
        alternative = ("End the role instead, keeping it as history", url_for("roles.end", **ids))
    return Confirmation(
        question=f"Remove {name} as {role}?",
        detail=detail,
        action="Remove the role",
        back=url_for("clients.profile", profile_id=profile.id) + "#associations",
        alternative=alternative,
    )


def remove_mapping(row) -> Confirmation:
    """Removing one line of the structure mapping (Settings → Structure mapping)."""
    return Confirmation(
        question=f"Remove the mapping of “{row.structure}”?",
        detail=(
            f"Clients whose XPM business structure is “{row.structure}” will ask for their kind "
            "when imported. Profiles already imported stay as they are."
        ),
        action="Remove",
        back=url_for("structures.index"),
    )


def end_other_sessions() -> Confirmation:
    """Signing out every other session of one's own account."""
    return Confirmation(
        question="Sign out of your other sessions?",
        detail=(
            "Every other browser or device signed in as you is signed out and must sign in "
            "again. This session stays signed in."
        ),
        action="Sign out other sessions",
        back=url_for("account.index"),
    )
