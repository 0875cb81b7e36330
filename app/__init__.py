"""The Koop application factory."""

from __future__ import annotations

from typing import Any

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from app.urls import DatabaseIdConverter
from config import config_for


def create_app(config_name: str | None = None, test_config: dict[str, Any] | None = None) -> Flask:
    """Build and wire a Koop app; config_name is development, testing or production (default: KOOP_ENV)."""
    app = Flask(__name__, template_folder="../templates", instance_relative_config=True)
    config_class = config_for(config_name)
    app.config.from_object(config_class)
    if test_config:
        app.config.update(test_config)
    config_class.check(app.config)
    _resolve_sqlite_path(app)
    if app.config.get("TRUSTED_PROXIES", 0):
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=app.config["TRUSTED_PROXIES"], x_proto=1)  # type: ignore[method-assign]

    app.url_map.converters["int"] = DatabaseIdConverter  # before any route is added
    register_extensions(app)
    register_operations(app)
    register_blueprints(app)
    register_template_helpers(app)
    register_errors(app)
    register_cli(app)
    return app


def _resolve_sqlite_path(app: Flask) -> None:
    """Put a relative SQLite file into the instance folder, so `make run` works from any directory."""
    uri: str = app.config["SQLALCHEMY_DATABASE_URI"]
    prefix = "sqlite:///"
    if uri.startswith(prefix) and not uri.startswith(prefix + "/") and uri != prefix:
        import os

        os.makedirs(app.instance_path, exist_ok=True)
        app.config["SQLALCHEMY_DATABASE_URI"] = prefix + os.path.join(app.instance_path, uri[len(prefix):])


def register_extensions(app: Flask) -> None:
    from app import i18n
    from app.auth.sessions import load_account
    from app.extensions import babel, csrf, db, limiter, login_manager, migrate, talisman
    from app.models.search import outside_search_index
    from app.security import CONTENT_SECURITY_POLICY

    db.init_app(app)
    migrate.init_app(
        app, db, directory=str(app.root_path + "/../migrations"), include_object=outside_search_index
    )
    csrf.init_app(app)
    babel.init_app(app, locale_selector=i18n.select_locale, timezone_selector=i18n.select_timezone)
    app.config.setdefault("RATELIMIT_ENABLED", True)
    limiter.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = i18n.LOGIN_REQUIRED_MESSAGE
    login_manager.login_message_category = "info"
    login_manager.session_protection = "basic"
    login_manager.user_loader(load_account)
    talisman.init_app(
        app,
        force_https=app.config["FORCE_HTTPS"],
        session_cookie_secure=app.config["SESSION_COOKIE_SECURE"],
        content_security_policy=CONTENT_SECURITY_POLICY,
        frame_options="DENY",
        referrer_policy="same-origin",
        strict_transport_security=app.config["FORCE_HTTPS"],
    )


def register_operations(app: Flask) -> None:
    from app import cache, requestlog

    cache.init_app(app)
    requestlog.init_app(app)  # also sets the level of the `koop` loggers (LOG_LEVEL)


def register_blueprints(app: Flask) -> None:
    from app.accounts.routes import bp as accounts_bp
    from app.actions.routes import bp as actions_bp
    from app.agendas.routes import bp as agendas_bp
    from app.attachments.routes import bp as attachments_bp
    from app.attendance.routes import bp as attendance_bp
    from app.audit.routes import bp as audit_bp
    from app.auth.routes import bp as auth_bp
    from app.bodies.routes import bp as bodies_bp
    from app.calendars.routes import bp as calendars_bp
    from app.decisions.routes import bp as decisions_bp
    from app.exports.routes import bp as exports_bp
    from app.invitations.routes import bp as invitations_bp
    from app.main.routes import bp as main_bp
    from app.meetings.routes import bp as meetings_bp
    from app.minutes.routes import bp as minutes_bp
    from app.organisations.routes import bp as organisations_bp
    from app.polls.routes import bp as polls_bp
    from app.registrations.routes import bp as registrations_bp
    from app.series.routes import bp as series_bp

    app.register_blueprint(main_bp)
    app.register_blueprint(auth_bp, url_prefix="/auth")
    app.register_blueprint(accounts_bp, url_prefix="/accounts")
    app.register_blueprint(organisations_bp, url_prefix="/organisations")
    app.register_blueprint(bodies_bp, url_prefix="/bodies")
    app.register_blueprint(audit_bp, url_prefix="/audit")
    app.register_blueprint(agendas_bp, url_prefix="/agendas")
    app.register_blueprint(attachments_bp, url_prefix="/attachments")
    app.register_blueprint(meetings_bp, url_prefix="/meetings")
    app.register_blueprint(registrations_bp, url_prefix="/registrations")
    app.register_blueprint(series_bp, url_prefix="/series")
    app.register_blueprint(invitations_bp, url_prefix="/invitations")
    app.register_blueprint(polls_bp, url_prefix="/polls")
    app.register_blueprint(attendance_bp, url_prefix="/attendance")
    app.register_blueprint(minutes_bp, url_prefix="/minutes")
    app.register_blueprint(exports_bp, url_prefix="/exports")
    app.register_blueprint(decisions_bp, url_prefix="/decisions")
    app.register_blueprint(actions_bp, url_prefix="/actions")
    app.register_blueprint(calendars_bp)  # no prefix: it declares the stable feed paths in full


def register_template_helpers(app: Flask) -> None:
    from app import permissions
    from app.i18n import register_filters

    register_filters(app)

    from app.meetings.services import status_actions

    app.jinja_env.globals["status_actions"] = status_actions

    from app.decisions.display import outcome_label, votes_text

    app.jinja_env.globals["votes_text"] = votes_text
    app.jinja_env.globals["outcome_label"] = outcome_label

    @app.context_processor
    def inject_permissions() -> dict[str, Any]:
        return {"can": permissions}


def register_errors(app: Flask) -> None:
    from app.errors import register_error_handlers

    register_error_handlers(app)


def register_cli(app: Flask) -> None:
    from app.cli import register_commands

    register_commands(app)
