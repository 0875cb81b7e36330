"""Benchmark (not a test): the personal calendar feed of an account in 10 bodies with 500 meetings.

    .venv/bin/python bench/feed_benchmark.py [--meetings 500] [--bodies 10] [--series 10] [--requests 20]

Builds the data on a temporary SQLite database (migrated like a real one), then requests the feed through
the WSGI stack and prints the time per request (full answer and 304 revalidation) and the number of SQL
statements per request. The statement count is the same whatever the number of meetings
(tests/test_feeds.py asserts that); the time grows with the number of events written.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--meetings", type=int, default=500)
    parser.add_argument("--bodies", type=int, default=10)
    parser.add_argument("--series", type=int, default=10, help="weekly series of ten meetings each, on top")
    parser.add_argument("--requests", type=int, default=20)
    options = parser.parse_args()

    from flask_migrate import upgrade
    from sqlalchemy import event

    from app import create_app
    from app.calendars.services import regenerate_token
    from app.extensions import db
    from app.models import Account, Organisation, OrganisationKind, OrganisationLevel
    from tests.clients import IsolatedClient
    from tests.factories_feeds import populate

    with tempfile.TemporaryDirectory(prefix="koop-feed-bench-") as folder:
        url = f"sqlite:///{Path(folder) / 'bench.sqlite'}"
        app = create_app("testing", {"SQLALCHEMY_DATABASE_URI": url, "MAIL_OUTBOX": str(Path(folder) / "outbox")})
        app.test_client_class = IsolatedClient
        with app.app_context():
            upgrade(directory=str(ROOT / "migrations"))
            organisation = Organisation(
                name="Gemeinde Benchmark", short_name="GB", kind=OrganisationKind.MUNICIPALITY,
                level=OrganisationLevel.MUNICIPAL,
            )
            account = Account(email="bench@example.org", display_name="Bea Bench", organisation=organisation)
            db.session.add(account)
            db.session.commit()
            started = time.perf_counter()
            populate(account, meetings=options.meetings, bodies=options.bodies, series=options.series)
            print(f"data: {options.meetings} meetings and {options.series} series of 10 in {options.bodies} bodies, "
                  f"built in {time.perf_counter() - started:.1f} s")
            token = regenerate_token(account)
            db.session.remove()

            client = app.test_client()
            path = f"/calendar/{token}.ics"
            statements: list[int] = [0]  # per request; the first entry counts the warm-up

            def count(*_args: object) -> None:
                statements[-1] += 1

            event.listen(db.engine, "before_cursor_execute", count)
            try:
                first = client.get(path)
                size, etag = len(first.get_data()), first.headers["ETag"]
                first.close()
                full, revalidated = [], []
                for _ in range(options.requests):
                    statements.append(0)
                    started = time.perf_counter()
                    response = client.get(path)
                    response.get_data()
                    full.append(time.perf_counter() - started)
                    response.close()
                    assert response.status_code == 200, response.status_code
                for _ in range(options.requests):
                    statements.append(0)
                    started = time.perf_counter()
                    response = client.get(path, headers={"If-None-Match": etag})
                    revalidated.append(time.perf_counter() - started)
                    response.close()
                    assert response.status_code == 304, response.status_code
            finally:
                event.remove(db.engine, "before_cursor_execute", count)
            events = first.get_data().count(b"BEGIN:VEVENT")
            print(f"feed: {size / 1024:.0f} KiB, {events} VEVENTs")
            print(f"full answer (200): median {statistics.median(full) * 1000:.0f} ms, "
                  f"max {max(full) * 1000:.0f} ms over {options.requests} requests")
            print(f"revalidation (304): median {statistics.median(revalidated) * 1000:.0f} ms "
                  "(the feed is still built: the ETag is a hash of its bytes)")
            print(f"SQL statements per request: {sorted(set(statements[1:]))}")
            db.session.remove()
            db.engine.dispose()


if __name__ == "__main__":
    main()
