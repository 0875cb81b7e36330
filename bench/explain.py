"""Query plans of the hot pages: every statement a page runs, EXPLAINed on the bench database.

    .venv/bin/python bench/explain.py [--db postgresql|sqlite] [--preset germany] [--page NAME ...] [--full]

Requests each page once in-process as the bench account, records its statements with their parameters, and
prints each statement's plan (PostgreSQL: EXPLAIN (ANALYZE, BUFFERS), with the time it took; SQLite: EXPLAIN
QUERY PLAN). Sequential scans of tables with more than 10,000 rows are flagged: on a hot path they are what
an index should remove. Seed the database first (bench/run.py does, or `flask seed-scale`).
"""

from __future__ import annotations

import argparse
import re
import time

from common import (
    StatementLog,
    database_url,
    engine_of,
    extra_pages,
    fetch,
    find_target,
    in_process_app,
    logged_in_client,
)

BIG = 10_000
# PostgreSQL's "Seq Scan on t", SQLite's "SCAN t" (without "USING ... INDEX", which walks an index instead).
SEQUENTIAL = re.compile(r"Seq Scan on (\w+)|\bSCAN (\w+)\b(?! USING)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=("postgresql", "sqlite"), default="postgresql")
    parser.add_argument("--preset", default="germany")
    parser.add_argument("--page", action="append", help="only this page (repeatable), e.g. dashboard")
    parser.add_argument("--full", action="store_true", help="print whole plans, not only their top lines")
    options = parser.parse_args()

    app = in_process_app(database_url(options.db, options.preset))
    target = find_target(app)
    pages = {**target.pages, **extra_pages(app, target)}
    pages.pop("feed (304)", None)
    engine = engine_of(app)
    sizes = _table_sizes(engine)
    # No app context around the requests: each request gets its own, with a fresh session, as in production.
    with logged_in_client(app, target.account_id) as client:
        for name, path in pages.items():
            if options.page and name not in options.page:
                continue
            fetch(client, path)  # warm-up: caches and the first-request work stay out of the log
            with StatementLog(engine) as log:
                response = fetch(client, path)
            print(f"\n=== {name}: GET {path} -> {response.status_code}, {len(log.statements)} statements")
            for number, (statement, parameters) in enumerate(log.statements, start=1):
                with engine.connect() as connection:
                    plan = _plan(connection, statement, parameters)
                    connection.rollback()
                scanned = [pg or sqlite for pg, sqlite in SEQUENTIAL.findall("\n".join(plan))]
                flagged = [table for table in scanned if sizes.get(table, 0) > BIG]
                head = " ".join(statement.split())[:160]
                timing = next((line.strip() for line in plan if line.strip().startswith("Execution Time")), "")
                print(f"\n[{number}] {head}{' ...' if len(statement) > 160 else ''}")
                print(f"    {timing}{'   SEQUENTIAL SCAN OF ' + ', '.join(sorted(set(flagged))) if flagged else ''}")
                body = [line for line in plan if not line.strip().startswith("Execution Time")]
                for line in body if options.full else body[:12]:
                    print(f"    {line}")


def _table_sizes(engine) -> dict[str, int]:
    from sqlalchemy import func, select

    from app.extensions import db

    with engine.connect() as connection:
        return {
            name: connection.execute(select(func.count()).select_from(table)).scalar_one()
            for name, table in db.metadata.tables.items()
        }


def _plan(connection, statement: str, parameters) -> list[str]:
    if connection.dialect.name == "postgresql":
        rows = connection.exec_driver_sql("EXPLAIN (ANALYZE, BUFFERS) " + statement, parameters)
        return [row[0] for row in rows]
    rows = [row[-1] for row in connection.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, parameters)]
    started = time.perf_counter()
    connection.exec_driver_sql(statement, parameters).fetchall()
    return [*rows, f"Execution Time: {(time.perf_counter() - started) * 1000:.3f} ms (SQLite, measured)"]


if __name__ == "__main__":
    main()
