"""Fixtures: a fresh app per test on an emptied database (SQLite by default, PostgreSQL via TEST_DATABASE_URL)."""

from __future__ import annotations

import email
import os
from collections.abc import Iterator
from email.message import Message
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from flask_migrate import upgrade
from sqlalchemy import event

from app import create_app
from app.extensions import db, limiter
from tests.factories import PASSWORD


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The test database, migrated once per run from the real migrations."""
    url = os.environ.get("TEST_DATABASE_URL") or f"sqlite:///{tmp_path_factory.mktemp('db') / 'koop-test.sqlite'}"
    app = create_app("testing", {"SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        upgrade()
        db.session.remove()
        db.engine.dispose()
    yield url


@pytest.fixture
def app(database_url: str, tmp_path: Path) -> Iterator[Flask]:
    app = create_app(
        "testing",
        {
            "SQLALCHEMY_DATABASE_URI": database_url,
            "MAIL_OUTBOX": str(tmp_path / "outbox"),
            "WTF_CSRF_ENABLED": False,
            # Tests read English texts unless they choose German: the product's default stays German
            # (tests/test_translations.py and test_config check that).
            "BABEL_DEFAULT_LOCALE": "en",
        },
    )
    with app.app_context():
        limiter.reset()
        yield app
        db.session.remove()
        _empty_all_tables()
        db.engine.dispose()


def _empty_all_tables() -> None:
    with db.engine.begin() as connection:
        for table in reversed(db.metadata.sorted_tables):
            connection.execute(table.delete())


@pytest.fixture
def csrf_app(app: Flask) -> Flask:
    """The app with CSRF protection on, for the tests that check it."""
    app.config["WTF_CSRF_ENABLED"] = True
    return app


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def runner(app: Flask):
    return app.test_cli_runner()


class AuthActions:
    def __init__(self, client: FlaskClient) -> None:
        self._client = client

    def login(self, email: str, password: str = PASSWORD):
        return self._client.post("/auth/login", data={"email": email, "password": password})

    def logout(self):
        return self._client.post("/auth/logout")


@pytest.fixture
def auth(client: FlaskClient) -> AuthActions:
    return AuthActions(client)


class Outbox:
    """The .eml files the app wrote, oldest first."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def messages(self) -> list[Message]:
        if not self.folder.exists():
            return []
        return [email.message_from_bytes(path.read_bytes()) for path in sorted(self.folder.glob("*.eml"))]

    def last(self) -> Message:
        messages = self.messages()
        assert messages, "no mail was sent"
        return messages[-1]

    @staticmethod
    def body(message: Message) -> str:
        for part in message.walk():
            if part.get_content_type() == "text/plain" and not part.get_filename():
                return part.get_payload(decode=True).decode(part.get_content_charset() or "utf-8")
        raise AssertionError("no text part")


@pytest.fixture
def outbox(app: Flask) -> Outbox:
    return Outbox(Path(app.config["MAIL_OUTBOX"]))


class StatementCounter:
    def __init__(self) -> None:
        self.count = 0

    def __call__(self, *args) -> None:
        self.count += 1


@pytest.fixture
def count_statements(app: Flask):
    """Count SQL statements in a block: `with count_statements() as counter: ...; counter.count`."""
    from contextlib import contextmanager

    @contextmanager
    def counting():
        counter = StatementCounter()
        event.listen(db.engine, "before_cursor_execute", counter)
        try:
            yield counter
        finally:
            event.remove(db.engine, "before_cursor_execute", counter)

    return counting


