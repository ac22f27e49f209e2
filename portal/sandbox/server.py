"""A threaded HTTP server for the standalone sandbox (and for tests that need real HTTP)."""

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
