"""``flask demo seed``: a demo firm and administrator for ``make run``, created once."""

import secrets

import click
from flask.cli import with_appcontext

from portal import database
from portal.auth import service

DEMO_FIRM = "Demo Practice"
DEMO_EMAIL = "admin@demo-practice.example"


@click.group("demo")
def demo_cli():
    """The demonstration data ``make run`` starts with."""


@demo_cli.command("seed")
@with_appcontext
def seed_command():
    """Create the demo firm and its administrator, unless they exist already."""
    session = database.session()
    if service.find_user(session, DEMO_EMAIL) is not None:
        click.echo(
            f"Demo data is already here. Sign in as {DEMO_EMAIL} with the password printed "
            "when it was created, or set a new one with:\n"
            f"  .venv/bin/flask --app wsgi users set-password --email {DEMO_EMAIL}"
        )
        return
    password = secrets.token_urlsafe(12)
    with database.writing(session):
        firm = service.get_or_create_firm(session, DEMO_FIRM)
        service.create_user(session, firm, DEMO_EMAIL, password, admin=True)
    click.echo(
        "\n  Demo firm created. Sign in at http://127.0.0.1:5000 with\n"
        f"    e-mail:   {DEMO_EMAIL}\n"
        f"    password: {password}\n"
        "  (shown once; keep it, or reset it with `flask --app wsgi users set-password`)\n"
        "  To try passkeys, open http://localhost:5000 instead: browsers allow them only on\n"
        "  a domain name.\n"
    )
