"""``flask tokens rotate``: re-encrypt every stored token (OAuth tokens, PKCE verifiers,
authenticator-app secrets) under the first PORTAL_TOKEN_KEY."""

import click
from flask.cli import with_appcontext
from sqlalchemy import select

from portal import database
from portal.models import OAuthRequest, User, XpmConnection
from portal.vault import vault


@click.group("tokens")
def tokens_cli():
    """OAuth tokens at rest."""


@tokens_cli.command("rotate")
@with_appcontext
def rotate_command():
    """Re-encrypt stored tokens with the first key, so older keys can then be removed."""
    session = database.session()
    count = 0
    with database.writing(session):
        for row in session.scalars(select(XpmConnection)):
            for column in ("access_token", "refresh_token"):
                if getattr(row, column):
                    setattr(row, column, vault().rotate(getattr(row, column)))
                    count += 1
        for pending in session.scalars(select(OAuthRequest)):
            pending.code_verifier = vault().rotate(pending.code_verifier)
            count += 1
        for user in session.scalars(select(User).where(User.totp_secret.is_not(None))):
            user.totp_secret = vault().rotate(user.totp_secret)
            count += 1
    click.echo(f"Re-encrypted {count} stored secret(s) under the first key.")
