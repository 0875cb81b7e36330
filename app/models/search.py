"""Full-text search over decisions with the database's own engine.

SQLite: an FTS5 table `decisions_fts` kept in step by triggers; PostgreSQL: a GIN index on the `german`
text-search vector of title and text, so "Beschlüsse" finds "Beschluss". Both are made by migration 0006 and are
not described by the models, so Alembic's comparison must skip them.
"""

from __future__ import annotations

from typing import Any

SEARCH_OBJECTS = ("decisions_fts", "ix_decisions_search")


def outside_search_index(obj: Any, name: str | None, type_: str, reflected: bool, compare_to: Any) -> bool:
    """Alembic's include_object hook: leave out the search table (and FTS5's shadow tables) and index."""
    return not (name and name.startswith(SEARCH_OBJECTS))
