"""Site-wide use cases."""

from __future__ import annotations

from flask import current_app, session
from flask_login import current_user
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from app.extensions import db


def choose_language(locale: str) -> bool:
    """Remember the language for this browser and, when logged in, in the account; False if unknown."""
    if locale not in current_app.config["LANGUAGES"]:
        return False
    session["locale"] = locale
    if current_user.is_authenticated:
        current_user.locale = locale
        db.session.commit()
    return True


def database_reachable() -> bool:
    """True when the database answers a trivial query (for load balancers' health checks)."""
    try:
        db.session.execute(text("SELECT 1"))
    except SQLAlchemyError:
        db.session.rollback()
        return False
    return True
