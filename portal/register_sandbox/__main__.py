"""``python -m portal.register_sandbox``: run the register sandbox on its own port.

The control endpoints take the token in ``REGISTER_SANDBOX_CONTROL_TOKEN`` (the environment,
not the command line, where every user of the machine could read it); without one, the
token kept in the instance folder, which is printed at start-up.
"""

import argparse
import os

from portal.register_sandbox import create_app, provider_urls
from portal.register_sandbox.settings import CONTROL_TOKEN_FILE, DEFAULT_CLIENTS, MAX_CLIENTS
from portal.sandbox import server


def parse(argv=None) -> argparse.Namespace:
    """The command line."""
    parser = server.parser("python -m portal.register_sandbox", __doc__, 5002)
    parser.add_argument(
        "--clients",
        type=server.clients(MAX_CLIENTS),
        default=DEFAULT_CLIENTS,
        help=f"size of the XPM sandbox practice the register matches (default {DEFAULT_CLIENTS})",
    )
    parser.add_argument("--latency-ms", type=int, default=0, help="delay added to every call")
    return parser.parse_args(argv)


def configuration(args: argparse.Namespace, environ=os.environ) -> dict:
    """The register sandbox's settings for the parsed command line."""
    config = {
        "REGISTER_SANDBOX_CLIENTS": args.clients,
        "REGISTER_SANDBOX_LATENCY_MS": args.latency_ms,
    }
    if environ.get("REGISTER_SANDBOX_CONTROL_TOKEN"):
        config["REGISTER_SANDBOX_CONTROL_TOKEN"] = environ["REGISTER_SANDBOX_CONTROL_TOKEN"]
    return config


def main(argv=None) -> None:
    """Parse the command line and serve until interrupted."""
    args = parse(argv)
    config = configuration(args)
    app = create_app(config)
    http = server.make(app, args.host, args.port)
    base = f"http://{args.host}:{http.server_port}/register-sandbox"
    server.announce(f"Register sandbox on {base}", provider_urls(base))
    from_environment = "REGISTER_SANDBOX_CONTROL_TOKEN" in config
    server.announce_control(
        app, base, "REGISTER_SANDBOX_CONTROL_TOKEN", CONTROL_TOKEN_FILE, from_environment
    )
    server.serve(http)


if __name__ == "__main__":
    main()
