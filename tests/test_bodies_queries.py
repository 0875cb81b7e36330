"""A page runs the same number of SQL statements whatever the amount of data behind it."""

from __future__ import annotations

import pytest
from flask import g

from app.extensions import db
from app.models import AuditEntry, Body, MembershipRole, Visibility
from tests.factories import (
    AccountFactory,
    AdminFactory,
    OrganisationFactory,
    OrganiserFactory,
    StateOrganisationFactory,
)
from tests.factories_bodies import BodyFactory, MembershipFactory, log_in

SMALL, LARGE = 5, 200


@pytest.fixture
def organisations(app):
    return [StateOrganisationFactory(), OrganisationFactory(), OrganisationFactory()]


def add_members(body_id: int, count: int, organisations, **extra) -> None:
    """`count` voting members across state and municipal organisations, in one commit."""
    body = db.session.get(Body, body_id)
    for number in range(count):
        account = AccountFactory.build(organisation=organisations[number % len(organisations)])
        db.session.add(MembershipFactory.build(body=body, account=account, **extra))
    db.session.commit()


def add_bodies(count: int, parent_id: int | None = None, organisations=None) -> None:
    """`count` bodies of every visibility, with parity and two members each, in one commit."""
    parent = db.session.get(Body, parent_id) if parent_id else None
    visibilities = list(Visibility)
    for number in range(count):
        body = BodyFactory.build(parent=parent, parity_required=True, visibility=visibilities[number % 3])
        db.session.add(body)
        for organisation in organisations or []:
            db.session.add(MembershipFactory.build(body=body, account=AccountFactory.build(organisation=organisation)))
    db.session.commit()


def statements(client, count_statements, url: str) -> int:
    """Statements of one request for `url`, as a fresh request of a real server would run them."""

    def fresh() -> None:
        db.session.remove()  # a real request starts with an empty session
        g.pop("_login_user", None)

    fresh()
    assert client.get(url).status_code == 200  # warm up: connections, the dialect's first queries
    fresh()
    with count_statements() as counter:
        response = client.get(url)
    assert response.status_code == 200
    fresh()
    return counter.count


def _viewer(who: str, body_id: int):
    if who == "organiser":
        return OrganiserFactory()
    if who == "admin":
        return AdminFactory()
    if who == "chair":
        return MembershipFactory(body=db.session.get(Body, body_id), role=MembershipRole.CHAIR).account
    return AccountFactory()


@pytest.mark.parametrize("who", ["anonymous", "account", "chair", "organiser"])
@pytest.mark.parametrize("former", [False, True], ids=["current", "with-former"])
def test_body_page_with_5_or_200_members(client, count_statements, organisations, who, former):
    council = BodyFactory(code="ITKR", parity_required=True, parent=BodyFactory(code="PARENT"))
    BodyFactory(parent=council)
    council_id = council.id
    if who != "anonymous":
        log_in(client, _viewer(who, council_id))
    url = "/bodies/ITKR?former=1" if former else "/bodies/ITKR"
    add_members(council_id, SMALL, organisations)
    add_members(council_id, SMALL, organisations, end_on=MembershipFactory.start_on)
    small = statements(client, count_statements, url)
    add_members(council_id, LARGE - SMALL, organisations)
    add_members(council_id, LARGE - SMALL, organisations, end_on=MembershipFactory.start_on)
    large = statements(client, count_statements, url)
    assert small == large


@pytest.mark.parametrize("who", ["anonymous", "account", "organiser"])
def test_body_page_with_5_or_200_sub_bodies(client, count_statements, organisations, who):
    council_id = BodyFactory(code="ITKR", parity_required=True).id
    if who != "anonymous":
        log_in(client, _viewer(who, council_id))
    add_bodies(SMALL, council_id, organisations)
    small = statements(client, count_statements, "/bodies/ITKR")
    add_bodies(LARGE - SMALL, council_id, organisations)
    large = statements(client, count_statements, "/bodies/ITKR")
    assert small == large


@pytest.mark.parametrize("who", ["anonymous", "account", "organiser"])
@pytest.mark.parametrize("query", ["", "?mine=1", "?kind=working_group&level=joint"])
def test_body_list_with_5_or_200_bodies(client, count_statements, organisations, who, query):
    top_id = BodyFactory(code="ITKR", parity_required=True).id
    viewer = _viewer(who, top_id)
    if who != "anonymous":
        log_in(client, viewer)
    add_bodies(SMALL, top_id, organisations)
    small = statements(client, count_statements, f"/bodies/{query}")
    add_bodies(LARGE - SMALL, top_id, organisations)
    large = statements(client, count_statements, f"/bodies/{query}")
    assert small == large


def test_body_list_with_5_or_200_members_per_body(client, count_statements, organisations):
    ids = [BodyFactory(parity_required=True).id for _ in range(3)]
    log_in(client, AccountFactory())
    for body_id in ids:
        add_members(body_id, SMALL, organisations)
    small = statements(client, count_statements, "/bodies/")
    for body_id in ids:
        add_members(body_id, LARGE - SMALL, organisations)
    large = statements(client, count_statements, "/bodies/")
    assert small == large


def test_dashboard_with_5_or_200_bodies_of_mine(client, count_statements, organisations):
    account = AccountFactory()
    account_id = account.id
    log_in(client, account)

    def join(count: int) -> None:
        person = db.session.get(type(account), account_id)
        for _ in range(count):
            db.session.add(MembershipFactory.build(account=person, body=BodyFactory.build()))
        db.session.commit()

    join(SMALL)
    small = statements(client, count_statements, "/")
    join(LARGE - SMALL)
    large = statements(client, count_statements, "/")
    assert small == large


def _entries(body_id: int, count: int, actors: list[int]) -> None:
    for number in range(count):
        db.session.add(
            AuditEntry(
                actor_id=actors[number % len(actors)],
                action="update",
                object_type="body",
                object_id=body_id,
                body_id=body_id,
                summary="x",
                changes={"name": ["a", "b"]},
            )
        )
    db.session.commit()


def test_history_and_audit_log_with_5_or_200_entries(client, count_statements, app):
    body_id = BodyFactory(code="HIST").id
    admin = AdminFactory()
    actors = [admin.id, *(AccountFactory().id for _ in range(3))]
    log_in(client, admin)
    _entries(body_id, SMALL, actors)
    small = [statements(client, count_statements, url) for url in ("/bodies/HIST/history", "/audit/")]
    _entries(body_id, LARGE - SMALL, actors)
    large = [statements(client, count_statements, url) for url in ("/bodies/HIST/history", "/audit/")]
    assert small == large
