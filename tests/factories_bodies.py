"""factory_boy factories for bodies and memberships, and small helpers the body tests share."""

from __future__ import annotations

from datetime import date
from typing import Any

import factory
from flask import g, has_app_context
from flask.testing import FlaskClient
from sqlalchemy import func, select

from app.bodies.services import BodyData, MembershipData
from app.extensions import db
from app.models import Account, Body, BodyKind, BodyLevel, Membership, MembershipRole, Visibility
from tests.factories import AccountFactory, BaseFactory

START = date(2020, 1, 1)


class BodyFactory(BaseFactory):
    class Meta:
        model = Body

    name = factory.Sequence(lambda n: f"Arbeitsgruppe Nummer {n:04d}")
    code = factory.Sequence(lambda n: f"AG{n:04d}")
    kind = BodyKind.WORKING_GROUP
    level = BodyLevel.JOINT
    visibility = Visibility.PUBLIC
    mandate = ""
    parity_required = False
    founded_on = date(2019, 1, 1)


class MembershipFactory(BaseFactory):
    class Meta:
        model = Membership

    body = factory.SubFactory(BodyFactory)
    account = factory.SubFactory(AccountFactory)
    role = MembershipRole.MEMBER
    # On whose behalf: the person's own organisation unless a test says otherwise.
    organisation = factory.SelfAttribute("account.organisation")
    voting = True
    start_on = START
    end_on = None


def body_data(**overrides: Any) -> BodyData:
    """The fields of a new body for the services, with test defaults."""
    values: dict[str, Any] = {
        "name": "Arbeitsgruppe Registermodernisierung",
        "code": "AGREG",
        "kind": BodyKind.WORKING_GROUP,
        "level": BodyLevel.JOINT,
        "parent": None,
        "mandate": "",
        "visibility": Visibility.INTERNAL,
        "parity_required": False,
    }
    values.update(overrides)
    return BodyData(**values)


def data_of(body: Body, **overrides: Any) -> BodyData:
    """The body's current fields as BodyData, with some changed."""
    values: dict[str, Any] = {
        "name": body.name,
        "code": body.code,
        "kind": body.kind,
        "level": body.level,
        "parent": body.parent,
        "mandate": body.mandate,
        "visibility": body.visibility,
        "parity_required": body.parity_required,
        "quorum_rule": body.quorum_rule,
        "founded_on": body.founded_on,
        "dissolved_on": body.dissolved_on,
    }
    values.update(overrides)
    return BodyData(**values)


def membership_data(account: Account, **overrides: Any) -> MembershipData:
    values: dict[str, Any] = {
        "account": account,
        "role": MembershipRole.MEMBER,
        "organisation": None,
        "voting": True,
        "start_on": START,
        "end_on": None,
    }
    values.update(overrides)
    return MembershipData(**values)


def log_in(client: FlaskClient, account: Account) -> None:
    """Start a session for the account without the login form (its rate limit would stop long tests)."""
    with client.session_transaction() as session:
        session.clear()
        session["_user_id"] = account.get_id()
        session["_fresh"] = True
    _forget_loaded_user()


def log_out(client: FlaskClient) -> None:
    with client.session_transaction() as session:
        session.clear()
    _forget_loaded_user()


def _forget_loaded_user() -> None:
    # The app fixture keeps one app context for the whole test, and Flask-Login keeps the user it loaded
    # in that context's `g`: without this the next request would still run as the previous person.
    if has_app_context():
        g.pop("_login_user", None)


def count_rows(model: type) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def html(response) -> str:
    return response.get_data(as_text=True)
