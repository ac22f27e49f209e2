"""``flask users create``: add a member of staff (and their firm, if new)."""

import sys

import click
from flask.cli import with_appcontext

from portal import audit, database
from portal.auth import service
from portal.text import name_problem


@click.group("users")
def users_cli():
    """Staff accounts."""


@users_cli.command("create")
@click.option("--firm", "firm_name", required=True, help="The firm's name; created if new.")
@click.option("--email", required=True)
@click.option("--admin", is_flag=True, help="Make the user a firm administrator.")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
@with_appcontext
def create_command(firm_name, email, admin, password_stdin):
    """Create a staff user, and the firm if it does not exist yet."""
    problem = name_problem(firm_name.strip())
    if problem:
        raise click.BadParameter(problem, param_hint="--firm")
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    session = database.session()
    try:
        with database.writing(session):
            firm = service.get_or_create_firm(session, firm_name.strip())
            user = service.create_user(session, firm, email, password, admin)
    except ValueError as error:
        raise click.ClickException(str(error)) from None
    role = "administrator" if admin else "staff"
    click.echo(f"Created {role} {user.email} in firm {firm.name!r}.")


@users_cli.command("set-password")
@click.option("--email", required=True)
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
@with_appcontext
def set_password_command(email, password_stdin):
    """Set a user's password and end their sessions."""
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt("New password", hide_input=True, confirmation_prompt=True)
    if len(password) < service.MIN_PASSWORD_LENGTH:
        raise click.ClickException(
            f"The password must be at least {service.MIN_PASSWORD_LENGTH} characters."
        )
    session = database.session()
    with database.writing(session):
        user = _user(session, email)
        service.set_password(session, user, password)
        audit.record(
            session,
            "password_changed",
            address=None,
            firm_id=user.firm_id,
            user_id=None,
            object_type="user",
            object_id=user.id,
            summary=f"Password of {user.email} set from the command line; sessions ended",
        )
    click.echo(f"Password set for {user.email}; their existing sessions have ended.")


@users_cli.command("reset-2fa")
@click.option("--email", required=True)
@with_appcontext
def reset_two_factor_command(email):
    """Remove a user's second factors (app, passkeys, recovery codes) and end their sessions,
    e.g. for the last administrator, who lost their device."""
    session = database.session()
    user = _user(session, email)
    service.reset_second_factors(session, user, by=None, address=None)
    required = " Their firm requires it: they set up a new one at their next sign-in." * bool(
        user.firm.require_two_factor
    )
    click.echo(f"Two-factor sign-in of {user.email} is reset; their sessions have ended.{required}")


def _user(session, email: str):
    user = service.find_user(session, email)
    if user is None:
        raise click.ClickException(f"No user has the e-mail {email}.")
    return user
