"""Routes of app/actions."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("actions", __name__)
