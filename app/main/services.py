"""Site-wide use cases."""

from __future__ import annotations

from flask import current_app, session
from flask_login import current_user

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
