"""``flask sandbox seed``: (re)build the sandbox's practice."""

import time

import click
from flask.cli import with_appcontext

from portal.sandbox import runtime, store
from portal.sandbox.settings import DEFAULT_CLIENTS, MAX_CLIENTS


@click.group("sandbox")
def sandbox_cli():
    """The embedded XPM sandbox."""


@sandbox_cli.command("seed")
@click.option(
    "--clients",
    type=click.IntRange(1, MAX_CLIENTS),
    default=DEFAULT_CLIENTS,
    show_default=True,
    help="Size of the main practice.",
)
@with_appcontext
def seed_command(clients):
    """Replace the sandbox's data with the generated practice (same size, same data)."""
    sandbox = runtime.current()
    started = time.perf_counter()
    store.create_tables(sandbox.engine)
    sizes = store.seed(sandbox.engine, clients)
    elapsed = time.perf_counter() - started
    for name, count in sizes.items():
        click.echo(f"  {name}: {count} clients")
    click.echo(f"Sandbox seeded in {elapsed:.1f} s. Connections and tokens were kept.")
