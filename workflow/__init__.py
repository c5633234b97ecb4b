"""Relais: a collaborative publication workflow for a library network."""
import logging
import os

from flask import Flask

from config import DEFAULT_SECRET_KEY, config_for

BASE_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def create_app(test_config=None, config_name=None):
    """The application factory: config, extensions, blueprints, error handlers, CLI."""
    app = Flask(
        __name__,
        template_folder=os.path.join(BASE_DIR, "templates"),
        static_folder=os.path.join(BASE_DIR, "static"),
        instance_path=os.path.join(BASE_DIR, "instance"),
    )
    from . import routing

    routing.init_app(app)  # before any rule: path ids past the database's range are 404s
    app.config.from_object(config_for(config_name))
    if test_config:
        app.config.from_mapping(test_config)
    if app.config["ENV_NAME"] == "production" and app.config["SECRET_KEY"] in (DEFAULT_SECRET_KEY, "", None):
        raise RuntimeError("Production refuses to start with the default SECRET_KEY: set SECRET_KEY.")
    os.makedirs(app.instance_path, exist_ok=True)
    logging.basicConfig(level=logging.INFO)

    from . import compression

    compression.init_app(app)

    from . import json_provider

    json_provider.init_app(app)  # before i18n wraps its ``default``
    from .extensions import csrf, db, login_manager, migrate
    from . import models  # noqa: F401  (register the tables)

    db.init_app(app)
    migrate.init_app(app, db, directory=os.path.join(BASE_DIR, "migrations"))
    csrf.init_app(app)
    login_manager.init_app(app)

    from . import i18n

    i18n.init_app(app)

    from .events import Publisher

    app.extensions["relais_publisher"] = Publisher()

    from .services import handlers

    handlers.init_app(app)

    from . import database, faults, security

    database.init_app(app)
    security.init_app(app)
    faults.init_app(app)

    from .api import bp as api_bp
    from .web import bp as web_bp

    app.register_blueprint(api_bp)
    from .api.attachments import init_app as init_uploads

    init_uploads(app)  # the upload route's bigger request limit
    app.register_blueprint(web_bp)

    from . import errors

    errors.init_app(app)

    from .realtime import init_app as init_realtime

    init_realtime(app)

    from . import scheduler

    scheduler.init_app(app)

    from .services.mail import warn_without_public_url

    warn_without_public_url(app)

    from .cli import relais_cli

    app.cli.add_command(relais_cli)
    return app
