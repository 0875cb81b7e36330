"""URL helpers."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from werkzeug.routing import IntegerConverter, Map


def safe_next_url(target: str | None) -> str | None:
    """A `next` target only if it stays on this site (a path, no scheme, no host), else None."""
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return None
    return target


# The largest id a row can have: ids are PostgreSQL `integer` columns.
MAX_ID = 2**31 - 1


class DatabaseIdConverter(IntegerConverter):
    """`<int:...>` in every route: a number beyond any id is a 404 like any unknown id, never a database error."""

    def __init__(self, map: Map, *args: Any, **kwargs: Any) -> None:
        if not args:
            kwargs.setdefault("max", MAX_ID)
        super().__init__(map, *args, **kwargs)
