"""ALLY's web store: a server-rendered hypermedia storefront."""

from __future__ import annotations

import os
from pathlib import Path

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from ally_web.config import CONFIGS, Config, ProductionConfig

MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "migrations"


def create_app(config: type[Config] | str | None = None) -> Flask:
    """Build the app: settings, extensions, blueprints, error pages and CLI."""
    if config is None:
        config = os.environ.get("ALLY_CONFIG", "development")
    if isinstance(config, str):
        config = CONFIGS[config]
    if issubclass(config, ProductionConfig):
        config.check()

    app = Flask(__name__, instance_relative_config=False)
    app.config.from_object(config)
    if app.config["PROXY_FIX_HOPS"]:
        hops = app.config["PROXY_FIX_HOPS"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)  # type: ignore[method-assign]
    os.makedirs(app.instance_path, exist_ok=True)

    from ally_web.routing import IdConverter

    app.url_map.converters["id"] = IdConverter
    from ally_web.cookie_session import StoreSessionInterface

    app.session_interface = StoreSessionInterface()
    from ally_web.observability import configure_logging

    configure_logging(app)
    register_extensions(app)
    register_blueprints(app)
    register_request_hooks(app)

    from ally_web.cli import register_cli
    from ally_web.errors import register_error_handlers
    from ally_web.templating import register_template_helpers

    register_error_handlers(app)
    register_template_helpers(app)
    register_cli(app)
    return app


def register_extensions(app: Flask) -> None:
    from ally_web.extensions import csrf, db, limiter, login_manager, migrate
    from ally_web.wire import compress_and_tag

    app.after_request(compress_and_tag)  # first: Flask runs after_request hooks last-registered first
    db.init_app(app)
    migrate.init_app(app, db, directory=str(MIGRATIONS_DIR))
    csrf.init_app(app)
    limiter.init_app(app)

    from ally_web import models  # noqa: F401  (register the tables)
    from ally_web.blueprints.auth.login_manager import configure_login_manager

    configure_login_manager(app, login_manager)


def register_blueprints(app: Flask) -> None:
    from ally_web.blueprints.admin import bp as admin_bp
    from ally_web.blueprints.auth import bp as auth_bp
    from ally_web.blueprints.cart import bp as cart_bp
    from ally_web.blueprints.checkout import bp as checkout_bp
    from ally_web.blueprints.exchange import bp as exchange_bp
    from ally_web.blueprints.fit import bp as fit_bp
    from ally_web.blueprints.fit_session import bp as fit_session_bp
    from ally_web.blueprints.health import bp as health_bp
    from ally_web.blueprints.orders import bp as orders_bp
    from ally_web.blueprints.pages import bp as pages_bp
    from ally_web.blueprints.sandbox import bp as sandbox_bp
    from ally_web.blueprints.shop import bp as shop_bp
    from ally_web.blueprints.trial import bp as trial_bp

    app.register_blueprint(shop_bp)
    app.register_blueprint(cart_bp)
    app.register_blueprint(checkout_bp)
    app.register_blueprint(orders_bp)
    app.register_blueprint(fit_bp)
    app.register_blueprint(fit_session_bp)
    app.register_blueprint(exchange_bp)
    app.register_blueprint(trial_bp)
    app.register_blueprint(pages_bp)
    app.register_blueprint(auth_bp)
    app.register_blueprint(admin_bp)
    app.register_blueprint(health_bp)
    app.register_blueprint(sandbox_bp)  # test payment provider; 404s unless PAYMENTS_PROVIDER == "sandbox"


def register_request_hooks(app: Flask) -> None:
    from ally_web.htmx import add_vary
    from ally_web.observability import register_request_ids
    from ally_web.request_guards import redirect_to_https, refuse_nul_bytes
    from ally_web.security_headers import add_security_headers
    from ally_web.static_assets import register_static_assets

    register_static_assets(app)

    register_request_ids(app)  # first, so every later hook's log lines carry the id
    app.before_request(redirect_to_https)
    app.before_request(refuse_nul_bytes)
    app.after_request(add_vary)
    app.after_request(add_security_headers)
