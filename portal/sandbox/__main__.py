"""``python -m portal.sandbox``: run the sandbox on its own, with a threaded server.

The control endpoints take the token in ``SANDBOX_CONTROL_TOKEN`` (the environment, not the
command line, where every user of the machine could read it); without one, the token kept in
the instance folder, which is printed at start-up.
"""

import argparse
import os

from portal.sandbox import create_app, provider_urls, runtime, server, store
from portal.sandbox.settings import CONTROL_TOKEN_FILE, DEFAULT_CLIENTS, MAX_CLIENTS


def parse(argv=None) -> argparse.Namespace:
    """The command line."""
    parser = server.parser("python -m portal.sandbox", __doc__, 5001)
    parser.add_argument(
        "--clients",
        type=server.clients(MAX_CLIENTS),
        help=f"size of the practice (default {DEFAULT_CLIENTS}); re-seeds if it differs",
    )
    parser.add_argument("--latency-ms", type=int, default=0, help="delay added to every API call")
    parser.add_argument("--database", help="SQLAlchemy URL (default: instance/sandbox.db)")
    parser.add_argument(
        "--practices",
        type=int,
        choices=(1, 2),
        default=1,
        help="practices (and WorkflowMax organisations) the consent page offers",
    )
    parser.add_argument(
        "--redirect-uri",
        action="append",
        dest="redirect_uris",
        metavar="URI",
        help="a redirect URI the demo apps accept, exactly (repeat for several; default: "
        "the portal's callbacks under make run, on 127.0.0.1:5000 and localhost:5000)",
    )
    return parser.parse_args(argv)


def configuration(args: argparse.Namespace, environ=os.environ) -> dict:
    """The sandbox's settings for the parsed command line."""
    config = {
        "SANDBOX_SEED_CLIENTS": args.clients or DEFAULT_CLIENTS,
        "SANDBOX_LATENCY_MS": args.latency_ms,
        "SANDBOX_PRACTICES": args.practices,
    }
    if args.database:
        config["SANDBOX_DATABASE_URL"] = args.database
    if args.redirect_uris:
        config["SANDBOX_REDIRECT_URIS"] = args.redirect_uris
    if environ.get("SANDBOX_CONTROL_TOKEN"):
        config["SANDBOX_CONTROL_TOKEN"] = environ["SANDBOX_CONTROL_TOKEN"]
    return config


def main(argv=None) -> None:
    """Parse the command line and serve until interrupted."""
    args = parse(argv)
    config = configuration(args)
    app = create_app(config)
    with app.app_context():
        sandbox = runtime.current()
        sandbox.ready()
        with sandbox.engine.connect() as connection:
            size = store.seeded_size(connection)
        if args.clients and size != args.clients:
            print(f"Seeding a practice of {args.clients} clients…")
            store.seed(sandbox.engine, args.clients)
    http = server.make(app, args.host, args.port)
    base = f"http://{args.host}:{http.server_port}/sandbox"
    _announce(app, base, from_environment="SANDBOX_CONTROL_TOKEN" in config)
    server.serve(http)


def _announce(app, base: str, from_environment: bool) -> None:
    """Print what the portal, its administrator and a benchmark need to know."""
    server.announce(f"XPM sandbox on {base}", provider_urls(base))
    print("Redirect URIs the demo apps accept (--redirect-uri):", flush=True)
    for uri in app.config["SANDBOX_REDIRECT_URIS"]:
        print(f"  {uri}", flush=True)
    server.announce_control(
        app, base, "SANDBOX_CONTROL_TOKEN", CONTROL_TOKEN_FILE, from_environment
    )


if __name__ == "__main__":
    main()
