"""Two app instances behind one PostgreSQL and one Redis, as in production (docs/deployment.md).

Two gunicorns with two workers each, on two loopback ports, share a freshly created and migrated PostgreSQL
database and a throwaway redis-server (rate limits in database 0, the cache in database 1). The test shows:

1. a session opened on one instance is valid on the other;
2. the login rate limit counts failed attempts across both;
3. a meeting changed through one instance shows at once in the feed and on the meeting page of the other;
4. the cache entries dropped when Redis restarts are built again, and neither the outage nor the restart is
   ever an error.

.ci/run runs it after the PostgreSQL leg with KOOP_TWO_INSTANCES_PG set to the server (without a database
name), e.g. `KOOP_TWO_INSTANCES_PG=postgresql+psycopg://postgres@127.0.0.1:5432 pytest tests/multi_instance`;
without that variable it is skipped. It needs redis-server. Everything it starts it stops, and it drops the
database it made; on a failure it prints the instances' logs.
"""

from __future__ import annotations

import os
import subprocess
import time
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
import redis
from sqlalchemy import create_engine, text

from app import create_app
from app.calendars.services import regenerate_token
from app.extensions import db
from app.models import MembershipRole, Visibility
from tests.factories import PASSWORD, AccountFactory
from tests.factories_bodies import BodyFactory, MembershipFactory
from tests.factories_feeds import meeting_at
from tests.multi_instance.servers import ROOT, Browser, FormFields, Instance, ThrowawayRedis

SERVER = os.environ.get("KOOP_TWO_INSTANCES_PG", "").rstrip("/")
LOGIN_LIMIT = 3

pytestmark = pytest.mark.skipif(
    not SERVER, reason="run by .ci/run: set KOOP_TWO_INSTANCES_PG=postgresql+psycopg://user@host:port"
)


@pytest.fixture
def database() -> Iterator[str]:
    """A new database on the server, migrated with `flask db upgrade` as a release would be; dropped afterwards."""
    name = f"koop_two_{os.getpid()}_{int(time.time())}"
    admin = create_engine(f"{SERVER}/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    url = f"{SERVER}/{name}"
    try:
        subprocess.run(  # noqa: S603 - our own flask command
            [str(ROOT / ".venv" / "bin" / "flask"), "db", "upgrade"],
            cwd=ROOT, check=True, capture_output=True, timeout=300,
            env={**os.environ, "FLASK_APP": "wsgi", "KOOP_ENV": "production", "SECRET_KEY": "migrate",
                 "DATABASE_URL": url},
        )
        yield url
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def seed(url: str) -> dict:
    """A public body with a member (who has a feed) and a secretary, and one coming meeting."""
    app = create_app("testing", {"SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        body = BodyFactory(visibility=Visibility.PUBLIC)
        member = MembershipFactory(body=body, account=AccountFactory(display_name="Mira Mitglied")).account
        secretary = MembershipFactory(body=body, role=MembershipRole.SECRETARY).account
        meeting = meeting_at(body, date.today().replace(year=date.today().year + 1), title="Sitzung vorher")
        facts = {
            "member": member.email,
            "secretary": secretary.email,
            "meeting": meeting.id,
            "feed": f"/calendar/{regenerate_token(member)}.ics",
        }
        db.session.remove()
        db.engine.dispose()
    return facts


@pytest.fixture
def redis_server(tmp_path: Path) -> Iterator[ThrowawayRedis]:
    server = ThrowawayRedis(tmp_path)
    server.start()
    yield server
    server.stop()


@pytest.fixture
def instances(database: str, redis_server: ThrowawayRedis, tmp_path: Path) -> Iterator[tuple[Instance, Instance]]:
    environment = {
        "KOOP_ENV": "production",
        "SECRET_KEY": "two-instances-share-this-secret",
        "DATABASE_URL": database,
        "RATELIMIT_STORAGE_URI": redis_server.url(0),
        "CACHE_REDIS_URL": redis_server.url(1),
        "LOGIN_RATE_LIMIT": f"{LOGIN_LIMIT} per minute",
        "BASE_URL": "http://koop.test",
        "FORCE_HTTPS": "false",
        "SESSION_COOKIE_SECURE": "false",
        "MAIL_OUTBOX": str(tmp_path / "outbox"),
        "LOG_LEVEL": "INFO",
    }
    pair = (Instance("a", environment, tmp_path), Instance("b", environment, tmp_path))
    try:
        for instance in pair:
            instance.start()
        for instance in pair:
            instance.wait_until_healthy()
        yield pair
    finally:
        for instance in pair:
            instance.stop()
        for instance in pair:  # shown by pytest only when the test failed
            print(f"===== log of instance {instance.name} (port {instance.port}) =====\n{instance.log_text()}")


def log_in(browser: Browser, instance: Instance, email: str, password: str = PASSWORD):
    token = browser.get(instance, "/auth/login").csrf_token()
    return browser.post(instance, "/auth/login", {"email": email, "password": password, "csrf_token": token})


def cache_entries(server: ThrowawayRedis) -> int:
    client = redis.Redis.from_url(server.url(1), socket_timeout=2)
    try:
        return int(client.dbsize())
    finally:
        client.close()


def test_two_instances_share_sessions_limits_and_fresh_data(instances, database, redis_server):
    a, b = instances
    facts = seed(database)
    feed = facts["feed"]

    # 1. A session opened on one instance is valid on the other.
    member = Browser()
    assert log_in(member, a, facts["member"]).status == 302
    profile = member.get(b, "/accounts/profile")
    assert profile.status == 200 and "Mira Mitglied" in profile.text
    assert Browser().get(b, "/accounts/profile").status == 302  # without the session: off to the login page

    # 3. A meeting changed through one instance shows at once on the other: feed and meeting page.
    before = member.get(b, feed)
    assert before.status == 200 and b"Sitzung vorher" in before.body
    assert b"Sitzung vorher" in member.get(b, f"/meetings/{facts['meeting']}").body
    secretary = Browser()
    assert log_in(secretary, a, facts["secretary"]).status == 302
    edit = f"/meetings/{facts['meeting']}/edit"
    fields = [(name, "Sitzung nachher" if name == "title" else value)
              for name, value in FormFields.of(secretary.get(a, edit).text, edit)]
    saved = secretary.post(a, edit, fields)
    assert saved.status == 302, saved.text[:2000]
    after = member.get(b, feed, **{"If-None-Match": before.headers["ETag"]})
    assert after.status == 200 and after.headers["ETag"] != before.headers["ETag"]
    assert b"Sitzung nachher" in after.body and b"Sitzung vorher" not in after.body
    assert b"Sitzung nachher" in member.get(b, f"/meetings/{facts['meeting']}").body
    assert member.get(a, feed).body == after.body  # both instances serve the same bytes ...
    assert member.get(a, feed, **{"If-None-Match": after.headers["ETag"]}).status == 304  # ... and validators

    # 2. The login rate limit counts failed attempts on both instances together.
    intruder = Browser()
    for attempt, instance in zip(range(LOGIN_LIMIT), (a, b, a), strict=False):
        answer = log_in(intruder, instance, facts["member"], password=f"wrong-{attempt}")
        assert answer.status == 200, (attempt, instance.name, answer.status)
    assert log_in(intruder, b, facts["member"], password="wrong-again").status == 429
    assert log_in(intruder, a, facts["member"]).status == 429  # even the right password waits now

    # 4. Redis going away and coming back empty is never an error; its entries are built again.
    assert cache_entries(redis_server) > 0
    redis_server.stop()
    for instance in (a, b, a, b):
        during = member.get(instance, feed)
        assert during.status == 200 and during.body == after.body
    # Meanwhile each process counts login attempts on its own (it has not seen the intruder's): not an error.
    assert log_in(Browser(), b, facts["member"]).status == 302
    redis_server.start()
    assert cache_entries(redis_server) == 0
    deadline = time.monotonic() + 30
    while cache_entries(redis_server) == 0:
        assert time.monotonic() < deadline, "the cache entries were not built again"
        again = member.get(b, feed)
        assert again.status == 200 and again.body == after.body
        time.sleep(0.25)
    assert member.get(a, feed).body == after.body
