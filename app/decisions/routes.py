"""Routes of app/decisions."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("decisions", __name__)
