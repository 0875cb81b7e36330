"""Factories for attendance, minutes, decisions and action items, and a held meeting with a full cast."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import factory

from app.models import (
    ActionItem,
    ActionItemStatus,
    AgendaItem,
    Attendance,
    AttendanceStatus,
    Decision,
    DecisionOutcome,
    Meeting,
    MeetingKind,
    MeetingStatus,
    Minutes,
    MinutesStatus,
    Visibility,
)
from tests.factories import BaseFactory
from tests.factories_agendas import AgendaItemFactory
from tests.factories_bodies import BodyFactory
from tests.factories_invitations import Cast, make_cast

HELD_AT = datetime(2026, 3, 10, 9, 0, tzinfo=UTC)  # 10:00 in Berlin


class HeldMeetingFactory(BaseFactory):
    class Meta:
        model = Meeting

    body = factory.SubFactory(BodyFactory)
    kind = MeetingKind.MEETING
    title = factory.Sequence(lambda n: f"Sitzung Nummer {n}")
    starts_at = HELD_AT
    ends_at = HELD_AT + timedelta(hours=2)
    timezone = "Europe/Berlin"
    location = "Staatskanzlei, Saal 1"
    status = MeetingStatus.HELD


class MinutesFactory(BaseFactory):
    class Meta:
        model = Minutes

    meeting = factory.SubFactory(HeldMeetingFactory)
    status = MinutesStatus.DRAFT
    general_notes = ""
    version = 1


class AttendanceFactory(BaseFactory):
    class Meta:
        model = Attendance

    meeting = factory.SubFactory(HeldMeetingFactory)
    account = None
    status = AttendanceStatus.PRESENT
    is_guest = False


class DecisionFactory(BaseFactory):
    class Meta:
        model = Decision

    minutes = factory.SubFactory(MinutesFactory)
    agenda_item = factory.SubFactory(AgendaItemFactory, meeting=factory.SelfAttribute("..minutes.meeting"))
    body = factory.SelfAttribute("minutes.meeting.body")
    decided_on = date(2026, 3, 10)
    title = factory.Sequence(lambda n: f"Beschluss Nummer {n}")
    text = "Der Rat beschließt die Einführung des Antragsassistenten."
    outcome = DecisionOutcome.ADOPTED
    public = True


class ActionItemFactory(BaseFactory):
    class Meta:
        model = ActionItem

    body = factory.SubFactory(BodyFactory)
    description = factory.Sequence(lambda n: f"Aufgabe Nummer {n}")
    assignee_account = None
    assignee_organisation = None
    due_on = date(2026, 4, 1)
    status = ActionItemStatus.OPEN


@dataclass
class Sitting:
    """A held meeting of a body with every role, two agenda items (the second non-public) and draft minutes."""

    cast: Cast
    meeting: Meeting
    public_item: AgendaItem
    closed_item: AgendaItem
    minutes: Minutes


def make_sitting(visibility: Visibility = Visibility.PUBLIC, **body_fields) -> Sitting:
    cast = make_cast(visibility, **body_fields)
    meeting = HeldMeetingFactory(body=cast.body, title="3. Sitzung des Rates")
    public_item = AgendaItemFactory(meeting=meeting, position=1, title="Antragsassistent", public=True)
    closed_item = AgendaItemFactory(meeting=meeting, position=2, title="Vergabe Rechenzentrum", public=False)
    minutes = MinutesFactory(meeting=meeting)
    return Sitting(cast, meeting, public_item, closed_item, minutes)


def attend(sitting: Sitting, *present, recorded: bool = True) -> None:
    """Attendance as the attendance page leaves it: `present` accounts present, the other members excused, and
    (unless `recorded` is False) the minutes' attendance marked as recorded (committed with the rows)."""
    if recorded:
        sitting.minutes.attendance_recorded_at = HELD_AT + timedelta(hours=2)
    present_ids = {account.id for account in present}
    for account in sitting.cast.members():
        status = AttendanceStatus.PRESENT if account.id in present_ids else AttendanceStatus.EXCUSED
        AttendanceFactory(meeting=sitting.meeting, account=account, status=status)


def run_at_once(app, jobs: list) -> list:
    """Run each job in its own thread, app and request context and database session, for tests of concurrent
    writers (PostgreSQL). A job is called with `ready`, which it calls once it has loaded what it needs: from there
    all go on together. Returns what each job returned, or the exception it raised, in the order they finished."""
    import threading

    from app.extensions import db

    barrier = threading.Barrier(len(jobs))
    outcomes: list = []

    def run(job) -> None:
        try:
            with app.app_context(), app.test_request_context():
                outcomes.append(job(lambda: barrier.wait(timeout=10)))
                db.session.remove()
        except BaseException as error:  # noqa: BLE001 -- reported to the test thread
            outcomes.append(error)

    threads = [threading.Thread(target=run, args=(job,)) for job in jobs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return outcomes
