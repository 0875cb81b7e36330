"""Action item services without HTTP: creating, editing, closing, the person's list and the follow-up."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select

from app.actions import services
from app.actions.services import ActionItemData
from app.errors import ConflictError, DomainError
from app.extensions import db
from app.models import ActionItem, ActionItemStatus, AuditEntry, MeetingStatus, MinutesStatus, Visibility
from tests.factories import AccountFactory, OrganisationFactory, OrganiserFactory
from tests.factories_bodies import BodyFactory, count_rows
from tests.factories_invitations import FutureMeetingFactory
from tests.factories_minutes import HELD_AT, ActionItemFactory, DecisionFactory, HeldMeetingFactory, make_sitting

TODAY = date(2026, 3, 12)  # two days after the sitting


@pytest.fixture(autouse=True)
def english(app):
    app.extensions["babel"].locale_selector = lambda: "en"


@pytest.fixture
def sitting(app):
    return make_sitting()


def data(**overrides) -> ActionItemData:
    values = {"description": "Entwurf der Rahmenvereinbarung verschicken", "due_on": date(2026, 4, 15)}
    values.update(overrides)
    return ActionItemData(**values)


def audit_entries() -> list[AuditEntry]:
    return list(db.session.scalars(select(AuditEntry).where(AuditEntry.object_type == "action_item")))


# Creating


def test_an_item_from_an_agenda_item_belongs_to_the_meetings_body(sitting):
    cast = sitting.cast
    item = services.create_action_item(
        cast.secretary, sitting.meeting, data(assignee_account_id=cast.member.id), TODAY,
        agenda_item=sitting.public_item,
    )
    assert item.body_id == cast.body.id and item.meeting_id == sitting.meeting.id
    assert item.agenda_item_id == sitting.public_item.id and item.decision_id is None
    assert item.assignee_account_id == cast.member.id and item.assignee_organisation_id is None
    assert item.status is ActionItemStatus.OPEN and item.completed_at is None
    assert item.created_by_id == cast.secretary.id
    [entry] = audit_entries()
    assert entry.action == "create" and entry.actor_id == cast.secretary.id and entry.object_id == item.id
    assert entry.changes["assignee_account_id"] == [None, cast.member.id]


def test_an_item_from_a_decision_takes_the_decisions_agenda_item(sitting):
    decision = DecisionFactory(minutes=sitting.minutes, agenda_item=sitting.closed_item)
    organisation = OrganisationFactory(name="Zweckverband eGo-Saar")
    item = services.create_action_item(
        sitting.cast.chair, sitting.meeting, data(assignee_organisation_id=organisation.id), TODAY, decision=decision
    )
    assert item.decision_id == decision.id and item.agenda_item_id == sitting.closed_item.id
    assert item.assignee_organisation_id == organisation.id and item.assignee_account_id is None


def test_approved_minutes_are_no_obstacle(sitting):
    """Action items are work to do, not record: they can be added whatever the state of the minutes."""
    sitting.minutes.status = MinutesStatus.APPROVED
    db.session.commit()
    item = services.create_action_item(
        sitting.cast.secretary, sitting.meeting, data(assignee_account_id=sitting.cast.member.id), TODAY
    )
    assert item.id is not None and item.agenda_item_id is None


def test_a_source_must_belong_to_the_meeting(sitting):
    other = make_sitting()
    decision = DecisionFactory(minutes=sitting.minutes, agenda_item=sitting.public_item)
    foreign_decision = DecisionFactory(minutes=other.minutes, agenda_item=other.public_item)
    assert services.get_source(sitting.meeting, None, None) == (None, None)
    assert services.get_source(sitting.meeting, sitting.public_item.id, None) == (sitting.public_item, None)
    assert services.get_source(sitting.meeting, None, decision.id) == (sitting.public_item, decision)
    assert services.get_source(sitting.meeting, sitting.public_item.id, decision.id) == (sitting.public_item, decision)
    assert services.get_source(sitting.meeting, other.public_item.id, None) is None
    assert services.get_source(sitting.meeting, None, foreign_decision.id) is None
    assert services.get_source(sitting.meeting, sitting.closed_item.id, decision.id) is None  # not together
    assert services.get_source(sitting.meeting, 999999, None) is None
    assert services.get_source(sitting.meeting, None, 999999) is None


@pytest.mark.parametrize(
    "overrides, field, message",
    [
        ({"description": "   "}, "description", "Please describe what is to be done."),
        ({"description": "x" * 2001}, "description", "at most 2000 characters"),
        ({"due_on": date(2026, 3, 11)}, "due_on", "has already passed"),
        ({"due_on": date(2040, 1, 1)}, "due_on", "within the next 10 years"),
        ({"assignee_account_id": None}, "assignee", "either a person or an organisation"),
        ({"assignee_organisation_id": "both"}, "assignee", "either a person or an organisation"),
        ({"assignee_account_id": 999999}, "assignee", "choose a person from the list"),
        ({"assignee_account_id": 2**40}, "assignee", "choose a person from the list"),
        ({"assignee_account_id": None, "assignee_organisation_id": 2**40}, "assignee", "organisation from the list"),
        ({"assignee_account_id": None, "assignee_organisation_id": 999999}, "assignee", "organisation from the list"),
    ],
)
def test_bad_input_is_refused_without_a_write(sitting, overrides, field, message):
    cast = sitting.cast
    values = {"assignee_account_id": cast.member.id}
    values.update(overrides)
    if values.get("assignee_organisation_id") == "both":
        values["assignee_organisation_id"] = cast.member.organisation_id
    with pytest.raises(DomainError) as raised:
        services.create_action_item(cast.secretary, sitting.meeting, data(**values), TODAY)
    assert raised.value.field == field and message in raised.value.message
    db.session.rollback()
    assert count_rows(ActionItem) == 0 and audit_entries() == []


def test_due_today_and_without_a_date_are_fine(sitting):
    cast = sitting.cast
    today = services.create_action_item(
        cast.secretary, sitting.meeting, data(assignee_account_id=cast.member.id, due_on=TODAY), TODAY
    )
    open_ended = services.create_action_item(
        cast.secretary, sitting.meeting, data(assignee_account_id=cast.member.id, due_on=None), TODAY
    )
    assert today.due_on == TODAY and open_ended.due_on is None


def test_a_deactivated_person_cannot_be_chosen(sitting):
    gone = AccountFactory(active=False)
    with pytest.raises(DomainError, match="choose a person"):
        services.create_action_item(sitting.cast.secretary, sitting.meeting, data(assignee_account_id=gone.id), TODAY)


def test_a_confidential_body_assigns_only_people_who_see_it():
    sitting = make_sitting(Visibility.CONFIDENTIAL)
    cast = sitting.cast
    with pytest.raises(DomainError, match="cannot see this confidential body"):
        services.create_action_item(cast.secretary, sitting.meeting, data(assignee_account_id=cast.outsider.id), TODAY)
    for person in (cast.member, cast.organiser):
        item = services.create_action_item(cast.secretary, sitting.meeting, data(assignee_account_id=person.id), TODAY)
        assert item.assignee_account_id == person.id
    choices = services.assignee_choices(cast.body)
    assert {id_ for id_, _name in choices.others} == {cast.organiser.id, cast.admin.id}


def test_cancelled_meetings_events_and_dissolved_bodies_take_no_items(sitting):
    cast = sitting.cast
    cancelled = HeldMeetingFactory(body=cast.body, status=MeetingStatus.CANCELLED)
    with pytest.raises(ConflictError, match="cancelled"):
        services.create_action_item(cast.secretary, cancelled, data(assignee_account_id=cast.member.id), TODAY)
    event = HeldMeetingFactory(body=None)
    with pytest.raises(ConflictError, match="meetings of a body"):
        services.create_action_item(cast.organiser, event, data(assignee_account_id=cast.member.id), TODAY)
    cast.body.dissolved_on = date(2026, 1, 1)
    db.session.commit()
    with pytest.raises(ConflictError, match="dissolved"):
        services.create_action_item(cast.secretary, sitting.meeting, data(assignee_account_id=cast.member.id), TODAY)
    assert count_rows(ActionItem) == 0


# Editing and status


def test_editing_changes_what_who_and_when_and_is_audited(sitting):
    cast = sitting.cast
    item = ActionItemFactory(body=cast.body, meeting=sitting.meeting, assignee_account=cast.member)
    organisation = OrganisationFactory()
    services.update_action_item(
        cast.chair, item, data(description="Neu", assignee_organisation_id=organisation.id, due_on=date(2026, 5, 1)),
        TODAY,
    )
    assert (item.description, item.assignee_account_id, item.assignee_organisation_id, item.due_on) == (
        "Neu", None, organisation.id, date(2026, 5, 1)
    )
    [entry] = audit_entries()
    assert entry.action == "update" and entry.actor_id == cast.chair.id
    assert entry.changes["assignee_organisation_id"] == [None, organisation.id]
    assert entry.changes["assignee_account_id"] == [cast.member.id, None]


def test_an_old_due_date_may_stay_but_not_be_chosen_anew(sitting):
    cast = sitting.cast
    item = ActionItemFactory(body=cast.body, assignee_account=cast.member, due_on=date(2026, 3, 1))
    unchanged = data(assignee_account_id=cast.member.id, due_on=date(2026, 3, 1))
    services.update_action_item(cast.chair, item, unchanged, TODAY)
    with pytest.raises(DomainError, match="already passed"):
        services.update_action_item(
            cast.chair, item, data(assignee_account_id=cast.member.id, due_on=date(2026, 3, 2)), TODAY
        )


def test_a_deactivated_assignee_may_stay(sitting):
    cast = sitting.cast
    gone = AccountFactory(active=False)
    item = ActionItemFactory(body=cast.body, assignee_account=gone, due_on=None)
    services.update_action_item(cast.chair, item, data(description="Übergeben", assignee_account_id=gone.id), TODAY)
    assert item.description == "Übergeben" and item.assignee_account_id == gone.id


def test_closing_and_reopening_sets_and_clears_completed_at(sitting):
    cast = sitting.cast
    item = ActionItemFactory(body=cast.body, assignee_account=cast.member)
    moment = datetime(2026, 3, 20, 8, 0, tzinfo=UTC)
    assert services.change_status(cast.member, item, ActionItemStatus.DONE, moment) is True
    assert item.status is ActionItemStatus.DONE and item.completed_at == moment
    assert services.change_status(cast.member, item, ActionItemStatus.DONE) is False  # a second click: nothing
    assert services.change_status(cast.chair, item, ActionItemStatus.OPEN) is True
    assert item.status is ActionItemStatus.OPEN and item.completed_at is None
    assert services.change_status(cast.chair, item, ActionItemStatus.DROPPED) is True
    assert item.completed_at is not None
    assert [entry.changes["status"][1] for entry in audit_entries()] == ["done", "open", "dropped"]


# Whom an item can go to


def test_assignee_choices_list_members_first(sitting):
    cast = sitting.cast
    gone = AccountFactory(active=False, display_name="Gerd Gegangen")
    choices = services.assignee_choices(cast.body)
    assert {name for _id, name in choices.members} == {a.display_name for a in cast.members()}
    other_ids = {id_ for id_, _name in choices.others}
    assert cast.outsider.id in other_ids and cast.member.id not in other_ids and gone.id not in other_ids
    assert cast.member.organisation_id in {id_ for id_, _name in choices.organisations}
    item = ActionItemFactory(body=cast.body, assignee_account=gone)
    assert gone.id in {id_ for id_, _name in services.assignee_choices(cast.body, item).others}


# My action items


def test_my_items_are_mine_and_my_organisations_open_ones_overdue_first(sitting):
    cast = sitting.cast
    me = cast.member
    later = ActionItemFactory(body=cast.body, assignee_account=me, due_on=date(2026, 6, 1), description="später")
    undated = ActionItemFactory(body=cast.body, assignee_account=me, due_on=None, description="ohne Datum")
    overdue = ActionItemFactory(body=cast.body, assignee_account=me, due_on=date(2026, 3, 1), description="überfällig")
    ours = ActionItemFactory(
        body=cast.body, assignee_organisation=me.organisation, due_on=date(2026, 4, 1), description="unsere"
    )
    ActionItemFactory(body=cast.body, assignee_account=me, status=ActionItemStatus.DONE)
    ActionItemFactory(body=cast.body, assignee_account=cast.chair)
    ActionItemFactory(body=cast.body, assignee_organisation=OrganisationFactory())
    assert services.my_action_items(me, TODAY) == [overdue, ours, later, undated]
    assert overdue.is_overdue(TODAY) and not ours.is_overdue(TODAY)
    colleague = AccountFactory(organisation=me.organisation)
    assert services.my_action_items(colleague, TODAY) == [ours]


def test_my_items_leave_out_confidential_bodies_i_cannot_see():
    sitting = make_sitting(Visibility.CONFIDENTIAL)
    organisation = sitting.cast.member.organisation
    item = ActionItemFactory(body=sitting.cast.body, assignee_organisation=organisation)
    colleague = AccountFactory(organisation=organisation)  # same organisation, not a member
    assert services.my_action_items(colleague, TODAY) == []
    assert services.my_action_items(sitting.cast.member, TODAY) == [item]
    organiser = OrganiserFactory(organisation=organisation)
    assert services.my_action_items(organiser, TODAY) == [item]


def test_my_items_need_no_organisation(app):
    loner = AccountFactory(organisation=None)
    item = ActionItemFactory(assignee_account=loner)
    ActionItemFactory(assignee_organisation=OrganisationFactory())
    assert services.my_action_items(loner, TODAY) == [item]


def _bulk_items(count: int, **fields) -> None:
    db.session.add_all(ActionItem(description=f"Aufgabe {n}", due_on=TODAY + timedelta(days=n % 40 - 20), **fields)
                       for n in range(count))
    db.session.commit()


def test_my_items_run_a_fixed_number_of_statements_for_10_or_1000(app, count_statements):
    me = AccountFactory()
    bodies = [BodyFactory() for _ in range(3)]
    meeting = HeldMeetingFactory(body=bodies[0])
    counts = []
    for size in (10, 990):
        for body in bodies:
            _bulk_items(size // 3, body_id=body.id, meeting_id=meeting.id, assignee_account_id=me.id)
        _bulk_items(size - 3 * (size // 3), body_id=bodies[0].id, assignee_organisation_id=me.organisation_id)
        db.session.expire_all()
        assert me.organisation_id  # the person is loaded before, as on a page
        with count_statements() as counter:
            items = services.my_action_items(me, TODAY)
            for item in items:  # what the dashboard shows of each
                assert item.body.name and (item.assignee_account or item.assignee_organisation)
                assert item.meeting is None or item.meeting.title
        counts.append((counter.count, len(items)))
    assert counts[0][1] == 10 and counts[1][1] == 1000
    assert counts[0][0] == counts[1][0] <= 2


# Follow-up on the next meeting


@pytest.fixture
def follow_up_case(sitting):
    """An open item from the held sitting; a later planned meeting, an earlier one, a cancelled one."""
    cast = sitting.cast
    item = ActionItemFactory(body=cast.body, meeting=sitting.meeting, assignee_account=cast.member)
    ActionItemFactory(body=cast.body, meeting=sitting.meeting, assignee_account=cast.member,
                      status=ActionItemStatus.DONE)
    return sitting, item


def test_open_items_follow_up_on_the_next_meeting(follow_up_case):
    sitting, item = follow_up_case
    cast = sitting.cast
    later = FutureMeetingFactory(body=cast.body, status=MeetingStatus.PLANNED)
    assert services.follow_up_items(later, cast.member, TODAY) == [item]
    later.status = MeetingStatus.CONFIRMED
    assert services.follow_up_items(later, cast.organiser, TODAY) == [item]
    # an item of a later meeting, or of the meeting itself, is not its follow-up
    own = ActionItemFactory(body=cast.body, meeting=later, assignee_account=cast.member)
    assert own not in services.follow_up_items(later, cast.member, TODAY)


def test_no_follow_up_on_earlier_cancelled_or_held_meetings_or_for_outsiders(follow_up_case):
    sitting, item = follow_up_case
    cast = sitting.cast
    earlier = FutureMeetingFactory(body=cast.body, starts_at=HELD_AT - timedelta(days=30),
                                   ends_at=HELD_AT - timedelta(days=30, hours=-2))
    cancelled = FutureMeetingFactory(body=cast.body, status=MeetingStatus.CANCELLED)
    held = FutureMeetingFactory(body=cast.body, status=MeetingStatus.HELD)
    other_body = FutureMeetingFactory()
    for meeting in (earlier, cancelled, held, sitting.meeting, other_body):
        assert services.follow_up_items(meeting, cast.member, TODAY) == []
    later = FutureMeetingFactory(body=cast.body)
    assert services.follow_up_items(later, cast.outsider, TODAY) == []
    assert services.follow_up_items(FutureMeetingFactory(body=None), cast.organiser, TODAY) == []


def test_items_without_a_meeting_follow_up_once_created(sitting):
    cast = sitting.cast
    loose = ActionItemFactory(body=cast.body, assignee_account=cast.member)  # created now
    later = FutureMeetingFactory(body=cast.body)
    assert services.follow_up_items(later, cast.member, TODAY) == [loose]
    earlier = FutureMeetingFactory(body=cast.body, starts_at=HELD_AT, ends_at=HELD_AT + timedelta(hours=1))
    assert services.follow_up_items(earlier, cast.member, TODAY) == []


def test_follow_up_runs_one_statement_for_5_or_200_items_and_none_for_outsiders(follow_up_case, count_statements):
    sitting, _item = follow_up_case
    cast = sitting.cast
    later = FutureMeetingFactory(body=cast.body)
    counts = []
    for size in (5, 200):
        _bulk_items(size, body_id=cast.body.id, meeting_id=sitting.meeting.id, assignee_account_id=cast.member.id)
        services.follow_up_items(later, cast.member, TODAY)  # the member's roles, cached per transaction
        with count_statements() as counter:
            items = services.follow_up_items(later, cast.member, TODAY)
            for item in items:
                assert item.assignee_account.display_name and item.meeting.title
        counts.append(counter.count)
    assert counts == [1, 1]
    services.follow_up_items(later, cast.outsider, TODAY)
    with count_statements() as counter:
        assert services.follow_up_items(later, cast.outsider, TODAY) == []
    assert counter.count == 0
