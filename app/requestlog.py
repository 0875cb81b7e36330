"""Request ids and one log line per request, with secrets in paths masked.

Every request gets an id: the one a proxy sent in X-Request-ID if it is short and plain, else a new random
one. It goes back in the X-Request-ID header and into every line the `koop` loggers write while the request
runs, so a line in nginx's log, the access line here and a warning from deep inside can be matched up. The
access line holds method, path, status and duration, never the query string, and never a secret token from
the path: the personal feed (/calendar/<token>.ics) and the links in mails carry their secret in the path,
so each URL argument named like a token is written as `***`.
"""

from __future__ import annotations

import logging
import re
import sys
import time
import uuid

from flask import Flask, Response, current_app, g, has_request_context, request
from werkzeug.routing import BuildError

HEADER = "X-Request-ID"
# What we accept from a proxy: no spaces, quotes or line breaks that could forge log lines.
SANE_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:=-]{0,99}")
MASK = "***"

access_log = logging.getLogger("koop.requests")


def request_id() -> str:
    """The current request's id ("-" outside a request)."""
    if has_request_context():
        return g.get("request_id", "-")
    return "-"


class RequestIdFilter(logging.Filter):
    """Puts the request id into every record, for the `%(request_id)s` of the formatter."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id()
        return True


class _KoopHandler(logging.StreamHandler):
    """Our one handler on the `koop` logger: writes to whatever standard error is at the time (as logging's
    last-resort handler does), and marks itself so that several apps in one process add it once."""

    @property  # type: ignore[override]
    def stream(self):
        return sys.stderr

    @stream.setter
    def stream(self, value) -> None:
        pass


def configure_logging(app: Flask) -> None:
    """Lines of the `koop` loggers go to standard error (gunicorn passes them on) with the request id."""
    logger = logging.getLogger("koop")
    logger.setLevel(app.config.get("LOG_LEVEL", "INFO"))
    # Alembic's logging.config.fileConfig (migrations/env.py) disables every logger that exists when a process
    # migrates in-process (the test suite, the benchmarks): ours must keep writing.
    for name, each in list(logging.root.manager.loggerDict.items()):
        if (name == "koop" or name.startswith("koop.")) and isinstance(each, logging.Logger):
            each.disabled = False
    if not any(isinstance(handler, _KoopHandler) for handler in logger.handlers):
        handler = _KoopHandler()
        handler.addFilter(RequestIdFilter())
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"))
        logger.addHandler(handler)


def masked_path() -> str:
    """The request's path without secrets: URL arguments named like a token become ***."""
    rule, arguments = request.url_rule, request.view_args or {}
    secret = [name for name in arguments if "token" in name.lower()]
    if rule is None or not secret:
        return request.path
    try:
        built = rule.build({**arguments, **dict.fromkeys(secret, MASK)}, append_unknown=False)
    except (BuildError, ValueError, TypeError):
        built = None
    if built is None:
        return rule.rule  # the pattern itself, e.g. /calendar/<token>.ics: still nothing secret
    return request.script_root + built[1]


def _start() -> None:
    incoming = request.headers.get(HEADER, "")
    g.request_id = incoming if SANE_ID.fullmatch(incoming) else uuid.uuid4().hex
    g.request_started = time.perf_counter()


def _finish(response: Response) -> Response:
    response.headers[HEADER] = request_id()
    if "request_started" in g and current_app.config.get("LOG_REQUESTS", True):
        duration = (time.perf_counter() - g.request_started) * 1000
        access_log.info(
            "request_id=%s method=%s path=%s status=%d duration_ms=%.1f",
            request_id(),
            request.method,
            masked_path(),
            response.status_code,
            duration,
        )
    return response


def init_app(app: Flask) -> None:
    """Request ids and access lines for every request (LOG_REQUESTS=false keeps the ids, drops the lines)."""
    configure_logging(app)
    # First of all before_request hooks, so that the duration covers theirs too.
    app.before_request_funcs.setdefault(None, []).insert(0, _start)
    app.after_request(_finish)
