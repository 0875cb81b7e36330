"""Parity: voting members for the state and the municipalities, counted, shown side by side, and flagged."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from app.bodies import services
from app.clock import today
from app.demo import seed_demo
from app.extensions import db
from app.models import Account, MembershipRole, OrganisationKind, OrganisationLevel, Visibility
from tests.factories import AccountFactory, OrganisationFactory, OrganiserFactory, StateOrganisationFactory
from tests.factories_bodies import BodyFactory, MembershipFactory, html, log_in

BALANCE = re.compile(r"State (\d+) : (\d+) Municipalities")


def seat(body, level: str, **extra):
    """A voting member representing a state or a municipal organisation."""
    organisation = StateOrganisationFactory() if level == "state" else OrganisationFactory()
    return MembershipFactory(body=body, account=AccountFactory(organisation=organisation), **extra)


def staff(body, state: int, municipal: int) -> None:
    for _ in range(state):
        seat(body, "state")
    for _ in range(municipal):
        seat(body, "municipal")


@pytest.fixture
def viewer(app):
    """An organiser reading English, who may see every page that shows parity."""
    return OrganiserFactory(locale="en")


@pytest.fixture
def council(app):
    return BodyFactory(code="ITKR", name="IT-Kooperationsrat", parity_required=True)


def test_only_current_voting_members_of_state_and_municipal_organisations_count(council):
    staff(council, 3, 3)
    seat(council, "state", voting=False, role=MembershipRole.SECRETARY)
    seat(council, "municipal", role=MembershipRole.GUEST, voting=False)
    seat(council, "state", end_on=today())  # ended today
    seat(council, "municipal", start_on=today() + timedelta(days=1))  # starts tomorrow
    other = OrganisationFactory(kind=OrganisationKind.OTHER, level=OrganisationLevel.OTHER)
    MembershipFactory(body=council, account=AccountFactory(organisation=other))
    MembershipFactory(body=council, account=AccountFactory(organisation=None))
    staff(BodyFactory(parity_required=True), 5, 0)  # another body's members
    expected = services.Parity(state=3, municipal=3)
    assert services.parity_by_body([council.id]) == {council.id: expected}
    assert services.parity_of(services.roster(council).current) == expected
    assert expected.balanced and expected.short_side is None and expected.missing == 0


def test_the_represented_organisation_counts_not_the_persons_own(council):
    municipal_person = AccountFactory(organisation=OrganisationFactory())
    MembershipFactory(body=council, account=municipal_person, organisation=StateOrganisationFactory())
    assert services.parity_by_body([council.id])[council.id] == services.Parity(state=1, municipal=0)


@pytest.mark.parametrize(
    ("state", "municipal", "short_side", "missing"),
    [(3, 1, OrganisationLevel.MUNICIPAL, 2), (1, 2, OrganisationLevel.STATE, 1), (0, 0, None, 0)],
)
def test_the_short_side_and_how_many_seats_it_lacks(state, municipal, short_side, missing):
    parity = services.Parity(state, municipal)
    assert (parity.short_side, parity.missing, parity.balanced) == (short_side, missing, short_side is None)


def test_a_balanced_council_shows_8_to_8(client, council, viewer):
    staff(council, 8, 8)
    seat(council, "state", role=MembershipRole.SECRETARY, voting=False)
    log_in(client, viewer)
    page = html(client.get("/bodies/ITKR"))
    assert "State 8 : 8 Municipalities" in page
    assert "The voting seats of state and municipalities are balanced." in page
    assert "Parity is not kept" not in page
    listing = html(client.get("/bodies/"))
    assert "State 8 : 8 Municipalities" in listing and "Balanced" in listing and "Unbalanced" not in listing


@pytest.mark.parametrize(
    ("state", "municipal", "page_flag", "list_flag"),
    [
        (8, 6, "the municipal side lacks 2 voting seats", "the municipal side lacks 2 seats"),
        (7, 8, "the state side lacks 1 voting seat.", "the state side lacks 1 seat"),
    ],
)
def test_an_unbalanced_roster_is_flagged_everywhere_naming_the_short_side(
    client, council, viewer, state, municipal, page_flag, list_flag
):
    staff(council, state, municipal)
    log_in(client, viewer)
    numbers = (str(state), str(municipal))
    page = html(client.get("/bodies/ITKR"))
    assert BALANCE.findall(page) == [numbers]
    assert "Parity is not kept: " + page_flag in page
    listing = html(client.get("/bodies/"))
    assert BALANCE.findall(listing) == [numbers]
    assert "Unbalanced: " + list_flag in listing
    roster_form = html(client.get("/bodies/ITKR/members/add"))
    assert BALANCE.findall(roster_form) == [numbers]
    assert "Parity is not kept: " + page_flag in roster_form


def test_the_roster_form_of_a_member_shows_the_balance_too(client, council, viewer):
    staff(council, 2, 1)
    member = seat(council, "state")
    log_in(client, viewer)
    page = html(client.get(f"/bodies/ITKR/members/{member.id}/edit"))
    assert "State 3 : 1 Municipalities" in page
    assert "the municipal side lacks 2 voting seats" in page


def test_adding_a_member_changes_the_balance(client, council, viewer):
    staff(council, 1, 0)
    newcomer = AccountFactory(organisation=OrganisationFactory())
    log_in(client, viewer)
    assert "State 1 : 0 Municipalities" in html(client.get("/bodies/ITKR"))
    response = client.post(
        "/bodies/ITKR/members/add",
        data={
            "account_id": newcomer.id,
            "role": "member",
            "organisation_id": 0,
            "voting": "y",
            "start_on": "2020-01-01",
        },
    )
    assert response.status_code == 302  # an unbalanced roster can be saved; balancing one can too
    page = html(client.get("/bodies/ITKR"))
    assert "State 1 : 1 Municipalities" in page and "Parity is not kept" not in page


def test_bodies_without_parity_show_no_balance(client, viewer):
    body = BodyFactory(code="AGX", parity_required=False)
    staff(body, 3, 0)
    log_in(client, viewer)
    assert not BALANCE.search(html(client.get("/bodies/AGX")))
    assert not BALANCE.search(html(client.get("/bodies/")))
    assert not BALANCE.search(html(client.get("/bodies/AGX/members/add")))


def test_the_balance_is_shown_as_numbers_in_german_too(client, council):
    staff(council, 2, 1)
    log_in(client, OrganiserFactory(locale="de"))
    page = html(client.get("/bodies/ITKR"))
    assert re.search(r"\b2 : 1\b", page)


# Demo data


@pytest.fixture
def demo(app):
    seed_demo()
    return {account.email: account for account in db.session.scalars(select(Account))}


def test_demo_council_is_balanced_8_to_8(client, demo):
    council = services.get_body("ITKR")
    assert council.parity_required and council.visibility is Visibility.INTERNAL
    assert services.parity_by_body([council.id])[council.id] == services.Parity(8, 8)
    roles = {m.account.email: m.role for m in services.roster(council).current}
    assert roles["chair@koop.example"] is MembershipRole.CHAIR
    assert roles["secretary@koop.example"] is MembershipRole.SECRETARY
    assert roles["deputy@koop.example"] is MembershipRole.DEPUTY_CHAIR
    chair = next(m for m in services.roster(council).current if m.role is MembershipRole.CHAIR)
    assert chair.organisation.level is OrganisationLevel.STATE
    demo["member@koop.example"].locale = "en"
    db.session.commit()
    log_in(client, demo["member@koop.example"])
    page = html(client.get("/bodies/ITKR"))
    assert "State 8 : 8 Municipalities" in page
    assert "Parity is not kept" not in page


def test_demo_standards_group_is_flagged_unbalanced(client, demo):
    demo["member@koop.example"].locale = "en"
    db.session.commit()
    log_in(client, demo["member@koop.example"])
    listing = html(client.get("/bodies/"))
    assert "State 8 : 8 Municipalities" in listing
    assert "State 3 : 1 Municipalities" in listing
    assert "Unbalanced: the municipal side lacks 2 seats" in listing
    page = html(client.get("/bodies/AGSTD"))
    assert "Parity is not kept: the municipal side lacks 2 voting seats." in page


def test_demo_seed_runs_twice_without_duplicates(demo):
    before = services.parity_by_body([services.get_body("ITKR").id])
    seed_demo()
    assert services.parity_by_body([services.get_body("ITKR").id]) == before


def test_demo_bodies_cover_every_state_of_the_interface(demo):
    council = services.get_body("ITKR")
    ozg = services.get_body("OZGK")
    tender = services.get_body("VERGABE")
    assert ozg.parent is council and ozg.visibility is Visibility.PUBLIC
    assert tender.parent is ozg and tender.visibility is Visibility.CONFIDENTIAL
    groups = [
        body for body in services.visible_tree(demo["admin@koop.example"]) if body.body.kind.value == "working_group"
    ]
    assert len(groups) >= 4
    assert {node.body.level.value for node in groups} == {"state", "municipal", "joint"}
    unbalanced = [node.body.code for node in groups if node.parity is not None and not node.parity.balanced]
    assert unbalanced == ["AGSTD"]
    deputy = next(m for m in services.roster(council).current if m.role is MembershipRole.DEPUTY_CHAIR)
    assert deputy.organisation.short_name == "SSGT" and deputy.organisation.level is OrganisationLevel.MUNICIPAL
