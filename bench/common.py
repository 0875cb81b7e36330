"""What the benchmark scripts share: where their databases are, seeding them, and the pages they measure.

The databases are the benchmarks' own: SQLite files under instance/bench/, PostgreSQL databases
koop_bench_<preset> on the server at PGHOST (default 127.0.0.1, user postgres).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DATA = ROOT / "instance" / "bench"
PG_SERVER = os.environ.get("BENCH_PG_SERVER", "postgres@127.0.0.1")


def database_url(db: str, preset: str) -> str:
    if db == "sqlite":
        DATA.mkdir(parents=True, exist_ok=True)
        return f"sqlite:///{DATA / f'koop_bench_{preset}.sqlite'}"
    return f"postgresql+psycopg://{PG_SERVER}/koop_bench_{preset}"


def flask_env(url: str) -> dict[str, str]:
    """The environment of a `flask` command on a bench database (development: seed-scale runs only there)."""
    return {**os.environ, "KOOP_ENV": "development", "DATABASE_URL": url, "FLASK_APP": "wsgi"}


def flask(url: str, *args: str) -> None:
    subprocess.run([str(ROOT / ".venv" / "bin" / "flask"), *args], cwd=ROOT, env=flask_env(url), check=True)  # noqa: S603


def create_database(db: str, preset: str) -> None:
    """Make the PostgreSQL database if it is missing (SQLite makes its file itself)."""
    if db == "sqlite":
        return
    from sqlalchemy import create_engine, text

    engine = create_engine(f"postgresql+psycopg://{PG_SERVER}/postgres", isolation_level="AUTOCOMMIT")
    name = f"koop_bench_{preset}"
    try:
        with engine.connect() as connection:
            if not connection.execute(text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": name}).first():
                connection.execute(text(f'CREATE DATABASE "{name}"'))
    finally:
        engine.dispose()


def prepare(db: str, preset: str, reseed: bool = False) -> float | None:
    """A migrated bench database holding the preset's data: seeded when it has none (or when asked), else reused.

    Returns the seconds seed-scale reported, or None when the data was reused.
    """
    url = database_url(db, preset)
    create_database(db, preset)
    flask(url, "db", "upgrade")
    if not reseed and has_bench_account(url):
        return None
    print(f"seeding {preset} on {db} ...", flush=True)
    output = subprocess.run(  # noqa: S603 -- our own command line
        [str(ROOT / ".venv" / "bin" / "flask"), "seed-scale", "--preset", preset, "--force"],
        cwd=ROOT, env=flask_env(url), check=True, capture_output=True, text=True,
    ).stdout
    print(output, flush=True)
    made = re.search(r"Made in ([0-9.]+) s", output)
    return float(made.group(1)) if made else None


def has_bench_account(url: str) -> bool:
    from sqlalchemy import create_engine, text
    from sqlalchemy.exc import SQLAlchemyError

    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            return bool(connection.execute(
                text("SELECT count(*) FROM accounts WHERE email = 'bench@koop.example'")
            ).scalar())
    except SQLAlchemyError:
        return False
    finally:
        engine.dispose()


@dataclass
class Target:
    """What the benchmarks look at in a seeded database."""

    account_id: int
    body_code: str
    meeting_id: int
    search_term: str
    feed_path: str
    pages: dict[str, str] = field(default_factory=dict)


def find_target(app: Any) -> Target:
    """The bench account's chair body, its latest held meeting with approved minutes, and the page paths."""
    from sqlalchemy import select

    from app.extensions import db
    from app.models import Account, Attendance, Meeting, Membership, MembershipRole, Minutes, MinutesStatus
    from app.scale import BENCH_TOKEN
    from app.scale.generator import Bench

    with app.app_context():
        account = db.session.scalars(select(Account).where(Account.email == Bench.email)).one()
        body_code = db.session.scalars(
            select(Membership).where(
                Membership.account_id == account.id, Membership.role == MembershipRole.CHAIR,
                Membership.end_on.is_(None),
            )
        ).first().body.code
        # The latest meeting with approved minutes, preferring one where a substitute stood in: then the pages
        # load everything a meeting can have, and the statement counts compare like with like across sizes.
        stood_in = (
            select(Attendance.id)
            .where(Attendance.meeting_id == Meeting.id, Attendance.stands_in_for_id.is_not(None))
            .exists()
        )
        meeting_id = db.session.scalar(
            select(Meeting.id)
            .join(Minutes, Minutes.meeting_id == Meeting.id)
            .where(Meeting.body.has(code=body_code), Minutes.status == MinutesStatus.APPROVED)
            .order_by(stood_in.desc(), Meeting.starts_at.desc())
            .limit(1)
        )
        target = Target(account.id, body_code, meeting_id, Bench.search_term, f"/calendar/{BENCH_TOKEN}.ics")
        db.session.remove()
    target.pages = {
        "dashboard": "/",
        "body page": f"/bodies/{body_code}",
        "meeting page": f"/meetings/{meeting_id}",
        "decision register": f"/decisions/?q={quote(target.search_term)}",
        "feed (200)": target.feed_path,
        "feed (304)": target.feed_path,
    }
    return target


def extra_pages(app: Any, target: Target) -> dict[str, str]:
    """Further pages for the query plans and statement counts, where the app has them."""
    pages = {
        "meetings list": "/meetings/",
        "past meetings, page 20": "/meetings/?past=1&page=20",
        "body meetings, past": f"/bodies/{target.body_code}/meetings?past=1",
        "bodies list": "/bodies/",
        "month calendar": "/meetings/calendar",
    }
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    optional = {
        "my action items": ("actions.index", "/actions/"),
        "body action items": ("actions.body", f"/actions/bodies/{target.body_code}"),
        "minutes page": ("minutes.detail", f"/minutes/{target.meeting_id}"),
        "decision register, no search": ("decisions.index", "/decisions/"),
    }
    for name, (endpoint, path) in optional.items():
        if endpoint in endpoints:
            pages[name] = path
    return pages


HELLO_PATH = "/bench/hello"


def add_hello_route(app: Any) -> Any:
    """GET /bench/hello answers "Hello, world!" (text/plain): the ceiling of the same app. Benchmarks only."""
    app.add_url_rule(HELLO_PATH, "bench_hello", lambda: ("Hello, world!", 200, {"Content-Type": "text/plain"}))
    return app


def in_process_app(url: str) -> Any:
    """The app for in-process measurements: development settings, no rate limits, no request log noise."""
    import logging

    from app import create_app

    app = create_app("development", {"SQLALCHEMY_DATABASE_URI": url, "RATELIMIT_ENABLED": False})
    logging.getLogger("koop").setLevel(logging.WARNING)
    return add_hello_route(app)


@contextmanager
def logged_in_client(app: Any, account_id: int) -> Iterator[Any]:
    """A test client with a session of the account (no login form: its rate limit would get in the way)."""
    from app.extensions import db
    from app.models import Account

    client = app.test_client()
    with app.app_context():
        account = db.session.get(Account, account_id)
        user_id = account.get_id()
        db.session.remove()
    with client.session_transaction() as session:
        session["_user_id"] = user_id
        session["_fresh"] = True
    yield client


class StatementLog:
    """Statements (and their parameters) an engine runs while it is listening."""

    def __init__(self, engine: Any) -> None:
        self.engine = engine
        self.statements: list[tuple[str, Any]] = []

    def __call__(self, conn, cursor, statement, parameters, context, executemany) -> None:  # noqa: ANN001
        self.statements.append((statement, parameters))

    def __enter__(self) -> StatementLog:
        from sqlalchemy import event

        event.listen(self.engine, "before_cursor_execute", self)
        return self

    def __exit__(self, *exc: object) -> None:
        from sqlalchemy import event

        event.remove(self.engine, "before_cursor_execute", self)


def fetch(client: Any, path: str, etag: str | None = None) -> Any:
    headers = {"If-None-Match": etag} if etag else {}
    response = client.get(path, headers=headers)
    response.get_data()
    response.close()
    return response


def count_statements(url: str) -> dict[str, int]:
    """SQL statements per request of each benchmarked page (in-process, after one warm-up request each)."""
    app = in_process_app(url)
    target = find_target(app)
    engine = engine_of(app)
    counts: dict[str, int] = {}
    # No app context around the requests: each request must get its own, with a fresh session, as in production.
    with logged_in_client(app, target.account_id) as client:
        etag = None
        for name, path in {"hello world": HELLO_PATH, **target.pages, **extra_pages(app, target)}.items():
            first = fetch(client, path, etag if name == "feed (304)" else None)
            if name == "feed (200)":
                etag = first.headers.get("ETag")
            with StatementLog(engine) as log:
                response = fetch(client, path, etag if name == "feed (304)" else None)
            counts[name] = len(log.statements)
            if response.status_code not in (200, 304):
                counts[name] = -response.status_code  # shown as an error in the results
    engine.dispose()
    return counts


def engine_of(app: Any) -> Any:
    """The app's engine, taken from a short app context (it outlives the context)."""
    from app.extensions import db

    with app.app_context():
        return db.engine
