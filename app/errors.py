"""Domain errors raised by services, and the HTML error pages."""

from __future__ import annotations

import logging

from flask import Flask, Response, current_app, g, make_response, render_template
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import OperationalError, SQLAlchemyError
from werkzeug.exceptions import HTTPException

from app.extensions import db

log = logging.getLogger("koop.errors")

# Seconds a client or load balancer should wait before trying again when the database is away.
RETRY_AFTER_SECONDS = 30
# Shown when even the page could not be drawn; plain, so it needs neither templates nor the database.
UNAVAILABLE_TEXT = "Koop is temporarily unavailable. Please try again in a few minutes.\n"


class DomainError(Exception):
    """A rule of the domain was broken; `field` names the form field the message belongs to, if any."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class ConflictError(Exception):
    """The request conflicts with the current state; routes let it through to the 409 page."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


ERROR_PAGES = (400, 403, 404, 405, 409, 413, 429, 500, 503)


def register_error_handlers(app: Flask) -> None:
    def render_error(error: HTTPException):
        code = error.code or 500
        template = f"errors/{code}.html" if code in ERROR_PAGES else "errors/generic.html"
        return render_template(template, error=error, code=code), code

    for code in ERROR_PAGES:
        app.register_error_handler(code, render_error)

    @app.errorhandler(CSRFError)
    def csrf_error(error: CSRFError):
        return render_template("errors/400.html", error=error, code=400, csrf_failed=True), 400

    @app.errorhandler(ConflictError)
    def conflict_error(error: ConflictError):
        return render_template("errors/409.html", error=error, code=409, message=error.message), 409

    @app.errorhandler(OperationalError)
    def database_unavailable(error: OperationalError) -> Response:
        return unavailable_response(error)


def unavailable_response(error: OperationalError) -> Response:
    """The 503 page for a database that does not answer (or gave up on a statement): never a traceback."""
    reason = str(error.orig if error.orig is not None else error).strip().splitlines()
    log.warning("database unavailable: %s: %s", type(error.orig or error).__name__, reason[0] if reason else "")
    try:
        db.session.rollback()
    except SQLAlchemyError:
        pass  # the connection is gone; the session is reset at the end of the request anyway
    # The page must not ask the database again (for the logged-in account in the navigation): it is drawn as
    # for a visitor, which is what Flask-Login keeps in g._login_user for the rest of the request.
    g._login_user = current_app.login_manager.anonymous_user()
    try:
        response = make_response(render_template("errors/503.html", code=503), 503)
    except SQLAlchemyError:
        response = make_response(UNAVAILABLE_TEXT, 503, {"Content-Type": "text/plain; charset=utf-8"})
    response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response
