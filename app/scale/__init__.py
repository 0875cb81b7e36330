"""Nationwide data for benchmarks and query plans: `flask seed-scale --preset germany|saarland|tiny`.

Development only. The database must be migrated and empty (or `--force` empties it first). All accounts share
one password; one known bench account (a member of several bodies, with a personal calendar feed) is what the
benchmarks in bench/ log in with.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

from flask import current_app
from sqlalchemy import func, inspect, select

from app.auth.passwords import hash_password
from app.calendars.services import token_hash
from app.clock import today
from app.errors import DomainError
from app.extensions import db
from app.scale import bulk
from app.scale.generator import Bench, Generator
from app.scale.presets import PRESETS, Preset

__all__ = ["PRESETS", "SCALE_PASSWORD", "BENCH_TOKEN", "Report", "seed_scale"]

SCALE_PASSWORD = "koop-scale-demo"  # noqa: S105 -- the published login of generated development data
# The bench account's feed token, fixed so a benchmark can reuse a seeded database; development data only.
BENCH_TOKEN = "koop-scale-bench-feed-token-development-only-0001"  # noqa: S105
FLUSH_ROWS = 100_000  # rows held in memory before they are written


@dataclass
class Report:
    """What seed_scale made, how long it took, and the bench account's details."""

    preset: str
    database: str
    counts: dict[str, int] = field(default_factory=dict)
    phases: list[tuple[str, float]] = field(default_factory=list)
    seconds: float = 0.0
    bench: Bench = field(default_factory=Bench)
    feed_url: str = ""


def seed_scale(
    preset: Preset, seed: int = 1, force: bool = False, progress: Callable[[str], None] | None = None
) -> Report:
    """Fill the database with the preset's data in one transaction; refuses a non-empty database unless `force`.

    Ends the current session first (the load uses a connection of its own).
    """
    say = progress or (lambda message: None)
    db.session.remove()
    engine = db.engine
    if not inspect(engine).has_table("decisions"):
        raise DomainError("The database has no tables yet; run `flask db upgrade` first.")
    tables = db.metadata.sorted_tables
    if not force and _holds_data():
        raise DomainError("The database holds data already; use --force to empty it first.")
    report = Report(preset=preset.name, database=engine.dialect.name)
    started = last = time.perf_counter()

    def phase(name: str) -> None:
        nonlocal last
        now = time.perf_counter()
        report.phases.append((name, now - last))
        say(f"  {name}: {now - last:.1f} s")
        last = now

    generator = Generator(preset, seed, today(), hash_password(SCALE_PASSWORD), token_hash(BENCH_TOKEN))
    buffers = generator.t.in_order()
    with engine.begin() as connection:
        bulk.prepare(connection)
        if force:
            bulk.empty(connection, tables)
            phase("emptied the database")

        def flush() -> None:
            for buffer in buffers:
                bulk.write(connection, buffer)

        generator.make_organisations()
        generator.make_accounts()
        generator.make_bench_account()
        generator.make_bodies()
        flush()
        phase("organisations, accounts, bodies and memberships")
        generator.make_meetings()
        generator.choose_minutes()
        flush()
        phase("meetings and series")
        for _body in generator.records():
            if sum(len(buffer) for buffer in buffers) >= FLUSH_ROWS:
                flush()
        flush()
        phase("agendas, invitations, minutes, decisions and action items")
        bulk.reset_sequences(connection, tables)
    with engine.connect() as connection:
        bulk.analyse(connection)
    phase("planner statistics")
    generator.bench.meeting_id = generator.bench_meeting()
    report.bench = generator.bench
    report.counts = {buffer.table.name: buffer.written for buffer in buffers}
    report.seconds = time.perf_counter() - started
    report.feed_url = f"{current_app.config['BASE_URL']}/calendar/{BENCH_TOKEN}.ics"
    return report


def _holds_data() -> bool:
    for model_table in ("organisations", "accounts", "bodies", "meetings"):
        table = db.metadata.tables[model_table]
        if db.session.scalar(select(func.count()).select_from(table)):
            db.session.remove()
            return True
    db.session.remove()
    return False
