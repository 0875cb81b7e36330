"""Decision services without HTTP: recording on an agenda item, vote checks, the votes text, audit."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from flask_babel import force_locale
from sqlalchemy import select

from app.decisions import services
from app.decisions.display import outcome_label, votes_text
from app.decisions.numbering import number_decisions
from app.errors import ConflictError, DomainError
from app.extensions import db
from app.models import (
    ActionItem,
    AttendanceStatus,
    AuditEntry,
    ConflictOfInterest,
    Decision,
    DecisionOutcome,
    MeetingKind,
    MeetingStatus,
    Minutes,
    MinutesStatus,
)
from tests.factories import OrganiserFactory
from tests.factories_agendas import AgendaItemFactory
from tests.factories_bodies import count_rows
from tests.factories_minutes import (
    ActionItemFactory,
    AttendanceFactory,
    DecisionFactory,
    HeldMeetingFactory,
    make_sitting,
)

ADOPTED = DecisionOutcome.ADOPTED


def data(**overrides) -> services.DecisionData:
    values = {
        "title": "Einführung des Antragsassistenten",
        "text": "Der Rat beschließt die **Einführung**.",
        "outcome": ADOPTED,
        "votes_yes": None,
        "votes_no": None,
        "votes_abstain": None,
        "public": True,
    }
    values.update(overrides)
    return services.DecisionData(**values)


@pytest.fixture
def sitting(app):
    return make_sitting()


def present(sitting, *accounts, status=AttendanceStatus.PRESENT):
    for account in accounts:
        AttendanceFactory(meeting=sitting.meeting, account=account, status=status)


# Adding


def test_a_decision_is_recorded_on_the_item_with_the_meetings_local_day(sitting):
    decision = services.add_decision(sitting.cast.secretary, sitting.public_item, data())
    assert decision.minutes_id == sitting.minutes.id
    assert decision.body_id == sitting.cast.body.id
    assert decision.agenda_item_id == sitting.public_item.id
    assert decision.decided_on == date(2026, 3, 10)
    assert decision.number is None and decision.year is None and decision.serial is None
    assert decision.position == 1
    assert services.add_decision(sitting.cast.secretary, sitting.public_item, data(title="Zweiter")).position == 2
    assert services.add_decision(sitting.cast.secretary, sitting.closed_item, data(public=False)).position == 1


def test_the_day_is_the_meetings_day_where_it_took_place(app):
    # 23:30 UTC on 10 March is 00:30 on 11 March in Berlin.
    starts_at = datetime(2026, 3, 10, 23, 30, tzinfo=UTC)
    meeting = HeldMeetingFactory(starts_at=starts_at, ends_at=starts_at + timedelta(hours=1))
    item = AgendaItemFactory(meeting=meeting)
    decision = services.add_decision(OrganiserFactory(), item, data())
    assert decision.decided_on == date(2026, 3, 11)


def test_the_minutes_are_begun_when_the_first_decision_is_recorded(app):
    meeting = HeldMeetingFactory()
    item = AgendaItemFactory(meeting=meeting)
    assert count_rows(Minutes) == 0
    decision = services.add_decision(OrganiserFactory(), item, data())
    minutes = db.session.scalar(select(Minutes))
    assert minutes.meeting_id == meeting.id and decision.minutes_id == minutes.id


def test_adding_writes_an_audit_entry(sitting):
    decision = services.add_decision(sitting.cast.secretary, sitting.public_item, data(votes_yes=2))
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.object_type == "decision"))
    assert entry.action == "create" and entry.object_id == decision.id
    assert entry.actor_id == sitting.cast.secretary.id
    assert entry.changes["title"] == [None, "Einführung des Antragsassistenten"]
    assert entry.changes["votes_yes"] == [None, 2]


def test_the_title_is_required_and_trimmed(sitting):
    with pytest.raises(DomainError) as error:
        services.add_decision(sitting.cast.secretary, sitting.public_item, data(title="   "))
    assert error.value.field == "title"
    decision = services.add_decision(sitting.cast.secretary, sitting.public_item, data(title="  Beschluss  "))
    assert decision.title == "Beschluss"


@pytest.mark.parametrize(
    ("field", "value"),
    [("title", "x" * (services.MAX_TITLE + 1)), ("text", "x" * (services.MAX_TEXT + 1))],
)
def test_lengths_are_limited(sitting, field, value):
    with pytest.raises(DomainError) as error:
        services.add_decision(sitting.cast.secretary, sitting.public_item, data(**{field: value}))
    assert error.value.field == field
    db.session.rollback()
    assert count_rows(Decision) == 0


def test_an_event_without_a_body_has_no_decisions(app):
    event = HeldMeetingFactory(body=None, kind=MeetingKind.INFORMATION_EVENT)
    item = AgendaItemFactory(meeting=event)
    with pytest.raises(ConflictError) as error:
        services.add_decision(OrganiserFactory(), item, data())
    assert "without a body" in error.value.message
    assert count_rows(Decision) == 0 and count_rows(Minutes) == 0


def test_a_cancelled_meeting_took_no_decisions(sitting):
    sitting.meeting.status = MeetingStatus.CANCELLED
    db.session.commit()
    with pytest.raises(ConflictError):
        services.add_decision(sitting.cast.secretary, sitting.public_item, data())


def test_a_decision_on_a_non_public_item_cannot_be_public(sitting):
    with pytest.raises(DomainError) as error:
        services.add_decision(sitting.cast.secretary, sitting.closed_item, data(public=True))
    assert error.value.field == "public"
    sub_item = AgendaItemFactory(meeting=sitting.meeting, parent=sitting.closed_item, public=True)
    with pytest.raises(DomainError):
        services.add_decision(sitting.cast.secretary, sub_item, data(public=True))
    assert services.add_decision(sitting.cast.secretary, sub_item, data(public=False)).public is False


def test_a_public_item_may_have_a_non_public_decision(sitting):
    assert services.add_decision(sitting.cast.secretary, sitting.public_item, data(public=False)).public is False


# Approved minutes are frozen


def approve(minutes: Minutes) -> None:
    minutes.status = MinutesStatus.APPROVED
    number_decisions(minutes)
    db.session.commit()


def test_nothing_changes_once_the_minutes_are_approved(sitting):
    decision = services.add_decision(sitting.cast.secretary, sitting.public_item, data())
    approve(sitting.minutes)
    with pytest.raises(ConflictError):
        services.add_decision(sitting.cast.secretary, sitting.public_item, data(title="Nachtrag"))
    with pytest.raises(ConflictError):
        services.update_decision(sitting.cast.secretary, decision, data(title="Geändert"))
    with pytest.raises(ConflictError):
        services.delete_decision(sitting.cast.secretary, decision)
    db.session.rollback()
    decisions = db.session.scalars(select(Decision)).all()
    assert [(d.title, d.number) for d in decisions] == [
        ("Einführung des Antragsassistenten", f"{sitting.cast.body.code}-2026-001")
    ]


# Votes


def test_votes_may_be_left_empty(sitting):
    decision = services.add_decision(sitting.cast.secretary, sitting.public_item, data(outcome=DecisionOutcome.NOTED))
    assert (decision.votes_yes, decision.votes_no, decision.votes_abstain) == (None, None, None)


def test_counts_left_empty_beside_others_are_none(sitting):
    decision = services.add_decision(sitting.cast.secretary, sitting.public_item, data(votes_yes=3))
    assert (decision.votes_yes, decision.votes_no, decision.votes_abstain) == (3, 0, 0)


@pytest.mark.parametrize("field", ["votes_yes", "votes_no", "votes_abstain"])
@pytest.mark.parametrize("value", [-1, services.MAX_VOTES + 1, True, 1.5, "3"])
def test_counts_are_whole_numbers_of_zero_or_more(sitting, field, value):
    with pytest.raises(DomainError) as error:
        services.add_decision(sitting.cast.secretary, sitting.public_item, data(**{field: value}))
    assert error.value.field == field
    db.session.rollback()
    assert count_rows(Decision) == 0


def test_without_attendance_any_plausible_count_is_taken(sitting):
    decision = services.add_decision(sitting.cast.secretary, sitting.public_item, data(votes_yes=40, votes_no=2))
    assert decision.votes_yes == 40


def test_votes_cannot_exceed_the_voting_members_present(sitting):
    cast = sitting.cast
    # Three voting seats (chair, deputy, member; the secretary does not vote); two present.
    present(sitting, cast.chair, cast.member, cast.secretary)
    present(sitting, cast.deputy, status=AttendanceStatus.EXCUSED)
    with pytest.raises(DomainError) as error:
        services.add_decision(cast.secretary, sitting.public_item, data(votes_yes=2, votes_abstain=1))
    assert error.value.field == "votes_yes"
    assert "add up to 3" in error.value.message and "only 2 voting members" in error.value.message
    db.session.rollback()
    assert count_rows(Decision) == 0
    decision = services.add_decision(cast.secretary, sitting.public_item, data(votes_yes=1, votes_no=1))
    assert (decision.votes_yes, decision.votes_no) == (1, 1)


def test_declared_attendance_without_anyone_present_allows_no_votes(sitting):
    sitting.minutes.attendance_recorded_at = datetime(2026, 3, 10, 12, tzinfo=UTC)
    db.session.commit()
    with pytest.raises(DomainError) as error:
        services.add_decision(sitting.cast.secretary, sitting.public_item, data(votes_yes=1))
    assert "only 0 voting members" in error.value.message
    assert services.add_decision(sitting.cast.secretary, sitting.public_item, data(votes_yes=0)).votes_yes == 0


def test_members_excluded_for_a_conflict_of_interest_do_not_count(sitting):
    cast = sitting.cast
    present(sitting, cast.chair, cast.deputy, cast.member)
    db.session.add(ConflictOfInterest(agenda_item_id=sitting.public_item.id, account_id=cast.member.id))
    db.session.commit()
    with pytest.raises(DomainError) as error:
        services.add_decision(cast.secretary, sitting.public_item, data(votes_yes=3))
    assert "only 2 voting members" in error.value.message
    db.session.rollback()
    services.add_decision(cast.secretary, sitting.public_item, data(votes_yes=2))
    # The exclusion is for that item only.
    services.add_decision(cast.secretary, sitting.closed_item, data(votes_yes=3, public=False))


def test_a_single_member_present_reads_in_the_singular(sitting):
    present(sitting, sitting.cast.chair)
    with pytest.raises(DomainError) as error:
        services.add_decision(sitting.cast.secretary, sitting.public_item, data(votes_yes=2))
    assert "only 1 voting member was present" in error.value.message


# Updating and deleting


def test_updating_changes_the_fields_and_audits_only_the_changes(sitting):
    decision = services.add_decision(sitting.cast.secretary, sitting.public_item, data())
    services.update_decision(
        sitting.cast.organiser,
        decision,
        data(title="Neuer Titel", votes_yes=3, votes_no=1, votes_abstain=0, outcome=DecisionOutcome.REJECTED),
    )
    db.session.expire_all()
    decision = db.session.get(Decision, decision.id)
    assert (decision.title, decision.outcome, decision.votes_yes, decision.votes_no) == (
        "Neuer Titel",
        DecisionOutcome.REJECTED,
        3,
        1,
    )
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "update"))
    assert entry.actor_id == sitting.cast.organiser.id
    assert set(entry.changes) == {"title", "votes_yes", "votes_no", "votes_abstain", "outcome"}


def test_a_bad_update_changes_nothing(sitting):
    decision = services.add_decision(sitting.cast.secretary, sitting.public_item, data())
    with pytest.raises(DomainError):
        services.update_decision(sitting.cast.secretary, decision, data(title="Neu", votes_no=-1))
    db.session.rollback()
    db.session.expire_all()
    assert db.session.get(Decision, decision.id).title == "Einführung des Antragsassistenten"
    assert count_rows(AuditEntry) == 1


def test_deleting_removes_it_and_keeps_its_action_items_on_the_item(sitting):
    decision = services.add_decision(sitting.cast.secretary, sitting.public_item, data())
    action_item = ActionItemFactory(body=sitting.cast.body, decision=decision, assignee_account=sitting.cast.member)
    services.delete_decision(sitting.cast.secretary, decision)
    assert count_rows(Decision) == 0
    db.session.expire_all()
    kept = db.session.get(ActionItem, action_item.id)
    assert kept.decision_id is None and kept.agenda_item_id == sitting.public_item.id
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "delete"))
    assert entry.object_type == "decision" and entry.summary == "Einführung des Antragsassistenten"


# How votes read


@pytest.mark.parametrize(
    ("votes", "english"),
    [
        ((None, None, None), ""),
        ((5, 0, 0), "unanimous"),
        ((5, None, None), "unanimous"),
        ((5, 0, 1), "5 in favour, 0 against, 1 abstention"),
        ((3, 2, 2), "3 in favour, 2 against, 2 abstentions"),
        ((0, 4, 0), "0 in favour, 4 against, 0 abstentions"),
        ((0, 0, 0), "0 in favour, 0 against, 0 abstentions"),
    ],
)
def test_votes_read_german_style(app, votes, english):
    decision = Decision(votes_yes=votes[0], votes_no=votes[1], votes_abstain=votes[2])
    with app.test_request_context(), force_locale("en"):
        assert votes_text(decision) == english


def test_every_outcome_has_a_label(app):
    with app.test_request_context(), force_locale("en"):
        assert [outcome_label(outcome) for outcome in DecisionOutcome] == ["Adopted", "Rejected", "Deferred", "Noted"]


def test_the_factory_decisions_read_too(sitting):
    decision = DecisionFactory(minutes=sitting.minutes, agenda_item=sitting.public_item, votes_yes=4, votes_no=1)
    with force_locale("en"):
        assert votes_text(decision) == "4 in favour, 1 against, 0 abstentions"


# Numbers: sequential per body and year, never reused, unique under concurrent approvals


def sitting_with_decisions(body=None, count: int = 3, visibility=None):
    """Minutes with `count` decisions and attendance recorded (all voting members present), ready to approve."""
    from tests.factories_minutes import MinutesFactory

    if body is None:
        sitting = make_sitting()
        meeting, minutes, cast = sitting.meeting, sitting.minutes, sitting.cast
    else:
        meeting = HeldMeetingFactory(body=body)
        minutes = MinutesFactory(meeting=meeting)
        cast = None
    item = AgendaItemFactory(meeting=meeting, position=5)
    for position in range(1, count + 1):
        DecisionFactory(minutes=minutes, agenda_item=item, position=position)
    minutes.attendance_recorded_at = datetime(2026, 3, 10, 12, tzinfo=UTC)
    db.session.commit()
    return minutes, cast


def test_numbers_run_per_body_and_are_never_reused(app):
    minutes, _cast = sitting_with_decisions(count=2)
    body = minutes.meeting.body
    approve(minutes)
    assert [d.number for d in minutes.decisions] == [f"{body.code}-2026-001", f"{body.code}-2026-002"]
    # Even if a numbered decision disappeared from the database, its number is not given again.
    db.session.execute(Decision.__table__.delete().where(Decision.serial == 2))
    db.session.commit()
    later, _ = sitting_with_decisions(body=body, count=1)
    approve(later)
    assert [d.number for d in later.decisions] == [f"{body.code}-2026-003"]
    from app.models import DecisionCounter

    assert db.session.get(DecisionCounter, (body.id, 2026)).last_serial == 3


def test_the_database_refuses_a_duplicate_number(app):
    from sqlalchemy.exc import IntegrityError

    minutes, _cast = sitting_with_decisions(count=1)
    approve(minutes)
    numbered = minutes.decisions[0]
    other, _ = sitting_with_decisions(body=minutes.meeting.body, count=1)
    duplicate = other.decisions[0]
    # The same body, year and serial under another number text ...
    duplicate.year, duplicate.serial, duplicate.number = 2026, numbered.serial, "ANDERS-2026-001"
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()
    # ... and the same number text.
    duplicate = db.session.get(Decision, other.decisions[0].id)
    duplicate.year, duplicate.serial, duplicate.number = 2026, 99, numbered.number
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()


def _approve_at_once(app, approvals: list[tuple[int, int]]) -> list[BaseException]:
    """Approve minutes (id, chair's id) each in its own thread, session and connection, released at once."""
    import threading

    from app.minutes.approval import approve as approve_minutes
    from app.models import Account

    barrier = threading.Barrier(len(approvals))
    errors: list[BaseException] = []

    def run(minutes_id: int, chair_id: int) -> None:
        try:
            with app.app_context(), app.test_request_context():
                minutes = db.session.get(Minutes, minutes_id)
                chair = db.session.get(Account, chair_id)
                barrier.wait(timeout=10)
                approve_minutes(chair, minutes)
                db.session.remove()
        except BaseException as error:  # noqa: BLE001 -- reported to the test thread below
            errors.append(error)

    threads = [threading.Thread(target=run, args=approval) for approval in approvals]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return errors


def _numbers_by_body() -> dict[int, list[tuple[int, int, str]]]:
    """body id -> (serial, minutes id, number) of every numbered decision, by serial."""
    db.session.expire_all()
    rows = db.session.execute(
        select(Decision.body_id, Decision.serial, Decision.minutes_id, Decision.number)
        .where(Decision.number.is_not(None))
        .order_by(Decision.body_id, Decision.serial)
    )
    result: dict[int, list[tuple[int, int, str]]] = {}
    for row in rows:
        result.setdefault(row.body_id, []).append((row.serial, row.minutes_id, row.number))
    return result


def _assert_sequential(numbers: list[tuple[int, int, str]], code: str) -> None:
    """1, 2, 3, ... without gaps or repeats, each minutes' decisions one block (in its agenda order)."""
    assert [serial for serial, _minutes, _number in numbers] == list(range(1, len(numbers) + 1))
    assert [number for _serial, _minutes, number in numbers] == [
        f"{code}-2026-{serial:03d}" for serial in range(1, len(numbers) + 1)
    ]
    blocks = [minutes_id for _serial, minutes_id, _number in numbers]
    assert blocks == sorted(blocks, key=blocks.index)  # no interleaving


@pytest.mark.postgres
def test_concurrent_approvals_of_two_bodies_and_of_one_body_give_unique_sequential_numbers(app):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("concurrent writers are a PostgreSQL matter; SQLite runs one writer at a time")
    first, first_cast = sitting_with_decisions(count=3)
    second, second_cast = sitting_with_decisions(count=4)
    body_a, body_b = first_cast.body, second_cast.body
    for cast, minutes in ((first_cast, first), (second_cast, second)):
        for account in (cast.chair, cast.deputy, cast.member):
            AttendanceFactory(meeting=minutes.meeting, account=account, status=AttendanceStatus.PRESENT)
    db.session.commit()

    # Two bodies at the same moment.
    errors = _approve_at_once(app, [(first.id, first_cast.chair.id), (second.id, second_cast.chair.id)])
    assert not errors
    numbers = _numbers_by_body()
    _assert_sequential(numbers[body_a.id], body_a.code)
    _assert_sequential(numbers[body_b.id], body_b.code)
    assert (len(numbers[body_a.id]), len(numbers[body_b.id])) == (3, 4)

    # The same body twice at the same moment (and once more for the other body), after numbers were given.
    approvals = []
    for count in (2, 5):
        minutes, _ = sitting_with_decisions(body=db.session.get(type(body_a), body_a.id), count=count)
        for account in (first_cast.chair, first_cast.deputy, first_cast.member):
            AttendanceFactory(meeting=minutes.meeting, account=account, status=AttendanceStatus.PRESENT)
        approvals.append((minutes.id, first_cast.chair.id))
    other, _ = sitting_with_decisions(body=db.session.get(type(body_b), body_b.id), count=2)
    for account in (second_cast.chair, second_cast.deputy, second_cast.member):
        AttendanceFactory(meeting=other.meeting, account=account, status=AttendanceStatus.PRESENT)
    approvals.append((other.id, second_cast.chair.id))
    db.session.commit()
    errors = _approve_at_once(app, approvals)
    assert not errors
    numbers = _numbers_by_body()
    _assert_sequential(numbers[body_a.id], body_a.code)
    _assert_sequential(numbers[body_b.id], body_b.code)
    assert (len(numbers[body_a.id]), len(numbers[body_b.id])) == (10, 6)
    all_numbers = [number for rows in numbers.values() for _s, _m, number in rows]
    assert len(all_numbers) == len(set(all_numbers))
