"""The permission matrix: every route of the app against every role, with the exact answer expected.

To add a route, add its rows to MATRIX (the coverage test fails until every route and method has one).
To add a role (member, secretary, chair, ...), add it to ROLES, teach `_log_in` how to become it, and give
every row its expected answer for it. Rows for objects with different visibilities (a public, an internal
and a confidential body, ...) are separate rows whose paths name different objects of the `world`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

import pytest
from werkzeug.exceptions import MethodNotAllowed, NotFound

from app.auth.tokens import issue_token
from app.extensions import db
from app.models import GlobalRole, TokenPurpose
from tests.clients import IsolatedClient
from tests.factories import AccountFactory, OrganisationFactory

ROLES = ("anonymous", "no_role", "organiser", "admin")

UNKNOWN_ID = 987654


@dataclass(frozen=True)
class Redirect:
    """A 302 to exactly this path (formatted with the world like the request path)."""

    location: str


LOGIN = "login"  # a 302 to the login page that brings the visitor back afterwards


@dataclass(frozen=True)
class Row:
    endpoint: str
    method: str
    path: str  # formatted with the ids and tokens of the world, e.g. "/accounts/{account}/edit"
    expected: dict[str, int | str | Redirect]
    data: dict[str, str] = field(default_factory=dict)

    @property
    def id(self) -> str:
        return f"{self.method} {self.path}"


def everyone(answer: int | str | Redirect) -> dict[str, int | str | Redirect]:
    return dict.fromkeys(ROLES, answer)


def logged_in(answer: int | str | Redirect) -> dict[str, int | str | Redirect]:
    """Anonymous visitors go to the login page; every logged-in role gets this answer."""
    return {"anonymous": LOGIN, **dict.fromkeys(ROLES[1:], answer)}


# Posted forms are invalid on purpose: a permitted role sees the form again (200) and nothing changes.
INVALID_ORGANISATION = {"name": "", "kind": "other", "level": "other", "parent_id": "0"}

ADMIN_ONLY_PAGE = {"anonymous": LOGIN, "no_role": 403, "organiser": 403, "admin": 200}
ORGANISER_PAGE = {"anonymous": LOGIN, "no_role": 403, "organiser": 200, "admin": 200}


MATRIX: tuple[Row, ...] = (
    # main
    Row("static", "GET", "/static/favicon.svg", everyone(200)),
    Row("main.index", "GET", "/", everyone(200)),
    Row("main.language", "POST", "/language", everyone(Redirect("/")), {"locale": "en", "next": "/"}),
    Row("main.language", "POST", "/language", everyone(400), {"locale": "xx"}),
    Row("main.language", "GET", "/language", everyone(405)),
    Row("main.healthz", "GET", "/healthz", everyone(200)),
    Row("main.healthz", "POST", "/healthz", everyone(405)),
    # auth
    Row("auth.login", "GET", "/auth/login", {"anonymous": 200, **dict.fromkeys(ROLES[1:], Redirect("/"))}),
    Row("auth.login", "POST", "/auth/login", {"anonymous": 200, **dict.fromkeys(ROLES[1:], Redirect("/"))}),
    Row("auth.logout", "POST", "/auth/logout", logged_in(Redirect("/auth/login"))),
    Row("auth.logout", "GET", "/auth/logout", everyone(405)),
    Row("auth.request_reset", "GET", "/auth/reset", everyone(200)),
    Row("auth.request_reset", "POST", "/auth/reset", everyone(200)),
    Row("auth.reset_password", "GET", "/auth/reset/{reset_token}", everyone(200)),
    Row("auth.reset_password", "POST", "/auth/reset/{reset_token}", everyone(200)),
    Row("auth.reset_password", "GET", "/auth/reset/forged", everyone(404)),
    Row("auth.reset_password", "GET", "/auth/reset/{invitation_token}", everyone(404)),
    Row("auth.accept_invitation", "GET", "/auth/invitation/{invitation_token}", everyone(200)),
    Row("auth.accept_invitation", "POST", "/auth/invitation/{invitation_token}", everyone(200)),
    Row("auth.accept_invitation", "GET", "/auth/invitation/forged", everyone(404)),
    Row("auth.accept_invitation", "GET", "/auth/invitation/{reset_token}", everyone(404)),
    # accounts
    Row("accounts.index", "GET", "/accounts/", ADMIN_ONLY_PAGE),
    Row("accounts.invite", "GET", "/accounts/invite", ORGANISER_PAGE),
    Row("accounts.invite", "POST", "/accounts/invite", ORGANISER_PAGE),
    Row("accounts.edit", "GET", "/accounts/{account}/edit", ADMIN_ONLY_PAGE),
    Row("accounts.edit", "POST", "/accounts/{account}/edit", ADMIN_ONLY_PAGE),
    Row("accounts.edit", "GET", f"/accounts/{UNKNOWN_ID}/edit", everyone(404)),
    Row(
        "accounts.deactivate",
        "POST",
        "/accounts/{account}/deactivate",
        {"anonymous": LOGIN, "no_role": 403, "organiser": 403, "admin": Redirect("/accounts/{account}/edit")},
    ),
    Row("accounts.deactivate", "POST", "/accounts/{me}/deactivate", logged_in(403)),  # never oneself
    Row("accounts.deactivate", "POST", f"/accounts/{UNKNOWN_ID}/deactivate", everyone(404)),
    Row("accounts.deactivate", "GET", "/accounts/{account}/deactivate", everyone(405)),
    Row(
        "accounts.reactivate",
        "POST",
        "/accounts/{account}/reactivate",
        {"anonymous": LOGIN, "no_role": 403, "organiser": 403, "admin": Redirect("/accounts/{account}/edit")},
    ),
    Row("accounts.reactivate", "POST", f"/accounts/{UNKNOWN_ID}/reactivate", everyone(404)),
    Row(
        "accounts.resend_invitation",
        "POST",
        "/accounts/{invited}/invitation",
        {"anonymous": LOGIN, "no_role": 403, "organiser": Redirect("/"), "admin": Redirect("/accounts/{invited}/edit")},
    ),
    Row("accounts.resend_invitation", "POST", f"/accounts/{UNKNOWN_ID}/invitation", everyone(404)),
    Row("accounts.profile", "GET", "/accounts/profile", logged_in(200)),
    Row("accounts.profile", "POST", "/accounts/profile", logged_in(200)),
    # organisations
    Row("organisations.index", "GET", "/organisations/", logged_in(200)),
    Row("organisations.index", "POST", "/organisations/", everyone(405)),
    Row("organisations.detail", "GET", "/organisations/{organisation}", logged_in(200)),
    Row("organisations.detail", "GET", f"/organisations/{UNKNOWN_ID}", logged_in(404)),
    Row("organisations.create", "GET", "/organisations/create", ADMIN_ONLY_PAGE),
    Row("organisations.create", "POST", "/organisations/create", ADMIN_ONLY_PAGE, INVALID_ORGANISATION),
    Row("organisations.edit", "GET", "/organisations/{organisation}/edit", ADMIN_ONLY_PAGE),
    Row("organisations.edit", "POST", "/organisations/{organisation}/edit", ADMIN_ONLY_PAGE, INVALID_ORGANISATION),
    Row("organisations.edit", "GET", f"/organisations/{UNKNOWN_ID}/edit", everyone(404)),
)

ACCOUNT_ROLES = {"no_role": GlobalRole.NONE, "organiser": GlobalRole.ORGANISER, "admin": GlobalRole.ADMIN}


@pytest.fixture(autouse=True)
def _requests_in_their_own_context(app):
    app.test_client_class = IsolatedClient


@pytest.fixture
def world(app) -> dict[str, object]:
    """The objects the matrix's paths name; each key is a placeholder in Row.path."""
    organisation = OrganisationFactory()
    account = AccountFactory(organisation=organisation)
    invited = AccountFactory(password_hash=None, organisation=organisation)
    values: dict[str, object] = {
        "organisation": organisation.id,
        "account": account.id,
        "invited": invited.id,
        "reset_token": issue_token(account, TokenPurpose.PASSWORD_RESET, timedelta(hours=1)),
        "invitation_token": issue_token(invited, TokenPurpose.INVITATION, timedelta(days=7)),
    }
    db.session.commit()
    return values


def _log_in(client, role: str, world: dict[str, object]) -> None:
    """Become the role; the session is set directly (the login itself is tested in test_auth)."""
    if role == "anonymous":
        world["me"] = world["account"]  # an anonymous visitor has no account of their own; any will do
        return
    me = AccountFactory(role=ACCOUNT_ROLES[role], organisation=None)
    world["me"] = me.id
    with client.session_transaction() as session:
        session["_user_id"] = me.get_id()
        session["_fresh"] = True


def _cases():
    for row in MATRIX:
        for role in ROLES:
            yield pytest.param(row, role, id=f"{row.id} as {role}")


@pytest.mark.parametrize(("row", "role"), _cases())
def test_permission_matrix(client, world, row, role):
    _log_in(client, role, world)
    path = row.path.format(**world)
    response = client.open(path, method=row.method, data=row.data)
    response.close()
    expected = row.expected[role]
    if expected == LOGIN:
        assert (response.status_code, response.headers.get("Location", "").split("?")[0]) == (302, "/auth/login")
        assert "next=" in response.headers["Location"]
    elif isinstance(expected, Redirect):
        assert (response.status_code, response.headers.get("Location")) == (302, expected.location.format(**world))
    else:
        assert response.status_code == expected


def test_every_route_is_in_the_matrix(app):
    """New routes fail here until their rows are added to MATRIX."""
    routes = {
        (rule.endpoint, method)
        for rule in app.url_map.iter_rules()
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"})
    }
    # Rows that only check a 405 cover no route: the method they send is the one the route lacks.
    covered = {(row.endpoint, row.method) for row in MATRIX if set(row.expected.values()) != {405}}
    missing = sorted(routes - covered)
    assert not missing, "routes without a row in the permission matrix:\n" + "\n".join(map(str, missing))


def test_matrix_rows_are_complete_and_point_at_their_routes(app, world):
    adapter = app.url_map.bind("localhost")
    world["me"] = world["account"]
    for row in MATRIX:
        assert set(row.expected) == set(ROLES), f"{row.id}: give an answer for every role"
        path = row.path.format(**world)
        try:
            endpoint, _ = adapter.match(path, method=row.method)
        except MethodNotAllowed:
            assert set(row.expected.values()) == {405}, f"{row.id}: the route does not take {row.method}"
            endpoint, _ = adapter.match(path, method="POST" if row.method == "GET" else "GET")
        except NotFound:
            pytest.fail(f"{row.id}: no such route")
        assert endpoint == row.endpoint, row.id
