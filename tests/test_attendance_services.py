"""Attendance and conflicts of interest without HTTP: the quorum arithmetic, recording attendance with stand-ins
and guests, every refusal, the freeze after approval, the summary's lists and its flat statement count."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from app.attendance import services
from app.attendance.quorum import excluded_account_ids, quorum, voting_seats
from app.attendance.services import AttendanceEntry, GuestEntry
from app.errors import ConflictError, DomainError
from app.extensions import db
from app.models import (
    Account,
    Attendance,
    AttendanceStatus,
    AuditEntry,
    ConflictOfInterest,
    Invitation,
    MeetingKind,
    MeetingStatus,
    MembershipRole,
    Minutes,
    MinutesStatus,
    QuorumRule,
    Visibility,
)
from tests.factories import AccountFactory, OrganisationFactory, StateOrganisationFactory
from tests.factories_agendas import AgendaItemFactory
from tests.factories_bodies import BodyFactory, MembershipFactory, count_rows
from tests.factories_invitations import FutureMeetingFactory
from tests.factories_minutes import HELD_AT, HeldMeetingFactory, MinutesFactory, make_sitting, run_at_once

PRESENT, EXCUSED, ABSENT = AttendanceStatus.PRESENT, AttendanceStatus.EXCUSED, AttendanceStatus.ABSENT


@pytest.fixture(autouse=True)
def request_context(app):
    """Service messages are translated, and the locale selector reads the request (see app/i18n.py)."""
    with app.test_request_context():
        yield


@pytest.fixture
def sitting(app):
    """Chair, deputy and member hold the three voting seats; the secretary has no vote."""
    return make_sitting(Visibility.PUBLIC)


def everyone(sitting, present=(), excused=(), stand_ins=None, others=()) -> list[AttendanceEntry]:
    """An entry for each member of the sitting (absent unless named), plus `others` (accounts) as given."""
    stand_ins = stand_ins or {}
    result = []
    for account in [*sitting.cast.members(), *others]:
        status = PRESENT if account in present else EXCUSED if account in excused else ABSENT
        stood_for = stand_ins.get(account)
        result.append(AttendanceEntry(account.id, status, stood_for.id if stood_for else None))
    return result


def substitute_of(sitting, **fields) -> Account:
    return MembershipFactory(body=sitting.cast.body, role=MembershipRole.SUBSTITUTE, **fields).account


def rows_of(meeting) -> list[tuple]:
    query = select(Attendance).where(Attendance.meeting_id == meeting.id).order_by(Attendance.id)
    return [(a.account_id, a.guest_name, a.status, a.is_guest, a.stands_in_for_id) for a in db.session.scalars(query)]


def record(sitting, *present: Account) -> None:
    """The sitting's secretary records the named members as present, the others as absent."""
    services.record_attendance(sitting.cast.secretary, sitting.meeting, everyone(sitting, present=present), [])


def refused(call, *args, field: str | None = "unset", contains: str = "") -> DomainError:
    with pytest.raises(DomainError) as caught:
        call(*args)
    if field != "unset":
        assert caught.value.field == field
    assert contains in caught.value.message
    db.session.rollback()
    return caught.value


# The quorum arithmetic


@pytest.mark.parametrize(
    ("rule", "seats", "needed"),
    [
        (QuorumRule.MORE_THAN_HALF, 3, 2),
        (QuorumRule.MORE_THAN_HALF, 4, 3),
        (QuorumRule.AT_LEAST_HALF, 4, 2),
        (QuorumRule.AT_LEAST_HALF, 5, 3),
        (QuorumRule.AT_LEAST_TWO_THIRDS, 3, 2),  # no whole percentage gives this
        (QuorumRule.AT_LEAST_TWO_THIRDS, 10, 7),
        (QuorumRule.AT_LEAST_THREE_QUARTERS, 4, 3),
        (QuorumRule.AT_LEAST_THREE_QUARTERS, 5, 4),
    ],
)
def test_needed_follows_the_rule(app, rule, seats, needed):
    assert BodyFactory(quorum_rule=rule).quorum_needed(seats) == needed


def test_more_than_half_of_three_seats(sitting):
    cast = sitting.cast
    services.record_attendance(cast.secretary, sitting.meeting, everyone(sitting, present=[cast.chair]), [])
    result = quorum(sitting.meeting)
    assert (result.seats, result.present, result.needed, result.reached) == (3, 1, 2, False)

    record(sitting, cast.chair, cast.member)
    result = quorum(sitting.meeting)
    assert (result.seats, result.present, result.needed, result.reached) == (3, 2, 2, True)
    assert result.parity is None


def test_two_thirds_of_three_is_two(app):
    sitting = make_sitting(Visibility.PUBLIC, quorum_rule=QuorumRule.AT_LEAST_TWO_THIRDS)
    cast = sitting.cast
    record(sitting, cast.chair, cast.deputy)
    result = quorum(sitting.meeting)
    assert (result.present, result.needed, result.reached) == (2, 2, True)


def test_the_secretary_without_a_vote_does_not_count(sitting):
    cast = sitting.cast
    record(sitting, cast.secretary, cast.chair)
    assert quorum(sitting.meeting).present == 1


def test_a_stand_in_counts_for_the_member(sitting):
    cast = sitting.cast
    substitute = substitute_of(sitting)
    entries = everyone(sitting, present=[cast.chair, substitute], excused=[cast.member],
                       stand_ins={substitute: cast.member}, others=[substitute])
    services.record_attendance(cast.secretary, sitting.meeting, entries, [])
    result = quorum(sitting.meeting)
    assert (result.seats, result.present, result.reached) == (3, 2, True)


def test_a_substitute_without_a_seat_does_not_count(sitting):
    cast = sitting.cast
    substitute = substitute_of(sitting)
    assert substitute.id not in {m.account_id for m in voting_seats(sitting.meeting)}
    services.record_attendance(
        cast.secretary, sitting.meeting, everyone(sitting, present=[cast.chair, substitute], others=[substitute]), []
    )
    result = quorum(sitting.meeting)
    assert (result.seats, result.present, result.reached) == (3, 1, False)


def test_an_invited_guest_standing_in_counts(sitting):
    cast = sitting.cast
    guest = AccountFactory(display_name="Gerd Gast")
    db.session.add(Invitation(meeting=sitting.meeting, account=guest, is_guest=True))
    db.session.commit()
    entries = everyone(sitting, present=[cast.chair, guest], stand_ins={guest: cast.deputy}, others=[guest])
    services.record_attendance(cast.secretary, sitting.meeting, entries, [])
    assert quorum(sitting.meeting).present == 2


def test_excluded_members_leave_the_count(sitting):
    cast = sitting.cast
    record(sitting, cast.chair, cast.member)
    result = quorum(sitting.meeting, excluded={cast.member.id})
    assert (result.seats, result.present, result.needed, result.reached) == (2, 1, 2, False)
    result = quorum(sitting.meeting, excluded={cast.deputy.id})
    assert (result.seats, result.present, result.needed, result.reached) == (2, 2, 2, True)


def test_memberships_count_on_the_meetings_local_day(sitting):
    cast = sitting.cast
    day = HELD_AT.date()
    MembershipFactory(body=cast.body, start_on=date(2020, 1, 1), end_on=day)  # ended that morning
    MembershipFactory(body=cast.body, start_on=day + timedelta(days=1))  # joined the day after
    newcomer = MembershipFactory(body=cast.body, start_on=day).account
    assert {m.account_id for m in voting_seats(sitting.meeting)} == {cast.chair.id, cast.deputy.id, cast.member.id,
                                                                    newcomer.id}


def test_parity_counts_seats_present_per_side(app):
    sitting = make_sitting(Visibility.PUBLIC, parity_required=True)
    cast, body = sitting.cast, sitting.cast.body
    state, town = StateOrganisationFactory(), OrganisationFactory()
    # Chair, deputy and member represent municipalities (the factories' default); two more for the Land.
    land = [MembershipFactory(body=body, organisation=state).account for _ in range(2)]
    for account in (cast.chair, cast.deputy, cast.member):
        account.organisation = town
    db.session.commit()
    substitute = substitute_of(sitting)
    entries = everyone(sitting, present=[cast.chair, land[0], substitute], excused=[land[1]],
                       stand_ins={substitute: land[1]}, others=[*land, substitute])
    services.record_attendance(cast.secretary, sitting.meeting, entries, [])
    result = quorum(sitting.meeting)
    assert (result.seats, result.present) == (5, 3)
    assert (result.parity.state, result.parity.municipal) == (2, 1)
    assert (result.parity_seats.state, result.parity_seats.municipal) == (2, 3)


def test_an_event_without_a_body_has_no_quorum(app):
    event = HeldMeetingFactory(body=None, kind=MeetingKind.INFORMATION_EVENT)
    assert quorum(event) is None
    assert voting_seats(event) == []


# Recording attendance


def test_recording_saves_everyone_marks_the_minutes_and_audits(sitting):
    cast, meeting = sitting.cast, sitting.meeting
    guest = AccountFactory(display_name="Gerd Gast")
    db.session.add(Invitation(meeting=meeting, account=guest, is_guest=True))
    db.session.commit()
    minutes = services.record_attendance(
        cast.secretary,
        meeting,
        everyone(sitting, present=[cast.chair, cast.secretary, guest], excused=[cast.deputy], others=[guest]),
        [GuestEntry(name="  Frau Presse ", organisation=" Landeszeitung ")],
    )
    assert minutes.id == sitting.minutes.id
    assert minutes.attendance_recorded_at is not None
    rows = rows_of(meeting)
    assert (cast.chair.id, "", PRESENT, False, None) in rows
    assert (cast.deputy.id, "", EXCUSED, False, None) in rows
    assert (cast.member.id, "", ABSENT, False, None) in rows
    assert (guest.id, "", PRESENT, True, None) in rows
    assert (None, "Frau Presse", PRESENT, True, None) in rows
    assert db.session.scalar(select(Attendance.guest_organisation).where(Attendance.account_id.is_(None))) == \
        "Landeszeitung"
    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "record_attendance")).one()
    assert (entry.object_type, entry.object_id, entry.actor_id) == ("minutes", minutes.id, cast.secretary.id)
    assert "Chris Chair: present" in entry.changes["attendance"][1]
    assert "Frau Presse: present (guest)" in entry.changes["attendance"][1]
    assert "1 excused" in entry.summary


def test_saving_again_replaces_the_attendance(sitting):
    cast, meeting = sitting.cast, sitting.meeting
    services.record_attendance(cast.secretary, meeting, everyone(sitting, present=[cast.chair]),
                               [GuestEntry(name="Erster Gast")])
    services.record_attendance(cast.secretary, meeting, everyone(sitting, present=[cast.member]), [])
    rows = rows_of(meeting)
    assert len(rows) == 4
    assert {row[0] for row in rows if row[2] is PRESENT} == {cast.member.id}
    assert count_rows(AuditEntry) == 2


def test_recording_begins_the_minutes_when_there_are_none(app):
    sitting = make_sitting(Visibility.PUBLIC)
    db.session.delete(sitting.minutes)
    db.session.commit()
    minutes = services.record_attendance(sitting.cast.secretary, sitting.meeting, everyone(sitting), [])
    assert minutes.meeting_id == sitting.meeting.id
    assert minutes.status is MinutesStatus.DRAFT
    assert minutes.attendance_recorded_at is not None


def test_a_running_meeting_can_be_recorded(sitting):
    meeting = sitting.meeting
    meeting.status = MeetingStatus.CONFIRMED
    meeting.starts_at = HELD_AT.replace(year=2020)
    db.session.commit()
    services.record_attendance(sitting.cast.secretary, meeting, everyone(sitting), [])
    assert len(rows_of(meeting)) == 4


def test_an_event_without_a_body_records_the_invited(app):
    event = HeldMeetingFactory(body=None, kind=MeetingKind.INFORMATION_EVENT)
    organiser, person = AccountFactory(), AccountFactory()
    db.session.add(Invitation(meeting=event, account=person))
    db.session.commit()
    services.record_attendance(organiser, event, [AttendanceEntry(person.id, PRESENT)], [GuestEntry(name="Walk-in")])
    assert rows_of(event) == [(person.id, "", PRESENT, False, None), (None, "Walk-in", PRESENT, True, None)]
    assert services.attendance_summary(event).quorum is None


def test_an_account_can_come_as_a_guest_and_be_left_off_later(sitting):
    cast, meeting = sitting.cast, sitting.meeting
    visitor = AccountFactory(display_name="Vera Visit")
    services.record_attendance(cast.secretary, meeting, everyone(sitting), [GuestEntry(account_id=visitor.id)])
    assert (visitor.id, "", PRESENT, True, None) in rows_of(meeting)
    # Recorded once, the visitor is on the form; an entry for them is accepted, leaving them off drops them.
    services.record_attendance(cast.secretary, meeting, everyone(sitting, excused=[visitor], others=[visitor]), [])
    assert (visitor.id, "", EXCUSED, True, None) in rows_of(meeting)
    services.record_attendance(cast.secretary, meeting, everyone(sitting), [])
    assert visitor.id not in {row[0] for row in rows_of(meeting)}


# Refusals


def test_a_meeting_that_has_not_started_is_refused(app):
    cast = make_sitting(Visibility.PUBLIC).cast
    meeting = FutureMeetingFactory(body=cast.body)
    refused(services.record_attendance, cast.secretary, meeting, [], [], field=None, contains="not started")
    assert count_rows(Minutes) == 1  # the sitting's own, none begun for the future meeting


def test_a_cancelled_meeting_is_refused(sitting):
    sitting.meeting.status = MeetingStatus.CANCELLED
    db.session.commit()
    refused(services.record_attendance, sitting.cast.secretary, sitting.meeting, everyone(sitting), [],
            field=None, contains="cancelled")


def test_approved_minutes_freeze_the_attendance(sitting):
    cast, meeting = sitting.cast, sitting.meeting
    services.record_attendance(cast.secretary, meeting, everyone(sitting, present=[cast.chair]), [])
    sitting.minutes.status = MinutesStatus.APPROVED
    db.session.commit()
    before = rows_of(meeting)
    with pytest.raises(ConflictError):
        services.record_attendance(cast.secretary, meeting, everyone(sitting, present=[cast.member]), [])
    db.session.rollback()
    assert rows_of(meeting) == before
    with pytest.raises(ConflictError):
        services.set_conflicts(cast.secretary, sitting.public_item, [cast.member.id], "")
    db.session.rollback()
    assert count_rows(ConflictOfInterest) == 0


@pytest.mark.parametrize("case", ["self", "present", "not_present", "non_voting", "unknown", "twice"])
def test_stand_in_refusals(sitting, case):
    cast, meeting = sitting.cast, sitting.meeting
    substitute, second = substitute_of(sitting), substitute_of(sitting)
    outsider = cast.outsider
    present = [cast.chair, substitute, second]
    stand_ins = {
        "self": {substitute: substitute},
        "present": {substitute: cast.chair},
        "not_present": {cast.deputy: cast.member},
        "non_voting": {substitute: cast.secretary},
        "unknown": {substitute: outsider},
        "twice": {substitute: cast.member, second: cast.member},
    }[case]
    messages = {
        "self": "themselves",
        "present": "is present",
        "not_present": "only when present",
        "non_voting": "voting member",
        "unknown": "voting member",
        "twice": "already has a stand-in",
    }
    standing = list(stand_ins)[-1]
    entries = everyone(sitting, present=present, stand_ins=stand_ins, others=[substitute, second])
    refused(services.record_attendance, cast.secretary, meeting, entries, [], field=f"for_{standing.id}",
            contains=messages[case])
    assert rows_of(meeting) == []


def test_a_refused_save_keeps_what_was_saved(sitting):
    cast, meeting = sitting.cast, sitting.meeting
    services.record_attendance(cast.secretary, meeting, everyone(sitting, present=[cast.chair]), [])
    before, recorded_at = rows_of(meeting), sitting.minutes.attendance_recorded_at
    entries = everyone(sitting, present=[cast.member], stand_ins={cast.member: cast.member})
    refused(services.record_attendance, cast.secretary, meeting, entries, [GuestEntry(name="Neu")])
    assert rows_of(meeting) == before
    assert db.session.get(Minutes, sitting.minutes.id).attendance_recorded_at == recorded_at
    assert count_rows(AuditEntry) == 1


def test_unknown_people_are_refused(sitting):
    cast = sitting.cast
    entries = [*everyone(sitting), AttendanceEntry(cast.outsider.id, PRESENT)]
    refused(services.record_attendance, cast.secretary, sitting.meeting, entries, [], contains="unknown person")
    entries = [*everyone(sitting), AttendanceEntry(2**31 - 1, PRESENT)]
    refused(services.record_attendance, cast.secretary, sitting.meeting, entries, [], contains="unknown person")


def test_everyone_expected_must_be_recorded_once(sitting):
    cast = sitting.cast
    entries = [e for e in everyone(sitting) if e.account_id != cast.deputy.id]
    refused(services.record_attendance, cast.secretary, sitting.meeting, entries, [], field=f"status_{cast.deputy.id}")
    entries = [*everyone(sitting), AttendanceEntry(cast.deputy.id, PRESENT)]
    refused(services.record_attendance, cast.secretary, sitting.meeting, entries, [], field=f"status_{cast.deputy.id}",
            contains="twice")
    entries = [*everyone(sitting)[:-1], AttendanceEntry(cast.member.id, "present")]  # type: ignore[arg-type]
    refused(services.record_attendance, cast.secretary, sitting.meeting, entries, [], field=f"status_{cast.member.id}")


def test_invited_people_are_expected(sitting):
    cast = sitting.cast
    guest = AccountFactory()
    db.session.add(Invitation(meeting=sitting.meeting, account=guest, is_guest=True))
    db.session.commit()
    refused(services.record_attendance, cast.secretary, sitting.meeting, everyone(sitting), [],
            field=f"status_{guest.id}")


@pytest.mark.parametrize(
    ("guest", "field", "contains"),
    [
        (GuestEntry(name="   ", organisation="Presse", field="guests-2"), "guests-2-name", "name"),
        (GuestEntry(name="x" * 201), "guests-0-name", "200"),
        (GuestEntry(name="Gast", organisation="o" * 201), "guests-0-organisation", "200"),
        (GuestEntry(account_id=2**31 - 1), "guests-0", "no account"),
    ],
)
def test_guest_refusals(sitting, guest, field, contains):
    refused(services.record_attendance, sitting.cast.secretary, sitting.meeting, everyone(sitting), [guest],
            field=field, contains=contains)
    assert rows_of(sitting.meeting) == []


def test_a_guest_account_already_listed_is_refused(sitting):
    cast = sitting.cast
    refused(services.record_attendance, cast.secretary, sitting.meeting, everyone(sitting),
            [GuestEntry(account_id=cast.member.id)], field="guests-0", contains="already")
    visitor = AccountFactory()
    refused(services.record_attendance, cast.secretary, sitting.meeting, everyone(sitting),
            [GuestEntry(account_id=visitor.id), GuestEntry(account_id=visitor.id)], field="guests-1")


def test_too_many_guests_are_refused(sitting):
    guests = [GuestEntry(name=f"Gast {n}") for n in range(services.MAX_GUESTS + 1)]
    refused(services.record_attendance, sitting.cast.secretary, sitting.meeting, everyone(sitting), guests,
            field="guests")


# The summary


def test_the_summary_sorts_people_into_lists(sitting):
    cast, meeting = sitting.cast, sitting.meeting
    substitute = substitute_of(sitting)
    invited_guest = AccountFactory()
    db.session.add(Invitation(meeting=meeting, account=invited_guest, is_guest=True))
    db.session.commit()
    entries = everyone(sitting, present=[cast.chair, substitute], excused=[cast.deputy, invited_guest],
                       stand_ins={substitute: cast.member}, others=[substitute, invited_guest])
    services.record_attendance(cast.secretary, meeting, entries, [GuestEntry(name="Frau Presse", organisation="LZ")])
    summary = services.attendance_summary(meeting)
    assert [a.account_id for a in summary.present] == [cast.chair.id, substitute.id]
    assert [a.account_id for a in summary.excused] == [cast.deputy.id]  # the guest who stayed away is left out
    assert [a.account_id for a in summary.absent] == [cast.secretary.id, cast.member.id]  # by role
    assert [a.display_name for a in summary.guests] == ["Frau Presse"]
    assert summary.organisation_of(summary.guests[0]) == "LZ"
    assert summary.organisation_of(summary.present[0]) == cast.chair.organisation.name
    assert summary.present[1].stands_in_for.id == cast.member.id
    assert summary.recorded
    assert (summary.quorum.present, summary.quorum.reached) == (2, True)


def test_the_summary_of_nothing_recorded(sitting):
    summary = services.attendance_summary(sitting.meeting)
    assert not summary.recorded
    assert (summary.quorum.seats, summary.quorum.present, summary.quorum.reached) == (3, 0, False)


def _crowd(size: int):
    sitting = make_sitting(Visibility.PUBLIC)
    cast = sitting.cast
    extra = []
    for index in range(size):
        role = MembershipRole.SUBSTITUTE if index % 3 == 0 else MembershipRole.MEMBER
        extra.append(MembershipFactory(body=cast.body, role=role).account)
    entries = everyone(sitting, present=[cast.chair, *extra[::2]], excused=extra[1::2], others=extra)
    guests = [GuestEntry(name=f"Gast {n}", organisation=f"Org {n}") for n in range(size)]
    services.record_attendance(cast.secretary, sitting.meeting, entries, guests)
    meeting_id = sitting.meeting.id
    db.session.expunge_all()  # the count starts from a cold session, as a request does
    return meeting_id


def test_the_summary_runs_a_flat_number_of_statements(app, count_statements):
    from app.models import Meeting

    counts = []
    for size in (2, 30):
        meeting_id = _crowd(size)
        meeting = db.session.get(Meeting, meeting_id)
        with count_statements() as counter:
            summary = services.attendance_summary(meeting)
            [(a.display_name, summary.organisation_of(a), a.stands_in_for) for a in summary.present + summary.guests]
        counts.append(counter.count)
        assert len(summary.guests) == size
    assert counts[0] == counts[1]
    assert counts[1] <= 10


def test_the_sheet_lists_members_invited_and_seats(sitting):
    meeting = sitting.meeting
    invited = AccountFactory(display_name="Ines Invited")
    db.session.add(Invitation(meeting=meeting, account=invited))
    db.session.commit()
    sheet = services.attendance_sheet(meeting)
    names = [person.account.display_name for person in sheet.people]
    assert names == ["Chris Chair", "Dana Deputy", "Sam Secretary", "Mia Müller", "Ines Invited"]
    assert [m.account.display_name for m in sheet.seats] == ["Chris Chair", "Dana Deputy", "Mia Müller"]
    assert not sheet.people[-1].is_guest and sheet.people[-1].required
    assert not sheet.frozen


# Conflicts of interest


def test_set_conflicts_replaces_the_items_set(sitting):
    cast, item = sitting.cast, sitting.public_item
    services.set_conflicts(cast.secretary, item, [cast.member.id, cast.deputy.id, cast.member.id], " Eigenes Angebot ")
    assert excluded_account_ids(item.id) == {cast.member.id, cast.deputy.id}
    rows = db.session.scalars(select(ConflictOfInterest).where(ConflictOfInterest.agenda_item_id == item.id)).all()
    assert {row.reason for row in rows} == {"Eigenes Angebot"}
    services.set_conflicts(cast.secretary, item, [cast.chair.id], "")
    assert excluded_account_ids(item.id) == {cast.chair.id}
    assert excluded_account_ids(sitting.closed_item.id) == set()
    services.set_conflicts(cast.secretary, item, [], "")
    assert excluded_account_ids(item.id) == set()
    actions = db.session.scalars(select(AuditEntry.action)).all()
    assert actions == ["set_conflicts"] * 3


def test_conflicts_leave_the_items_quorum(sitting):
    cast, meeting = sitting.cast, sitting.meeting
    services.record_attendance(cast.secretary, meeting, everyone(sitting, present=[cast.chair, cast.member]), [])
    services.set_conflicts(cast.secretary, sitting.public_item, [cast.member.id], "")
    item_result = services.item_quorum(meeting, sitting.public_item)
    assert (item_result.seats, item_result.present, item_result.reached) == (2, 1, False)
    assert services.item_quorum(meeting, sitting.closed_item).reached
    assert services.conflicts_of(meeting)[sitting.public_item.id][0].account_id == cast.member.id


def test_only_members_can_be_excluded(sitting):
    cast = sitting.cast
    refused(services.set_conflicts, cast.secretary, sitting.public_item, [cast.outsider.id], "", field="account_ids")
    refused(services.set_conflicts, cast.secretary, sitting.public_item, [2**31 - 1], "", field="account_ids")
    assert count_rows(ConflictOfInterest) == 0


def test_a_long_reason_is_refused(sitting):
    cast = sitting.cast
    refused(services.set_conflicts, cast.secretary, sitting.public_item, [cast.member.id], "r" * 301, field="reason")


def test_conflicts_of_an_event_without_a_body(app):
    event = HeldMeetingFactory(body=None, kind=MeetingKind.WORKSHOP)
    item = AgendaItemFactory(meeting=event, position=1, title="Einführung")
    person = AccountFactory()
    refused(services.set_conflicts, person, item, [person.id], "", field="account_ids", contains="no body")


def test_conflicts_of_a_meeting_to_come_are_refused(app):
    cast = make_sitting(Visibility.PUBLIC).cast
    meeting = FutureMeetingFactory(body=cast.body)
    item = AgendaItemFactory(meeting=meeting, position=1, title="Haushalt")
    refused(services.set_conflicts, cast.secretary, item, [cast.member.id], "", field=None)


# Concurrent saves (PostgreSQL: SQLite runs one writer at a time)


def _saving(meeting_id: int, secretary_id: int, statuses: dict, guest_names: list[str]):
    """A job for run_at_once: one save of ({account id: status}, guest names), in the job's own session."""

    def job(ready) -> str:
        from app.models import Meeting

        meeting, secretary = db.session.get(Meeting, meeting_id), db.session.get(Account, secretary_id)
        entries = [AttendanceEntry(account_id, status) for account_id, status in statuses.items()]
        ready()
        services.record_attendance(secretary, meeting, entries, [GuestEntry(name=name) for name in guest_names])
        return "saved"

    return job


@pytest.mark.postgres
@pytest.mark.parametrize("case", ["minutes exist", "no minutes yet", "guests only"])
def test_concurrent_saves_leave_one_whole_save(app, case):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("concurrent writers are a PostgreSQL matter; SQLite runs one writer at a time")
    sitting = make_sitting(Visibility.PUBLIC)
    meeting, members = sitting.meeting, [account.id for account in sitting.cast.members()]
    if case == "no minutes yet":
        db.session.delete(sitting.minutes)
        db.session.commit()
    if case == "guests only":  # no unique account to collide on: only the lock on the minutes keeps saves apart
        meeting = HeldMeetingFactory(body=None, kind=MeetingKind.INFORMATION_EVENT)
        MinutesFactory(meeting=meeting)
        members = []
    saves = [
        ({account_id: status for account_id in members}, [f"Gast {status.value} {n}" for n in range(3)])
        for status in (PRESENT, EXCUSED, ABSENT, PRESENT)
    ]
    outcomes = run_at_once(app, [_saving(meeting.id, sitting.cast.secretary.id, *save) for save in saves])
    assert len(outcomes) == 4
    assert all(outcome == "saved" or isinstance(outcome, ConflictError) for outcome in outcomes), outcomes
    assert "saved" in outcomes
    db.session.expire_all()
    rows = rows_of(meeting)
    assert len(rows) == len(members) + 3  # one save, whole: never two mixed, never duplicated guests
    assert len({row[2] for row in rows if row[0] is not None}) <= 1
    assert len({row[1].split()[1] for row in rows if row[1]}) == 1
    assert count_rows(Minutes) == (2 if case == "guests only" else 1)
