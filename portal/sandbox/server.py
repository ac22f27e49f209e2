"""A threaded HTTP server for the standalone sandbox (and for tests that need real HTTP), and
what the sandboxes' command lines (``python -m …``) share."""

import argparse
from pathlib import Path

from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server


class RequestHandler(WSGIRequestHandler):
    """Werkzeug's handler, but keeping headers whose names contain underscores.

    Werkzeug (like gunicorn) drops them, and WorkflowMax's ``account_id`` is one.
    """

    def make_environ(self):
        """The WSGI environ, with underscore headers added back."""
        environ = super().make_environ()
        for name, value in self.headers.items():
            if "_" in name:
                environ.setdefault("HTTP_" + name.upper().replace("-", "_"), value)
        return environ


def make(app, host: str = "127.0.0.1", port: int = 5001) -> BaseWSGIServer:
    """A server for ``app`` that handles each request in its own thread (port 0: any free port)."""
    return make_server(host, port, app, threaded=True, request_handler=RequestHandler)


def parser(prog: str, description: str, port: int) -> argparse.ArgumentParser:
    """A command line that takes ``--host`` and ``--port`` (default ``port``)."""
    parser = argparse.ArgumentParser(prog=prog, description=description)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=port)
    return parser


def clients(maximum: int):
    """The type of a ``--clients`` argument: a whole number from 1 to ``maximum``."""

    def _clients(value: str) -> int:  # argparse names it in its message: invalid _clients value
        number = int(value)
        if not 1 <= number <= maximum:
            raise argparse.ArgumentTypeError(f"must be between 1 and {maximum}")
        return number

    return _clients


def announce(title: str, settings: dict[str, str]) -> None:
    """Print ``title`` and the settings that point the portal at the sandbox."""
    print(f"{title} — point the portal at it with:", flush=True)
    for name, value in settings.items():
        print(f"  {name}={value}", flush=True)


def announce_control(app, base: str, setting: str, kept_in: str, from_environment: bool) -> None:
    """Print the control endpoints' address and token: ``$<setting>`` when the environment
    gave it, else the one kept in the instance folder's file ``kept_in``."""
    token = (
        f"${setting}"
        if from_environment
        else f"{app.config[setting]} (kept in {Path(app.instance_path) / kept_in})"
    )
    print(f"Control endpoints ({base}/_control/…): Authorization: Bearer {token}", flush=True)


def serve(http: BaseWSGIServer) -> None:
    """Serve until interrupted, then close the server."""
    try:
        http.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        http.server_close()
