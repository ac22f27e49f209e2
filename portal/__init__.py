"""Portal: client profiles for a small accounting practice, imported from XPM or WorkflowMax."""

import logging

from flask import Flask, redirect, url_for
from werkzeug.middleware.proxy_fix import ProxyFix

from portal import config as settings
from portal import database, errors, jobs, shared, templating, vault, web
from portal.addons import api as addons_api
from portal.extensions import csrf, htmx, limiter, login_manager
from portal.panel import practice as panel_practice

__version__ = "0.1.0"


def create_app(test_config: dict | None = None) -> Flask:
    """Build the application: defaults, then instance/config.py and the environment,
    or the test mapping instead of both (as flaskr does)."""
    app = Flask(__name__, instance_relative_config=True)
    app.config.from_mapping(settings.defaults(app.instance_path))
    explicit = settings.load(app, test_config)
    settings.finalise(app.config, app.instance_path)
    if app.config["PORTAL_SANDBOX"]:
        from portal import register_sandbox, sandbox

        # Point the providers at the embedded sandboxes, unless a variable names a server.
        pointed = {
            **sandbox.provider_urls(app.config["SANDBOX_URL"]),
            **register_sandbox.provider_urls(app.config["REGISTER_SANDBOX_URL"]),
        }
        for key, value in pointed.items():
            if key not in explicit:
                app.config[key] = value
        # Werkzeug's and gunicorn's servers drop headers with underscores, such as
        # WorkflowMax's account_id; the mounted sandbox then infers it from the token.
        app.config.setdefault("SANDBOX_ACCOUNT_ID_FALLBACK", True)
    if str(app.config.get("PROXY_FIX", "0")) == "1":
        # Behind one trusted TLS proxy: take the client address and scheme from it.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=1, x_proto=1)

    _init_extensions(app)
    _register_blueprints(app)
    _register_commands(app)
    logging.getLogger("portal").setLevel(logging.INFO)
    return app


def _init_extensions(app: Flask) -> None:
    database.init_app(app)
    shared.init_app(app)
    jobs.init_app(app)
    vault.init_app(app)
    addons_api.init_app(app)
    panel_practice.init_app(app)
    web.init_app(app)
    templating.init_app(app)
    errors.init_app(app)
    csrf.init_app(app)
    htmx.init_app(app)
    app.config.setdefault("RATELIMIT_STORAGE_URI", app.config["REDIS_URL"] or "memory://")
    limiter.init_app(app)
    login_manager.init_app(app)


def _register_blueprints(app: Flask) -> None:
    from portal.account.views import bp as account_bp
    from portal.addons.views import bp as addons_bp
    from portal.audit_log.views import bp as audit_bp
    from portal.auth.views import bp as auth_bp
    from portal.bulk.views import bp as bulk_bp
    from portal.clients.views import bp as clients_bp
    from portal.importing.views import bp as importing_bp
    from portal.linking.views import bp as linking_bp
    from portal.merging.views import bp as merging_bp
    from portal.panel.views import bp as panel_bp
    from portal.register_compare.views import bp as register_compare_bp
    from portal.register_link.views import bp as register_link_bp
    from portal.report_import.views import bp as report_import_bp
    from portal.roles.views import bp as roles_bp
    from portal.staff.views import bp as staff_bp
    from portal.structures.views import bp as structures_bp

    app.register_blueprint(auth_bp)
    app.register_blueprint(clients_bp)
    app.register_blueprint(panel_bp)
    app.register_blueprint(importing_bp)
    app.register_blueprint(linking_bp)
    app.register_blueprint(merging_bp)
    app.register_blueprint(roles_bp)
    app.register_blueprint(register_link_bp)
    app.register_blueprint(addons_bp)
    app.register_blueprint(bulk_bp)
    app.register_blueprint(audit_bp)
    app.register_blueprint(structures_bp)
    app.register_blueprint(account_bp)
    app.register_blueprint(staff_bp)
    app.register_blueprint(register_compare_bp)
    app.register_blueprint(report_import_bp)
    if app.config["PORTAL_SANDBOX"]:
        from portal import register_sandbox, sandbox

        sandbox.init_app(app)
        register_sandbox.init_app(app)

    @app.get("/")
    def home():
        return redirect(url_for("clients.index"))

    # Browsers ask for /favicon.ico whatever the page links; both answer with the one SVG.
    @app.get("/favicon.ico")
    def favicon():
        return app.send_static_file("favicon.svg")


def _register_commands(app: Flask) -> None:
    from portal.addons.cli import tokens_cli
    from portal.auth.cli import users_cli
    from portal.demo import demo_cli
    from portal.migrate import db_cli

    app.cli.add_command(db_cli)
    app.cli.add_command(users_cli)
    app.cli.add_command(demo_cli)
    app.cli.add_command(tokens_cli)
