"""Flask commands: seed-demo (development only, idempotent) and create-admin."""

from __future__ import annotations

import hashlib

import pytest
from sqlalchemy import func, select

from app import clock, create_app
from app.actions.services import my_action_items
from app.auth.passwords import verify_password
from app.extensions import db
from app.models import Account, Decision, GlobalRole, Minutes, MinutesStatus, Organisation, OrganisationKind
from tests.factories import AccountFactory

DEMO_LOGINS = (
    ("admin@koop.example", GlobalRole.ADMIN),
    ("organiser@koop.example", GlobalRole.ORGANISER),
    ("chair@koop.example", GlobalRole.NONE),
    ("secretary@koop.example", GlobalRole.NONE),
    ("member@koop.example", GlobalRole.NONE),
)


def _count(model, **filters) -> int:
    return db.session.scalar(select(func.count()).select_from(model).filter_by(**filters))


def _row_counts() -> dict[str, int]:
    return {
        name: db.session.scalar(select(func.count()).select_from(table)) for name, table in db.metadata.tables.items()
    }


@pytest.fixture
def development(app, database_url, tmp_path):
    """A development app on the test database, with its app context pushed so its commands use it."""
    development = create_app(
        "development", {"SQLALCHEMY_DATABASE_URI": database_url, "MAIL_OUTBOX": str(tmp_path / "dev-outbox")}
    )
    with development.app_context():
        yield development
        db.session.remove()
        db.engine.dispose()


def test_seed_demo_refuses_outside_development(runner):
    result = runner.invoke(args=["seed-demo"])
    assert result.exit_code == 1
    assert "only in development" in result.output
    assert _count(Organisation) == 0
    assert _count(Account) == 0


def test_seed_demo_refuses_in_production(app, database_url):
    production = create_app("production", {"SECRET_KEY": "a-real-secret", "SQLALCHEMY_DATABASE_URI": database_url})
    with production.app_context():
        result = production.test_cli_runner().invoke(args=["seed-demo"])
        db.engine.dispose()
    assert result.exit_code == 1
    assert "only in development" in result.output


def test_seed_demo_loads_organisations_and_the_demo_accounts(development):
    result = development.test_cli_runner().invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output
    assert _count(Organisation) == 73
    assert _count(Organisation, kind=OrganisationKind.MUNICIPALITY) == 52
    assert _count(Organisation, kind=OrganisationKind.DISTRICT) == 6
    for email, role in DEMO_LOGINS:
        account = db.session.scalars(select(Account).where(Account.email == email)).one()
        assert account.role is role
        assert account.active
        assert account.organisation is not None
        assert verify_password(account.password_hash, "koop-demo"), email
        assert email in result.output
    assert "koop-demo" in result.output


def test_seed_demo_is_idempotent(development):
    runner = development.test_cli_runner()
    assert runner.invoke(args=["seed-demo"]).exit_code == 0
    before = _row_counts()
    result = runner.invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    assert _row_counts() == before
    assert before["organisations"] == 73


def test_seed_demo_if_empty_keeps_an_existing_database(development):
    AccountFactory(email="someone@example.org", organisation=None)
    result = development.test_cli_runner().invoke(args=["seed-demo", "--if-empty"])
    assert result.exit_code == 0
    assert "no demo data loaded" in result.output
    assert _count(Organisation) == 0
    assert _count(Account) == 1


def test_seed_demo_if_empty_fills_an_empty_database(development):
    result = development.test_cli_runner().invoke(args=["seed-demo", "--if-empty"])
    assert result.exit_code == 0, result.output
    assert _count(Account, email="admin@koop.example") == 1


def test_demo_organiser_can_log_in(development):
    assert development.test_cli_runner().invoke(args=["seed-demo"]).exit_code == 0
    development.config["WTF_CSRF_ENABLED"] = False
    client = development.test_client()
    response = client.post("/auth/login", data={"email": "organiser@koop.example", "password": "koop-demo"})
    assert response.status_code == 302
    assert client.get("/").status_code == 200


# create-admin


def test_create_admin(runner, client):
    result = runner.invoke(
        args=["create-admin", "--email", " Root@Example.ORG ", "--name", "Root", "--password", "a-long-password"]
    )
    assert result.exit_code == 0, result.output
    assert "Administrator root@example.org created." in result.output
    account = db.session.scalars(select(Account)).one()
    assert account.email == "root@example.org"
    assert account.role is GlobalRole.ADMIN
    assert verify_password(account.password_hash, "a-long-password")
    response = client.post("/auth/login", data={"email": "root@example.org", "password": "a-long-password"})
    assert response.status_code == 302


def test_create_admin_prompts(runner):
    result = runner.invoke(args=["create-admin"], input="root@example.org\nRoot\na-long-password\na-long-password\n")
    assert result.exit_code == 0, result.output
    assert _count(Account, email="root@example.org", role=GlobalRole.ADMIN) == 1


def test_create_admin_refuses_an_existing_email(runner):
    AccountFactory(email="root@example.org")
    result = runner.invoke(
        args=["create-admin", "--email", "ROOT@example.org", "--name", "Root", "--password", "a-long-password"]
    )
    assert result.exit_code == 1
    assert "exists already" in result.output
    assert _count(Account, role=GlobalRole.ADMIN) == 0


@pytest.mark.parametrize(
    ("password", "message"), [("short", "at least 10 characters"), ("root@example.org", "email address")]
)
def test_create_admin_refuses_a_weak_password(runner, password, message):
    result = runner.invoke(
        args=["create-admin", "--email", "root@example.org", "--name", "Root", "--password", password]
    )
    assert result.exit_code == 1
    assert message in result.output
    assert "Traceback" not in result.output
    assert _count(Account) == 0


def test_seed_demo_has_minutes_in_every_state(development):
    """Issue 6, item 8: approved minutes of the 2018 event and of council meetings with numbered decisions and
    action items (one overdue, on the member's dashboard), circulated minutes and a draft in progress."""
    assert development.test_cli_runner().invoke(args=["seed-demo"]).exit_code == 0
    by_title = {minutes.meeting.title: minutes for minutes in db.session.scalars(select(Minutes)).all()}
    approved = [title for title, minutes in by_title.items() if minutes.status is MinutesStatus.APPROVED]
    assert "Informationsveranstaltung zur OZG-Umsetzung für die saarländischen Kommunen" in approved
    assert "23. Sitzung des IT-Kooperationsrats" in approved
    assert {minutes.status for minutes in by_title.values()} == set(MinutesStatus)
    for minutes in by_title.values():
        if minutes.status is MinutesStatus.APPROVED:
            assert minutes.content_hash == hashlib.sha256(minutes.approved_content.encode()).hexdigest()
    numbers = db.session.scalars(select(Decision.number).where(Decision.number.is_not(None))).all()
    assert "ITKR-2019-001" in numbers and len(numbers) == len(set(numbers)) >= 4
    member = db.session.scalars(select(Account).where(Account.email == "member@koop.example")).one()
    mine = my_action_items(member, clock.today())
    assert any(item.is_overdue(clock.today()) for item in mine)
