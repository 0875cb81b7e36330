"""The body services without HTTP: create, edit, the rules they keep, the tree, and the quorum arithmetic."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from app.bodies import services
from app.clock import today
from app.errors import ConflictError, DomainError
from app.models import Body, BodyKind, BodyLevel, MembershipRole, QuorumRule, Visibility
from tests.factories import AccountFactory, OrganiserFactory
from tests.factories_bodies import BodyFactory, MembershipFactory, body_data, count_rows, data_of


@pytest.fixture
def organiser(app):
    return OrganiserFactory()


def test_create_body_stores_every_field(organiser):
    parent = BodyFactory(code="ITKR")
    body = services.create_body(
        organiser,
        body_data(
            name="  AG Register  ",
            code="agreg",
            kind=BodyKind.PROJECT_GROUP,
            level=BodyLevel.MUNICIPAL,
            parent=parent,
            mandate="**Registers**\n",
            visibility=Visibility.CONFIDENTIAL,
            parity_required=True,
            quorum_rule=QuorumRule.AT_LEAST_TWO_THIRDS,
            founded_on=date(2021, 5, 1),
        ),
    )
    assert body.id is not None
    assert (body.name, body.code, body.kind, body.level) == (
        "AG Register",
        "AGREG",
        BodyKind.PROJECT_GROUP,
        BodyLevel.MUNICIPAL,
    )
    assert body.parent is parent and parent.children == [body]
    assert body.mandate == "**Registers**"
    assert body.visibility is Visibility.CONFIDENTIAL and body.parity_required
    assert (body.quorum_rule, body.founded_on) == (QuorumRule.AT_LEAST_TWO_THIRDS, date(2021, 5, 1))
    assert services.get_body("agreg") is body


def test_duplicate_code_is_a_field_error(organiser):
    BodyFactory(code="ITKR")
    before = count_rows(Body)
    with pytest.raises(DomainError) as caught:
        services.create_body(organiser, body_data(code="ITKR"))
    assert caught.value.field == "code"
    # The services compare codes as stored, in capitals.
    with pytest.raises(DomainError) as caught:
        services.create_body(organiser, body_data(code="itkr"))
    assert caught.value.field == "code"
    assert count_rows(Body) == before


def test_another_bodys_code_is_refused_on_edit_but_keeping_the_own_is_fine(organiser):
    BodyFactory(code="ITKR")
    body = BodyFactory(code="AGX")
    with pytest.raises(DomainError) as caught:
        services.update_body(organiser, body, data_of(body, code="ITKR"))
    assert caught.value.field == "code"
    assert body.code == "AGX"
    services.update_body(organiser, body, data_of(body, name="Renamed"))
    assert body.name == "Renamed" and body.code == "AGX"


def test_parent_cannot_be_the_body_itself(organiser):
    body = BodyFactory()
    with pytest.raises(DomainError) as caught:
        services.update_body(organiser, body, data_of(body, parent=body))
    assert caught.value.field == "parent_id"
    assert body.parent_id is None


@pytest.mark.parametrize("depth", [1, 2])
def test_parent_cannot_be_a_descendant(organiser, depth):
    top = BodyFactory()
    below = BodyFactory(parent=top)
    lowest = BodyFactory(parent=below)
    descendant = below if depth == 1 else lowest
    with pytest.raises(DomainError) as caught:
        services.update_body(organiser, top, data_of(top, parent=descendant))
    assert caught.value.field == "parent_id"
    assert top.parent_id is None


def test_a_body_can_move_under_a_sibling(organiser):
    top = BodyFactory()
    left = BodyFactory(parent=top)
    right = BodyFactory(parent=top)
    services.update_body(organiser, right, data_of(right, parent=left))
    assert right.parent is left


def test_a_dissolved_parent_takes_no_new_bodies(organiser):
    old = BodyFactory(dissolved_on=today() - timedelta(days=1))
    with pytest.raises(DomainError) as caught:
        services.create_body(organiser, body_data(parent=old))
    assert caught.value.field == "parent_id"


def test_dissolved_before_founded_is_a_field_error(organiser):
    with pytest.raises(DomainError) as caught:
        services.create_body(organiser, body_data(founded_on=date(2022, 1, 2), dissolved_on=date(2022, 1, 1)))
    assert caught.value.field == "dissolved_on"
    assert count_rows(Body) == 0
    # The same day is fine.
    body = services.create_body(organiser, body_data(founded_on=date(2022, 1, 1), dissolved_on=date(2022, 1, 1)))
    assert body.is_dissolved(today())


def test_editing_a_dissolved_body_is_a_conflict(organiser):
    body = BodyFactory(name="Alte AG", dissolved_on=today() - timedelta(days=30))
    with pytest.raises(ConflictError):
        services.update_body(organiser, body, data_of(body, name="Neue AG", dissolved_on=None))
    assert body.name == "Alte AG"


def test_dissolving_in_the_future_keeps_the_body_editable(organiser):
    body = BodyFactory(dissolved_on=today() + timedelta(days=30))
    assert not body.is_dissolved(today())
    services.update_body(organiser, body, data_of(body, name="Still working"))
    assert body.name == "Still working"
    services.update_body(organiser, body, data_of(body, dissolved_on=today()))
    with pytest.raises(ConflictError):
        services.update_body(organiser, body, data_of(body, name="Too late"))


def test_body_choices_leave_out_the_body_its_descendants_and_dissolved_bodies(app):
    top = BodyFactory()
    child = BodyFactory(parent=top)
    grandchild = BodyFactory(parent=child)
    sibling = BodyFactory()
    dissolved = BodyFactory(dissolved_on=today() - timedelta(days=1))
    ids = {row[0] for row in services.body_choices(exclude=child)}
    assert ids == {top.id, sibling.id}
    assert {row[0] for row in services.body_choices()} == {top.id, child.id, grandchild.id, sibling.id}
    assert dissolved.id not in ids


def test_roster_groups_current_members_by_role_in_role_order(app):
    body = BodyFactory()
    member = MembershipFactory(body=body, account=AccountFactory(display_name="Zora"))
    chair = MembershipFactory(body=body, role=MembershipRole.CHAIR)
    guest = MembershipFactory(body=body, role=MembershipRole.GUEST, voting=False)
    other_member = MembershipFactory(body=body, account=AccountFactory(display_name="Anton"))
    future = MembershipFactory(body=body, start_on=today() + timedelta(days=10))
    ended = MembershipFactory(body=body, end_on=today())
    roster = services.roster(body)
    assert roster.by_role() == [
        (MembershipRole.CHAIR, [chair]),
        (MembershipRole.MEMBER, [other_member, member]),
        (MembershipRole.GUEST, [guest]),
    ]
    assert roster.former == []
    with_former = services.roster(body, include_former=True)
    assert set(with_former.former) == {future, ended}
    assert with_former.current == roster.current


def test_my_memberships_lists_only_current_ones(app):
    account = AccountFactory()
    current = MembershipFactory(account=account)
    MembershipFactory(account=account, end_on=today())
    MembershipFactory(account=account, start_on=today() + timedelta(days=1))
    MembershipFactory()  # someone else's
    assert services.my_memberships(account) == [current]


# Quorum: the smallest number of voting members present that makes a quorum.

MORE_THAN_HALF = [(1, 1), (2, 2), (3, 2), (4, 3), (5, 3), (15, 8), (16, 9), (17, 9)]
AT_LEAST_HALF = [(1, 1), (2, 1), (4, 2), (5, 3), (16, 8), (17, 9)]
# Two thirds of n, rounded up; the multiples of three are where a whole percentage (67 %) would go wrong.
AT_LEAST_TWO_THIRDS = [(1, 1), (2, 2), (4, 3), (5, 4), (7, 5), (10, 7), (16, 11), (100, 67)]
AT_LEAST_TWO_THIRDS_MULTIPLES_OF_THREE = [(3, 2), (6, 4), (9, 6), (15, 10), (150, 100)]


def _quorum(rule: str, voting_members: int) -> int:
    return Body(quorum_rule=QuorumRule(rule)).quorum_needed(voting_members)


@pytest.mark.parametrize(("members", "needed"), MORE_THAN_HALF)
def test_quorum_more_than_half(members, needed):
    assert _quorum("more_than_half", members) == needed


@pytest.mark.parametrize(("members", "needed"), AT_LEAST_HALF)
def test_quorum_at_least_half(members, needed):
    assert _quorum("at_least_half", members) == needed


@pytest.mark.parametrize(("members", "needed"), AT_LEAST_TWO_THIRDS)
def test_quorum_at_least_two_thirds(members, needed):
    assert _quorum("at_least_two_thirds", members) == needed


@pytest.mark.parametrize(("members", "needed"), AT_LEAST_TWO_THIRDS_MULTIPLES_OF_THREE)
def test_quorum_at_least_two_thirds_of_a_multiple_of_three(members, needed):
    assert _quorum("at_least_two_thirds", members) == needed


def test_the_default_quorum_is_more_than_half(organiser):
    body = services.create_body(organiser, body_data())
    assert body.quorum_rule is QuorumRule.MORE_THAN_HALF
    assert body.quorum_needed(16) == 9


def test_a_body_under_a_dissolved_parent_stays_editable(organiser):
    old = BodyFactory(dissolved_on=today() - timedelta(days=1))
    child = BodyFactory(parent=old, name="Kind")
    services.update_body(organiser, child, data_of(child, name="Kind, umbenannt"))
    assert child.name == "Kind, umbenannt" and child.parent is old
    # Its parent stays on offer in the form, so that saving it does not force a move.
    assert old.id in {row[0] for row in services.body_choices(exclude=child)}
    assert old.id not in {row[0] for row in services.body_choices()}


@pytest.mark.parametrize("code", ["\x00", "IT\x00KR", "X" * 300, "ä", "IT KR", "", "/"])
def test_looking_up_a_code_that_cannot_exist_finds_nothing(app, code):
    BodyFactory(code="ITKR")
    assert services.get_body(code) is None
