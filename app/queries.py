"""Query helpers shared by the list pages."""

from __future__ import annotations

from typing import Any

from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import ColumnElement, Select, func

from app.extensions import db

PAGE_SIZE = 50
MAX_PAGE = 1_000_000  # far past any list's end; a larger number would overflow the database's OFFSET


def contains_text(column: Any, text: str) -> ColumnElement[bool]:
    """Case-insensitive substring match; % and _ typed by a person are matched literally."""
    escaped = text.strip().lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return func.lower(column).like(f"%{escaped}%", escape="\\")


def paginate(query: Select, page: int) -> Pagination:
    """One page of PAGE_SIZE rows; a page number past the end gives an empty page, not an error."""
    return db.paginate(query, page=min(max(page, 1), MAX_PAGE), per_page=PAGE_SIZE, error_out=False, count=True)
