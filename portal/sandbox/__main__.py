"""``python -m portal.sandbox``: run the sandbox on its own, with a threaded server."""

import argparse

from portal.sandbox import create_app, provider_urls, runtime, server, store
from portal.sandbox.settings import DEFAULT_CLIENTS, MAX_CLIENTS


def _clients(value: str) -> int:
    number = int(value)
    if not 1 <= number <= MAX_CLIENTS:
        raise argparse.ArgumentTypeError(f"must be between 1 and {MAX_CLIENTS}")
    return number


def main(argv=None) -> None:
    """Parse the command line and serve until interrupted."""
    parser = argparse.ArgumentParser(prog="python -m portal.sandbox", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=5001)
    parser.add_argument(
        "--clients",
        type=_clients,
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
    args = parser.parse_args(argv)

    config = {
        "SANDBOX_SEED_CLIENTS": args.clients or DEFAULT_CLIENTS,
        "SANDBOX_LATENCY_MS": args.latency_ms,
        "SANDBOX_PRACTICES": args.practices,
    }
    if args.database:
        config["SANDBOX_DATABASE_URL"] = args.database
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
    print(f"XPM sandbox on {base} — point the portal at it with:", flush=True)
    for name, value in provider_urls(base).items():
        print(f"  {name}={value}", flush=True)
    try:
        http.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        http.server_close()


if __name__ == "__main__":
    main()
