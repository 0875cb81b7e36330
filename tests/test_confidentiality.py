"""Visibility of bodies, and a confidential body's name kept off every page a non-member can get."""

from __future__ import annotations

import re
from datetime import date

import pytest
from sqlalchemy import select

from app.bodies import services
from app.clock import today
from app.demo import seed_demo
from app.extensions import db
from app.models import Account, BodyKind, BodyLevel, MembershipRole, Visibility
from tests.factories import AccountFactory, AdminFactory, OrganiserFactory
from tests.factories_bodies import BodyFactory, MembershipFactory, body_data, html, log_in, log_out, membership_data

SECRET_NAME = "Geheimrunde Zander"
SECRET_CODE = "GEHEIM"
SECRET_MANDATE = "Streng vertraulicher Auftrag"
CSRF_TOKEN = re.compile(r'(name="csrf_token"[^>]*value=")[^"]*')


class World:
    """A public council with a confidential group under it (which has a public group under it) and a sibling."""

    def __init__(self) -> None:
        organiser = OrganiserFactory()
        self.organiser = organiser

        def body(code: str, name: str, **extra):
            return services.create_body(organiser, body_data(code=code, name=name, **extra))

        def seat(target, account=None, **extra):
            return services.add_membership(organiser, target, membership_data(account or AccountFactory(), **extra))

        self.council = body("OPEN", "Offene Runde", kind=BodyKind.STEERING_COUNCIL, visibility=Visibility.PUBLIC)
        self.secret = body(
            SECRET_CODE,
            SECRET_NAME,
            kind=BodyKind.PROJECT_GROUP,
            level=BodyLevel.STATE,
            parent=self.council,
            visibility=Visibility.CONFIDENTIAL,
            mandate=SECRET_MANDATE,
            parity_required=True,
        )
        self.below = body("ENKEL", "Enkelrunde", parent=self.secret, visibility=Visibility.PUBLIC)
        self.sibling = body(
            "NACHBAR", "Nachbarrunde", kind=BodyKind.PROJECT_GROUP, level=BodyLevel.STATE, parent=self.council
        )
        self.insider = seat(self.secret).account
        self.secret_chair = seat(self.secret, role=MembershipRole.CHAIR).account
        self.secret_membership = seat(self.secret, end_on=today())
        self.former_member = self.secret_membership.account
        self.sibling_member = seat(self.sibling).account
        self.council_chair = seat(self.council, role=MembershipRole.CHAIR).account
        self.below_chair = seat(self.below, role=MembershipRole.CHAIR).account
        # The council's chair also sits in the sibling group, so "my bodies" has something to show.
        seat(self.sibling, self.council_chair)
        self.plain = AccountFactory()
        self.admin = AdminFactory()


@pytest.fixture
def world(app) -> World:
    return World()


OUTSIDERS = ["anonymous", "plain", "sibling_member", "council_chair", "below_chair", "former_member"]

PAGES = [
    "/",
    "/bodies/",
    "/bodies/?mine=1",
    *(f"/bodies/?kind={kind.value}" for kind in BodyKind),
    *(f"/bodies/?level={level.value}" for level in BodyLevel),
    "/bodies/?kind=project_group&level=state",
    "/bodies/?kind=project_group&level=state&mine=1",
    "/bodies/OPEN",
    "/bodies/OPEN?former=1",
    "/bodies/OPEN/history",
    "/bodies/OPEN/members/add",
    "/bodies/NACHBAR",
    "/bodies/ENKEL",
    "/bodies/ENKEL?former=1",
    "/bodies/ENKEL/history",
    "/audit/",
    "/audit/?object_type=body",
]


def _as(client, world: World, who: str) -> None:
    if who == "anonymous":
        log_out(client)
    else:
        log_in(client, getattr(world, who))


def _comparable(page: str) -> str:
    """The page without its CSRF tokens, which carry a timestamp."""
    return CSRF_TOKEN.sub(r"\1", page)


def _assert_hidden(page: str, url: str) -> None:
    for secret in (SECRET_NAME, SECRET_CODE, SECRET_MANDATE):
        assert secret not in page, f"{secret!r} on {url}"


@pytest.mark.parametrize("who", OUTSIDERS)
def test_the_name_appears_on_no_page_an_outsider_gets(client, world, who):
    _as(client, world, who)
    seen = {}
    for url in PAGES:
        response = client.get(url)
        seen[url] = response.status_code
        _assert_hidden(html(response), url)
    # The pages that matter were really rendered, not refused.
    assert seen["/bodies/"] == seen["/bodies/OPEN"] == seen["/bodies/ENKEL"] == 200
    if who == "council_chair":
        assert seen["/bodies/OPEN/history"] == seen["/bodies/OPEN/members/add"] == 200
    if who == "below_chair":
        assert seen["/bodies/ENKEL/history"] == 200
    if who != "anonymous":
        assert seen["/"] == 200


@pytest.mark.parametrize("who", OUTSIDERS)
def test_the_confidential_body_is_404_as_if_it_did_not_exist(client, world, who):
    _as(client, world, who)
    membership_id = world.secret_membership.id
    for path in ["", "?former=1", "/history", "/edit", "/members/add", f"/members/{membership_id}/edit"]:
        response = client.get(f"/bodies/{SECRET_CODE}{path}")
        unknown = client.get(f"/bodies/NOSUCH{path}")
        assert response.status_code == 404, path
        assert SECRET_NAME not in html(response)
        # Same page as for a code that does not exist, apart from the address echoed in the language switch.
        assert _comparable(html(response)).replace(SECRET_CODE, "NOSUCH") == _comparable(html(unknown))
    response = client.post(f"/bodies/{SECRET_CODE}/members/{membership_id}/end", data={"end_on": "2024-01-01"})
    assert response.status_code == 404
    assert world.secret_membership.end_on == today()


@pytest.mark.parametrize("who", ["insider", "secret_chair", "organiser", "admin"])
def test_members_organisers_and_admins_see_it(client, world, who):
    _as(client, world, who)
    page = client.get(f"/bodies/{SECRET_CODE}")
    assert page.status_code == 200
    assert SECRET_NAME in html(page) and SECRET_MANDATE in html(page)
    assert SECRET_NAME in html(client.get("/bodies/"))
    # The group below shows its confidential parent to those who may see it.
    assert SECRET_NAME in html(client.get("/bodies/ENKEL"))


@pytest.mark.parametrize("who", ["insider", "secret_chair"])
def test_members_find_it_on_their_dashboard_and_among_their_bodies(client, world, who):
    _as(client, world, who)
    assert SECRET_NAME in html(client.get("/"))
    assert SECRET_NAME in html(client.get("/bodies/?mine=1"))


def test_the_parent_page_of_an_insider_lists_it(client, world):
    log_in(client, world.insider)
    assert SECRET_NAME in html(client.get("/bodies/OPEN"))


def test_the_tree_lifts_the_public_group_below_a_hidden_one(client, world):
    page = html(client.get("/bodies/"))
    assert "Enkelrunde" in page and SECRET_NAME not in page


# Visibility of each kind of body, for each kind of viewer


@pytest.mark.parametrize(
    ("visibility", "who", "status"),
    [
        (Visibility.PUBLIC, "anonymous", 200),
        (Visibility.PUBLIC, "plain", 200),
        (Visibility.INTERNAL, "anonymous", 302),
        (Visibility.INTERNAL, "plain", 200),
        (Visibility.INTERNAL, "member", 200),
        (Visibility.CONFIDENTIAL, "anonymous", 404),
        (Visibility.CONFIDENTIAL, "plain", 404),
        (Visibility.CONFIDENTIAL, "former", 404),
        (Visibility.CONFIDENTIAL, "future", 404),
        (Visibility.CONFIDENTIAL, "member", 200),
        (Visibility.CONFIDENTIAL, "guest", 200),
        (Visibility.CONFIDENTIAL, "organiser", 200),
        (Visibility.CONFIDENTIAL, "admin", 200),
    ],
)
def test_visibility(client, app, visibility, who, status):
    body = BodyFactory(code="VIS", visibility=visibility)
    viewers = {
        "plain": AccountFactory,
        "organiser": OrganiserFactory,
        "admin": AdminFactory,
        "member": lambda: MembershipFactory(body=body).account,
        "guest": lambda: MembershipFactory(body=body, role=MembershipRole.GUEST, voting=False).account,
        "former": lambda: MembershipFactory(body=body, end_on=today()).account,
        "future": lambda: MembershipFactory(body=body, start_on=date(2999, 1, 1)).account,
    }
    if who != "anonymous":
        log_in(client, viewers[who]())
    response = client.get("/bodies/VIS")
    assert response.status_code == status
    if status == 302:
        assert "/auth/login" in response.headers["Location"]
    listed = "/bodies/VIS" in html(client.get("/bodies/"))
    assert listed is (status == 200)


def test_a_deactivated_member_loses_access(client, app):
    body = BodyFactory(code="VIS", visibility=Visibility.CONFIDENTIAL)
    member = MembershipFactory(body=body).account
    log_in(client, member)
    assert client.get("/bodies/VIS").status_code == 200
    member.active = False
    db.session.commit()
    log_in(client, member)
    assert client.get("/bodies/VIS").status_code == 404


# The demo's confidential group


def test_demo_tender_group_is_invisible_to_the_demo_member(client, app):
    seed_demo()
    accounts = {a.email: a for a in db.session.scalars(select(Account))}
    tender = services.get_body("VERGABE")
    assert tender.visibility is Visibility.CONFIDENTIAL
    log_in(client, accounts["member@koop.example"])
    assert client.get("/bodies/VERGABE").status_code == 404
    for url in ["/", "/bodies/", "/bodies/?mine=1", "/bodies/OZGK", "/bodies/ITKR"]:
        page = html(client.get(url))
        assert tender.name not in page and "VERGABE" not in page, url
    log_in(client, accounts["chair@koop.example"])
    assert client.get("/bodies/VERGABE").status_code == 200
    assert tender.name in html(client.get("/"))
