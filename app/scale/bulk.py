"""Writing many rows fast: COPY on PostgreSQL, Core insert() executemany on SQLite, in dependency order.

Rows are tuples in the order of a table's `columns`; every column the table has must be given (COPY knows no
Python-side defaults). Values are Python values: aware datetimes, dates, bools, ints, strings (enum values).
"""

from __future__ import annotations

from collections.abc import Iterable
from operator import itemgetter
from typing import Any

from sqlalchemy import Connection, Table, insert, text

BATCH = 20_000  # rows per executemany on SQLite


class Buffer:
    """Rows waiting for one table; `add` takes keyword values and fills the rest from the defaults."""

    def __init__(self, table: Table, defaults: dict[str, Any] | None = None) -> None:
        self.table = table
        self.columns = tuple(column.name for column in table.columns)
        self.defaults = defaults or {}
        unknown = set(self.defaults) - set(self.columns)
        if unknown:
            raise ValueError(f"{table.name} has no columns {sorted(unknown)}")
        self.rows: list[tuple[Any, ...]] = []
        self.written = 0
        self._row = itemgetter(*self.columns)

    def add(self, **values: Any) -> None:
        try:
            self.rows.append(self._row({**self.defaults, **values}))
        except KeyError as missing:
            raise ValueError(f"{self.table.name}: no value for {missing}") from None

    def __len__(self) -> int:
        return len(self.rows)


def write(connection: Connection, buffer: Buffer) -> None:
    """Send the buffered rows and empty the buffer."""
    if not buffer.rows:
        return
    if connection.dialect.name == "postgresql":
        _copy(connection, buffer.table.name, buffer.columns, buffer.rows)
    else:
        statement = insert(buffer.table)
        for start in range(0, len(buffer.rows), BATCH):
            chunk = buffer.rows[start : start + BATCH]
            connection.execute(statement, [dict(zip(buffer.columns, row, strict=True)) for row in chunk])
    buffer.written += len(buffer.rows)
    buffer.rows = []


def _copy(connection: Connection, table: str, columns: Iterable[str], rows: list[tuple[Any, ...]]) -> None:
    raw = connection.connection.driver_connection
    names = ", ".join(f'"{name}"' for name in columns)
    with raw.cursor() as cursor, cursor.copy(f'COPY "{table}" ({names}) FROM STDIN') as copy:  # type: ignore[union-attr]
        for row in rows:
            copy.write_row(row)


def prepare(connection: Connection) -> None:
    """Settings for a bulk load on this connection only: durability is not needed for generated data."""
    if connection.dialect.name == "postgresql":
        connection.execute(text("SET LOCAL synchronous_commit = off"))
    else:
        connection.exec_driver_sql("PRAGMA synchronous = OFF")


def reset_sequences(connection: Connection, tables: Iterable[Table]) -> None:
    """PostgreSQL: move each id sequence past the ids written explicitly, so the app's inserts go on from there."""
    if connection.dialect.name != "postgresql":
        return  # SQLite's INTEGER PRIMARY KEY takes max(id) + 1 by itself
    for table in tables:
        if "id" not in table.c or not table.c.id.primary_key:
            continue
        connection.execute(
            text(
                f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "  # noqa: S608 -- our own table names
                f"COALESCE((SELECT MAX(id) FROM \"{table.name}\"), 0) + 1, false)"
            )
        )


def empty(connection: Connection, tables: list[Table]) -> None:
    """Delete every row of these tables (children first); PostgreSQL also restarts the id sequences."""
    if connection.dialect.name == "postgresql":
        names = ", ".join(f'"{table.name}"' for table in tables)
        connection.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        return
    for table in reversed(tables):
        connection.execute(table.delete())


def analyse(connection: Connection) -> None:
    """Fresh planner statistics after a bulk load (PostgreSQL: VACUUM too, for index-only scans)."""
    if connection.dialect.name == "postgresql":
        connection.execution_options(isolation_level="AUTOCOMMIT").exec_driver_sql("VACUUM ANALYZE")
    else:
        connection.exec_driver_sql("ANALYZE")
