"""Routes of bodies: the tree and its filters, a body's page and history, create and edit, and "my bodies"."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from app.bodies.services import get_body
from app.clock import today
from app.models import AuditEntry, Body, BodyKind, BodyLevel, MembershipRole, QuorumRule, Visibility
from tests.factories import AccountFactory, AdminFactory, OrganiserFactory
from tests.factories_bodies import BodyFactory, MembershipFactory, count_rows, html, log_in

TREE_ITEM = re.compile(r'koop-tree__item--depth-(\d+)">\s*<a class="kern-link" href="/bodies/([A-Z0-9]+)"')


def tree(response) -> list[tuple[int, str]]:
    """The list of bodies as (depth, code), in page order."""
    return [(int(depth), code) for depth, code in TREE_ITEM.findall(html(response))]


def _form(**overrides) -> dict:
    data = {
        "name": "AG Registermodernisierung",
        "code": "AGREG",
        "kind": "working_group",
        "level": "joint",
        "parent_id": 0,
        "visibility": "internal",
        "mandate": "",
        "parity_required": "",
        "quorum_rule": "more_than_half",
        "founded_on": "",
        "dissolved_on": "",
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value not in (None, "")}


@pytest.fixture
def organiser(app):
    return OrganiserFactory(locale="en")


# The tree


def test_the_tree_shows_children_under_their_parents(client, app):
    council = BodyFactory(code="ITKR", name="A Council", kind=BodyKind.STEERING_COUNCIL)
    group = BodyFactory(code="PG", name="B Group", parent=council, kind=BodyKind.PROJECT_GROUP)
    BodyFactory(code="AGX", name="C Working", parent=group)
    BodyFactory(code="AGY", name="A Working", parent=council)
    BodyFactory(code="LONE", name="Z Alone")
    response = client.get("/bodies/")
    assert response.status_code == 200
    assert tree(response) == [(0, "ITKR"), (1, "AGY"), (1, "PG"), (2, "AGX"), (0, "LONE")]


def test_anonymous_visitors_see_public_bodies_only(client, app):
    BodyFactory(code="OPEN", name="Offene Runde", visibility=Visibility.PUBLIC)
    BodyFactory(code="INNER", name="Innere Runde", visibility=Visibility.INTERNAL)
    response = client.get("/bodies/")
    assert [code for _, code in tree(response)] == ["OPEN"]
    assert "Innere Runde" not in html(response)
    log_in(client, AccountFactory())
    assert sorted(code for _, code in tree(client.get("/bodies/"))) == ["INNER", "OPEN"]


def test_a_hidden_parent_lifts_its_visible_children(client, app):
    inner = BodyFactory(code="INNER", visibility=Visibility.INTERNAL)
    BodyFactory(code="OPEN", parent=inner)
    assert tree(client.get("/bodies/")) == [(0, "OPEN")]


def test_filter_by_kind(client, app):
    council = BodyFactory(code="ITKR", kind=BodyKind.STEERING_COUNCIL)
    BodyFactory(code="PG", kind=BodyKind.PROJECT_GROUP, parent=council)
    BodyFactory(code="AGX", kind=BodyKind.WORKING_GROUP, parent=council)
    assert tree(client.get("/bodies/?kind=working_group")) == [(0, "AGX")]
    assert tree(client.get("/bodies/?kind=steering_council")) == [(0, "ITKR")]
    # An unknown value is ignored rather than an error.
    assert len(tree(client.get("/bodies/?kind=emperor"))) == 3


def test_filter_by_level(client, app):
    BodyFactory(code="LAND", level=BodyLevel.STATE)
    BodyFactory(code="KOMM", level=BodyLevel.MUNICIPAL)
    BodyFactory(code="BOTH", level=BodyLevel.JOINT)
    assert tree(client.get("/bodies/?level=municipal")) == [(0, "KOMM")]
    assert tree(client.get("/bodies/?level=state&kind=working_group")) == [(0, "LAND")]
    assert tree(client.get("/bodies/?level=state&kind=project_group")) == []
    assert len(tree(client.get("/bodies/?level="))) == 3


def test_filter_my_bodies(client, app):
    account = AccountFactory(locale="en")
    mine = BodyFactory(code="MINE")
    BodyFactory(code="OTHER")
    former = BodyFactory(code="FORMER")
    MembershipFactory(body=mine, account=account, role=MembershipRole.SECRETARY)
    MembershipFactory(body=former, account=account, end_on=today())
    log_in(client, account)
    response = client.get("/bodies/?mine=1")
    assert tree(response) == [(0, "MINE")]
    assert "You: Secretary" in html(response)
    assert len(tree(client.get("/bodies/"))) == 3


def test_my_bodies_is_ignored_for_anonymous_visitors(client, app):
    BodyFactory(code="OPEN")
    response = client.get("/bodies/?mine=1")
    assert response.status_code == 200
    assert tree(response) == [(0, "OPEN")]


def test_the_dashboard_lists_my_current_bodies(client, app):
    account = AccountFactory(locale="en")
    MembershipFactory(account=account, body=BodyFactory(name="Runde Eins"), role=MembershipRole.DEPUTY_CHAIR)
    MembershipFactory(account=account, body=BodyFactory(name="Runde Vorbei"), end_on=today())
    MembershipFactory(account=account, body=BodyFactory(name="Runde Bald"), start_on=today() + timedelta(days=3))
    MembershipFactory(body=BodyFactory(name="Runde Fremd"))
    log_in(client, account)
    page = html(client.get("/"))
    assert "My bodies" in page
    assert "Runde Eins" in page and "Deputy chair" in page
    for name in ("Runde Vorbei", "Runde Bald", "Runde Fremd"):
        assert name not in page


def test_the_dashboard_says_so_when_there_are_no_bodies(client, app):
    log_in(client, AccountFactory(locale="en"))
    assert "You do not belong to any body yet." in html(client.get("/"))


# A body's page


def test_a_public_body_is_open_to_everyone(client, app):
    BodyFactory(code="OPEN", name="Offene Runde")
    response = client.get("/bodies/OPEN")
    assert response.status_code == 200
    assert "Offene Runde" in html(response)
    # Codes are looked up in capitals.
    assert client.get("/bodies/open").status_code == 200


def test_an_internal_body_sends_anonymous_visitors_to_log_in(client, app):
    BodyFactory(code="INNER", visibility=Visibility.INTERNAL)
    response = client.get("/bodies/INNER")
    assert response.status_code == 302
    assert "/auth/login" in response.headers["Location"]
    log_in(client, AccountFactory())
    assert client.get("/bodies/INNER").status_code == 200


def test_an_unknown_body_is_404(client, app):
    assert client.get("/bodies/NOSUCH").status_code == 404
    assert client.get("/bodies/NOSUCH/history").status_code == 404
    assert client.get("/bodies/NOSUCH/edit").status_code == 404


def test_the_body_page_shows_sub_bodies_and_the_parent(client, app):
    council = BodyFactory(code="ITKR", name="Kooperationsrat")
    BodyFactory(code="AGX", name="Untergruppe", parent=council)
    page = html(client.get("/bodies/ITKR"))
    assert "Untergruppe" in page
    child = html(client.get("/bodies/AGX"))
    assert 'href="/bodies/ITKR">Kooperationsrat</a>' in child


def test_a_dissolved_body_is_read_only_but_visible(client, organiser):
    BodyFactory(code="OLD", name="Alte Runde", dissolved_on=today() - timedelta(days=1))
    log_in(client, organiser)
    response = client.get("/bodies/OLD")
    assert response.status_code == 200
    page = html(response)
    assert "read-only" in page
    assert "/bodies/OLD/edit" not in page and "/bodies/OLD/members/add" not in page
    assert "Dissolved" in html(client.get("/bodies/"))


# History tab


@pytest.mark.parametrize("kind", ["chair", "deputy_chair", "organiser", "admin"])
def test_managers_see_the_history(client, app, kind):
    body = BodyFactory(code="HIST")
    if kind == "organiser":
        viewer = OrganiserFactory()
    elif kind == "admin":
        viewer = AdminFactory()
    else:
        viewer = MembershipFactory(body=body, role=MembershipRole(kind)).account
    log_in(client, viewer)
    assert client.get("/bodies/HIST/history").status_code == 200
    assert "/bodies/HIST/history" in html(client.get("/bodies/HIST"))


@pytest.mark.parametrize("role", ["secretary", "member", "substitute", "guest"])
def test_members_do_not_see_the_history(client, app, role):
    body = BodyFactory(code="HIST")
    role = MembershipRole(role)
    log_in(client, MembershipFactory(body=body, role=role, voting=role is not MembershipRole.GUEST).account)
    assert client.get("/bodies/HIST/history").status_code == 403
    assert "/bodies/HIST/history" not in html(client.get("/bodies/HIST"))


def test_history_for_others(client, app):
    BodyFactory(code="HIST")
    BodyFactory(code="SECRET", visibility=Visibility.CONFIDENTIAL)
    response = client.get("/bodies/HIST/history")
    assert response.status_code == 302 and "/auth/login" in response.headers["Location"]
    log_in(client, AccountFactory())
    assert client.get("/bodies/HIST/history").status_code == 403
    assert client.get("/bodies/SECRET/history").status_code == 404


# Create


def test_create_a_body(client, organiser):
    council = BodyFactory(code="ITKR")
    log_in(client, organiser)
    assert client.get("/bodies/create").status_code == 200
    assert f'<option selected value="{council.id}">' in html(client.get(f"/bodies/create?parent={council.id}"))
    response = client.post(
        "/bodies/create",
        data=_form(
            parent_id=council.id, parity_required="y", quorum_rule="at_least_two_thirds", founded_on="2024-02-01"
        ),
    )
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/bodies/AGREG")
    page = html(client.get("/bodies/AGREG"))
    assert "The body AG Registermodernisierung has been created." in page
    assert "At least two thirds of the voting members" in page
    created = get_body("AGREG")
    assert created.parent_id == council.id and created.parity_required
    assert created.quorum_rule is QuorumRule.AT_LEAST_TWO_THIRDS


@pytest.mark.parametrize("kind", ["admin", "organiser"])
def test_organisers_and_admins_may_create(client, app, kind):
    log_in(client, AdminFactory() if kind == "admin" else OrganiserFactory())
    assert client.get("/bodies/create").status_code == 200


def test_others_may_not_create(client, app):
    response = client.get("/bodies/create")
    assert response.status_code == 302 and "/auth/login" in response.headers["Location"]
    assert client.post("/bodies/create", data=_form()).status_code == 302
    chair = MembershipFactory(role=MembershipRole.CHAIR).account
    log_in(client, chair)
    assert client.get("/bodies/create").status_code == 403
    assert client.post("/bodies/create", data=_form()).status_code == 403
    assert count_rows(Body) == 1


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"code": "agreg"}, "code"),
        ({"code": "A"}, "code"),
        ({"code": "ABCDEFGHIJKLM"}, "code"),
        ({"code": "AG-REG"}, "code"),
        ({"code": ""}, "code"),
        ({"code": "ITKR"}, "code"),
        ({"name": ""}, "name"),
        ({"name": "x" * 201}, "name"),
        ({"kind": "emperor"}, "kind"),
        ({"level": "galactic"}, "level"),
        ({"visibility": "secret"}, "visibility"),
        ({"quorum_rule": "everyone"}, "quorum_rule"),
        ({"parent_id": 999999}, "parent_id"),
        ({"founded_on": "2024-02-02", "dissolved_on": "2024-02-01"}, "dissolved_on"),
        ({"founded_on": "gestern"}, "founded_on"),
    ],
    ids=["lowercase", "one-char", "thirteen-chars", "dash", "no-code", "duplicate", "no-name", "long-name",
         "unknown-kind", "unknown-level", "unknown-visibility", "unknown-quorum", "unknown-parent",
         "dissolved-before-founded", "bad-date"],
)  # fmt: skip
def test_bad_body_input_gives_a_field_message_and_writes_nothing(client, organiser, overrides, field):
    BodyFactory(code="ITKR")
    log_in(client, organiser)
    rows, entries = count_rows(Body), count_rows(AuditEntry)
    response = client.post("/bodies/create", data=_form(**overrides))
    assert response.status_code == 200
    assert f'id="{field}-error"' in html(response)
    assert (count_rows(Body), count_rows(AuditEntry)) == (rows, entries)


def test_the_duplicate_code_message_is_shown(client, organiser):
    BodyFactory(code="ITKR")
    log_in(client, organiser)
    response = client.post("/bodies/create", data=_form(code="ITKR"))
    assert "Another body already uses this short code." in html(response)


def test_a_dissolved_body_is_not_offered_as_parent(client, organiser):
    old = BodyFactory(code="OLD", dissolved_on=today() - timedelta(days=1))
    log_in(client, organiser)
    assert f'value="{old.id}"' not in html(client.get("/bodies/create"))
    response = client.post("/bodies/create", data=_form(parent_id=old.id))
    assert 'id="parent_id-error"' in html(response)
    assert count_rows(Body) == 1


# Edit


def test_edit_a_body(client, organiser):
    body = BodyFactory(code="AGX", name="Alter Name", visibility=Visibility.PUBLIC)
    log_in(client, organiser)
    page = html(client.get("/bodies/AGX/edit"))
    assert 'value="Alter Name"' in page
    response = client.post("/bodies/AGX/edit", data=_form(name="Neuer Name", code="AGNEU", visibility="public"))
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/bodies/AGNEU")
    assert (body.name, body.code) == ("Neuer Name", "AGNEU")
    assert client.get("/bodies/AGX").status_code == 404


def test_only_organisers_and_admins_edit(client, app):
    body = BodyFactory(code="AGX")
    response = client.get("/bodies/AGX/edit")
    assert response.status_code == 302 and "/auth/login" in response.headers["Location"]
    log_in(client, MembershipFactory(body=body, role=MembershipRole.CHAIR).account)
    assert client.get("/bodies/AGX/edit").status_code == 403
    assert client.post("/bodies/AGX/edit", data=_form(code="AGX", name="Gekapert")).status_code == 403
    log_in(client, AdminFactory())
    assert client.get("/bodies/AGX/edit").status_code == 200
    assert body.name != "Gekapert"


@pytest.mark.parametrize("relative", ["itself", "child", "grandchild"])
def test_a_body_cannot_report_to_itself_or_below(client, organiser, relative):
    top = BodyFactory(code="TOP")
    child = BodyFactory(code="CHILD", parent=top)
    grandchild = BodyFactory(code="GRAND", parent=child)
    target = {"itself": top, "child": child, "grandchild": grandchild}[relative]
    log_in(client, organiser)
    assert f'value="{target.id}"' not in html(client.get("/bodies/TOP/edit"))
    response = client.post("/bodies/TOP/edit", data=_form(code="TOP", parent_id=target.id))
    assert response.status_code == 200
    assert 'id="parent_id-error"' in html(response)
    assert top.parent_id is None


def test_editing_a_dissolved_body_is_409_with_a_message(client, organiser):
    body = BodyFactory(code="OLD", name="Alte Runde", dissolved_on=today() - timedelta(days=1))
    log_in(client, organiser)
    entries = count_rows(AuditEntry)
    for response in (client.get("/bodies/OLD/edit"), client.post("/bodies/OLD/edit", data=_form(code="OLD"))):
        assert response.status_code == 409
        assert "This body has been dissolved; it stays in the history but can no longer be changed." in html(response)
    assert body.name == "Alte Runde"
    assert count_rows(AuditEntry) == entries


def test_bad_edit_input_writes_nothing(client, organiser):
    BodyFactory(code="ITKR")
    body = BodyFactory(code="AGX", name="Bleibt")
    log_in(client, organiser)
    entries = count_rows(AuditEntry)
    response = client.post("/bodies/AGX/edit", data=_form(code="ITKR", name="Geändert"))
    assert response.status_code == 200
    assert 'id="code-error"' in html(response)
    assert (body.name, body.code) == ("Bleibt", "AGX")
    assert count_rows(AuditEntry) == entries


@pytest.mark.parametrize("code", ["%00", "A%00B", "X" * 300, "%C3%A4", "IT%20KR"])
def test_malformed_codes_are_404_not_500(client, organiser, code):
    BodyFactory(code="ITKR")
    log_in(client, organiser)
    for path in ("", "/history", "/edit", "/members/add"):
        assert client.get(f"/bodies/{code}{path}").status_code == 404


def test_a_body_under_a_dissolved_parent_can_be_saved_without_moving_it(client, organiser):
    old = BodyFactory(code="OLD", dissolved_on=today() - timedelta(days=1))
    child = BodyFactory(code="KID", name="Kind", parent=old)
    log_in(client, organiser)
    assert f'<option selected value="{old.id}">' in html(client.get("/bodies/KID/edit"))
    response = client.post("/bodies/KID/edit", data=_form(code="KID", name="Kind, umbenannt", parent_id=old.id))
    assert response.status_code == 302
    assert child.name == "Kind, umbenannt" and child.parent_id == old.id


def test_changes_need_the_csrf_token(csrf_app, organiser):
    client = csrf_app.test_client()
    membership = MembershipFactory(body=BodyFactory(code="AGX"))
    log_in(client, organiser)
    rows, entries = count_rows(Body), count_rows(AuditEntry)
    assert client.post("/bodies/create", data=_form()).status_code == 400
    assert client.post("/bodies/AGX/edit", data=_form(code="AGX")).status_code == 400
    assert client.post("/bodies/AGX/members/add", data={"account_id": organiser.id}).status_code == 400
    assert client.post(f"/bodies/AGX/members/{membership.id}/end", data={"end_on": "2024-01-01"}).status_code == 400
    assert (count_rows(Body), count_rows(AuditEntry), membership.end_on) == (rows, entries, None)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html(client.get("/bodies/create"))).group(1)
    assert client.post("/bodies/create", data={**_form(), "csrf_token": token}).status_code == 302
    assert count_rows(Body) == rows + 1
