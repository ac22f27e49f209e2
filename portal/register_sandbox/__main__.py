"""``python -m portal.register_sandbox``: run the register sandbox on its own port.

The control endpoints take the token in ``REGISTER_SANDBOX_CONTROL_TOKEN`` (the environment,
not the command line, where every user of the machine could read it); without one, the
token kept in the instance folder, which is printed at start-up.
"""

import argparse
import os
from pathlib import Path

from portal.register_sandbox import create_app, provider_urls
from portal.register_sandbox.settings import CONTROL_TOKEN_FILE, DEFAULT_CLIENTS, MAX_CLIENTS
from portal.sandbox import server


def _clients(value: str) -> int:
    number = int(value)
    if not 1 <= number <= MAX_CLIENTS:
        raise argparse.ArgumentTypeError(f"must be between 1 and {MAX_CLIENTS}")
    return number


def parse(argv=None) -> argparse.Namespace:
    """The command line."""
    parser = argparse.ArgumentParser(prog="python -m portal.register_sandbox", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=5002)
    parser.add_argument(
        "--clients",
        type=_clients,
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
    print(f"Register sandbox on {base} — point the portal at it with:", flush=True)
    for name, value in provider_urls(base).items():
        print(f"  {name}={value}", flush=True)
    token = (
        "$REGISTER_SANDBOX_CONTROL_TOKEN"
        if "REGISTER_SANDBOX_CONTROL_TOKEN" in config
        else f"{app.config['REGISTER_SANDBOX_CONTROL_TOKEN']} (kept in "
        f"{Path(app.instance_path) / CONTROL_TOKEN_FILE})"
    )
    print(f"Control endpoints ({base}/_control/…): Authorization: Bearer {token}", flush=True)
    try:
        http.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        http.server_close()


if __name__ == "__main__":
    main()
