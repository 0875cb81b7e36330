"""The one way routes enforce a permission predicate."""

from __future__ import annotations

from flask import abort
from flask_login import current_user

from app.extensions import login_manager


def require(allowed: bool) -> None:
    """Stop the request unless allowed: anonymous visitors go to the login page, others get 403."""
    if allowed:
        return
    if not current_user.is_authenticated:
        abort(login_manager.unauthorized())
    abort(403)
