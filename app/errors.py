"""Domain errors raised by services, and the HTML error pages."""

from __future__ import annotations

from flask import Flask, render_template
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException


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
