"""Benchmark (not a test): the personal calendar feed of an account in 10 bodies with 500 meetings.

    .venv/bin/python bench/feed_benchmark.py [--meetings 500] [--bodies 10] [--series 10] [--requests 20]

Builds the data on a temporary SQLite database (migrated like a real one), then requests the feed through
the WSGI stack and prints the time per request and the number of SQL statements per request for each way a
feed can be answered: cold (nothing cached: every VEVENT rendered), assembled from cached VEVENTs (what a
change elsewhere in the feed costs), warm (the whole feed cached under its fingerprint) and a 304 (the
fingerprint alone). --profile shows where a warm answer and a 304 spend their time (pyinstrument). The
statement counts are the same whatever the number of meetings (tests/test_feeds*.py assert that).
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
    parser.add_argument("--profile", action="store_true", help="print where one full answer spends its time")
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
            cache = app.extensions["koop_cache"]
            statements = [0]

            def count(*_args: object) -> None:
                statements[0] += 1

            def measure(kind: str, status: int, before=None, **headers: str) -> tuple[list[float], set[int]]:
                """Time `options.requests` requests of one kind; `before` runs untimed ahead of each."""
                times, counts = [], set()
                for _ in range(options.requests):
                    if before is not None:
                        before()
                    statements[0] = 0
                    started = time.perf_counter()
                    response = client.get(path, headers=headers)
                    response.get_data()
                    times.append(time.perf_counter() - started)
                    response.close()
                    counts.add(statements[0])
                    assert response.status_code == status, (kind, response.status_code)
                return times, counts

            def forget_feeds() -> None:  # the feed assembled from cached pieces, as after a change elsewhere
                store = cache.store
                for key in [key for key in store._entries if key.startswith(cache.prefix + "ical:feed:")]:
                    store._entries.pop(key)

            first = client.get(path)
            size, etag = len(first.get_data()), first.headers["ETag"]
            events = first.get_data().count(b"BEGIN:VEVENT")
            first.close()
            event.listen(db.engine, "before_cursor_execute", count)
            try:
                results = {
                    "cold (200, nothing cached, every VEVENT rendered)": measure("cold", 200, cache.store.clear),
                    "assembled (200, the pieces cached, the whole feed not)": measure("assembled", 200, forget_feeds),
                    "warm (200, the whole feed cached)": measure("warm", 200),
                    "revalidation (304, If-None-Match)": measure("304", 304, **{"If-None-Match": etag}),
                }
            finally:
                event.remove(db.engine, "before_cursor_execute", count)
            if options.profile:
                from pyinstrument import Profiler

                for name, headers in (("warm 200", {}), ("304", {"If-None-Match": etag})):
                    with Profiler(interval=0.0001) as profiler:
                        for _ in range(20):
                            client.get(path, headers=headers).close()
                    print(f"---- 20 requests, {name} ----")
                    print(profiler.output_text(unicode=True, color=False, show_all=False))
            print(f"feed: {size / 1024:.0f} KiB, {events} VEVENTs")
            for name, (times, counts) in results.items():
                print(f"{name}: median {statistics.median(times) * 1000:.1f} ms, max {max(times) * 1000:.1f} ms, "
                      f"{'/'.join(map(str, sorted(counts)))} SQL statements")
            db.session.remove()
            db.engine.dispose()


if __name__ == "__main__":
    main()
