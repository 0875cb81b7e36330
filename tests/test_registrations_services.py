"""Event registration without HTTP: seats, waiting list, quotas, deadline, restrictions, settings, mails, panel."""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime, time, timedelta

import icalendar
import pytest
from flask_babel import force_locale
from sqlalchemy import select

from app.errors import ConflictError, DomainError
from app.extensions import db
from app.models import MeetingStatus, Registration, RegistrationStatus, utcnow
from app.registrations import services
from app.registrations.services import RegistrationSettings
from tests.factories import AccountFactory, OrganisationFactory, OrganiserFactory
from tests.factories_bodies import count_rows
from tests.factories_registrations import EventFactory, RegistrationFactory

REGISTERED, WAITING, CANCELLED = RegistrationStatus.REGISTERED, RegistrationStatus.WAITING, RegistrationStatus.CANCELLED


@pytest.fixture(autouse=True)
def request_context(app):
    """Service messages are translated (here: to English), and the locale selector reads the request."""
    with app.test_request_context(), force_locale("en"):
        yield


@pytest.fixture
def organiser(app):
    return OrganiserFactory(locale="en")


def person(**overrides):
    return AccountFactory(locale="en", **overrides)


def subjects(outbox) -> list[tuple[str, str]]:
    return [(message["To"], message["Subject"]) for message in outbox.messages()]


def statuses(meeting) -> dict[str, RegistrationStatus]:
    rows = db.session.scalars(select(Registration).where(Registration.meeting_id == meeting.id))
    return {row.account.email: row.status for row in rows}


def settings(meeting, **overrides) -> RegistrationSettings:
    values = services.settings_of(meeting)
    for name, value in overrides.items():
        setattr(values, name, value)
    return values


# Seats and the waiting list


def test_capacity_two_third_waits_and_moves_up_with_a_mail(outbox):
    event = EventFactory(capacity=2, title="Kick-off OZG")
    anna, ben, cara = (person(email=f"{name}@example.org") for name in ("anna", "ben", "cara"))

    assert services.register(anna, event).status is REGISTERED
    assert services.register(ben, event).status is REGISTERED
    waiting = services.register(cara, event)
    assert waiting.status is WAITING
    assert services.waiting_position(waiting) == 1
    assert subjects(outbox) == [
        ("anna@example.org", "Registered: Kick-off OZG"),
        ("ben@example.org", "Registered: Kick-off OZG"),
        ("cara@example.org", "Waiting list: Kick-off OZG"),
    ]
    assert "number 1 on the waiting list" in outbox.body(outbox.last())

    moved_up = services.cancel(anna, event)

    assert [registration.account for registration in moved_up] == [cara]
    assert statuses(event) == {
        "anna@example.org": CANCELLED,
        "ben@example.org": REGISTERED,
        "cara@example.org": REGISTERED,
    }
    assert subjects(outbox)[3:] == [
        ("anna@example.org", "Registration cancelled: Kick-off OZG"),
        ("cara@example.org", "You have a seat: Kick-off OZG"),
    ]
    body = outbox.body(outbox.last())
    assert "moved up from the waiting list" in body
    assert f"http://localhost/meetings/{event.id}" in body


def test_the_waiting_list_moves_up_in_the_order_people_registered(outbox):
    event = EventFactory(capacity=1)
    first, *queue = [person() for _ in range(4)]
    services.register(first, event)
    waiting = [services.register(account, event) for account in queue]
    assert [services.waiting_position(registration) for registration in waiting] == [1, 2, 3]

    services.cancel(first, event)
    assert [registration.status for registration in waiting] == [REGISTERED, WAITING, WAITING]
    assert [services.waiting_position(registration) for registration in waiting[1:]] == [1, 2]

    # Leaving the waiting list frees no seat: nobody moves up, and nobody gets a seat mail.
    before = len(outbox.messages())
    assert services.cancel(queue[1], event) == []
    assert len(outbox.messages()) == before
    assert services.waiting_position(waiting[2]) == 1


def test_deactivated_accounts_do_not_move_up(outbox):
    event = EventFactory(capacity=1)
    anna, gone, cara = person(), person(), person()
    for account in (anna, gone, cara):
        services.register(account, event)
    gone.active = False
    db.session.commit()
    assert [registration.account for registration in services.cancel(anna, event)] == [cara]


def test_cancelling_without_a_waiting_list_just_frees_the_seat(outbox):
    event = EventFactory(capacity=2)
    anna = person()
    services.register(anna, event)
    assert services.cancel(anna, event) == []
    assert services.status_counts(event)[REGISTERED] == 0


def test_no_capacity_means_no_limit():
    event = EventFactory(capacity=None)
    for _ in range(5):
        assert services.register(person(), event).status is REGISTERED


def test_registering_again_after_cancelling_queues_at_the_end():
    event = EventFactory(capacity=1)
    anna, ben, cara = person(), person(), person()
    services.register(anna, event)
    services.register(ben, event)
    services.cancel(anna, event)  # ben moves up
    services.register(cara, event)  # waits
    again = services.register(anna, event)
    assert again.status is WAITING
    assert services.waiting_position(again) == 2
    assert count_rows(Registration) == 3  # the old row is reused: one registration per person and event


# Seats per organisation


def test_seats_per_organisation_put_the_second_of_one_organisation_on_the_waiting_list(outbox):
    event = EventFactory(capacity=10, seats_per_organisation=1)
    neunkirchen, homburg = OrganisationFactory(), OrganisationFactory()
    first = person(organisation=neunkirchen)
    second = person(organisation=neunkirchen)
    other = person(organisation=homburg)

    assert services.register(first, event).status is REGISTERED
    assert services.register(second, event).status is WAITING
    assert services.register(other, event).status is REGISTERED

    # The organisation's seat frees: its next person moves up.
    moved_up = services.cancel(first, event)
    assert [registration.account for registration in moved_up] == [second]
    assert outbox.last()["Subject"].startswith("You have a seat")


def test_moving_up_skips_people_whose_organisation_has_no_seat_left():
    event = EventFactory(capacity=2, seats_per_organisation=1)
    x, y, z = OrganisationFactory(), OrganisationFactory(), OrganisationFactory()
    a_of_x, b_of_x, c_of_y, d_of_z = (person(organisation=organisation) for organisation in (x, x, y, z))
    services.register(a_of_x, event)
    services.register(b_of_x, event)  # waits: x's seat is taken
    services.register(c_of_y, event)  # the last seat
    services.register(d_of_z, event)  # waits: full

    moved_up = services.cancel(c_of_y, event)

    assert [registration.account for registration in moved_up] == [d_of_z]
    assert statuses(event)[b_of_x.email] is WAITING


def test_people_without_an_organisation_count_against_the_capacity_only():
    event = EventFactory(capacity=3, seats_per_organisation=1)
    assert services.register(person(organisation=None), event).status is REGISTERED
    assert services.register(person(organisation=None), event).status is REGISTERED


# Refusals


def test_registering_twice_is_a_conflict_and_writes_nothing(outbox):
    event = EventFactory(capacity=1)
    anna, ben = person(), person()
    services.register(anna, event)
    services.register(ben, event)
    mails = len(outbox.messages())
    with pytest.raises(ConflictError, match="already registered"):
        services.register(anna, event)
    with pytest.raises(ConflictError, match="already on the waiting list"):
        services.register(ben, event)
    assert count_rows(Registration) == 2
    assert len(outbox.messages()) == mails


def test_registering_after_the_deadline_is_refused():
    event = EventFactory(registration_deadline=utcnow() - timedelta(minutes=1))
    with pytest.raises(DomainError, match="deadline"):
        services.register(person(), event)
    assert count_rows(Registration) == 0


def test_registering_just_before_the_deadline_works():
    event = EventFactory(registration_deadline=utcnow() + timedelta(minutes=5))
    assert services.register(person(), event).status is REGISTERED


def test_only_chosen_organisations_may_register():
    allowed, other = OrganisationFactory(), OrganisationFactory()
    event = EventFactory(registration_organisations=[allowed])
    assert services.register(person(organisation=allowed), event).status is REGISTERED
    with pytest.raises(DomainError, match="chosen organisations"):
        services.register(person(organisation=other), event)
    with pytest.raises(DomainError, match="chosen organisations"):
        services.register(person(organisation=None), event)
    assert count_rows(Registration) == 1


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"registration_enabled": False}, "not open"),
        ({"status": MeetingStatus.CANCELLED}, "cancelled"),
        ({"status": MeetingStatus.HELD}, "already begun"),
        ({"starts_at": utcnow() - timedelta(hours=1), "ends_at": utcnow() + timedelta(hours=1)}, "already begun"),
    ],
)
def test_registering_for_a_closed_event_is_refused(changes, message):
    event = EventFactory(**changes)
    with pytest.raises(DomainError, match=message):
        services.register(person(), event)
    assert count_rows(Registration) == 0


def test_cancelling_without_a_registration_is_refused():
    event = EventFactory()
    anna = person()
    with pytest.raises(DomainError, match="not registered"):
        services.cancel(anna, event)
    services.register(anna, event)
    services.cancel(anna, event)
    with pytest.raises(DomainError, match="not registered"):
        services.cancel(anna, event)


def test_cancelling_once_the_event_has_begun_is_refused():
    event = EventFactory(starts_at=utcnow() - timedelta(hours=1), ends_at=utcnow() + timedelta(hours=1))
    registration = RegistrationFactory(meeting=event)
    with pytest.raises(ConflictError):
        services.cancel(registration.account, event)
    assert registration.status is REGISTERED


# Settings


def test_settings_are_saved_with_the_deadline_entered_in_the_events_zone(organiser):
    event = EventFactory(
        registration_enabled=False,
        capacity=None,
        starts_at=datetime(2030, 7, 1, 8, 0, tzinfo=UTC),
        ends_at=datetime(2030, 7, 1, 12, 0, tzinfo=UTC),
    )
    allowed = OrganisationFactory()
    services.update_settings(
        organiser,
        event,
        RegistrationSettings(
            enabled=True,
            capacity=40,
            deadline_day=date(2030, 6, 20),
            deadline_time=time(18, 0),
            organisations=[allowed],
            seats_per_organisation=3,
        ),
    )
    db.session.expire_all()
    assert event.registration_enabled and event.capacity == 40 and event.seats_per_organisation == 3
    # 18:00 in Berlin in summer (UTC+2) is 16:00 UTC.
    assert event.registration_deadline == datetime(2030, 6, 20, 16, 0, tzinfo=UTC)
    assert event.registration_organisations == [allowed]
    again = services.settings_of(event)
    assert (again.deadline_day, again.deadline_time) == (date(2030, 6, 20), time(18, 0))


def test_capacity_below_the_number_registered_is_a_field_error(organiser):
    event = EventFactory(capacity=5)
    for _ in range(3):
        RegistrationFactory(meeting=event)
    with pytest.raises(DomainError) as caught:
        services.update_settings(organiser, event, settings(event, capacity=2))
    assert caught.value.field == "capacity"
    assert "3 people are already registered" in caught.value.message
    db.session.rollback()
    assert event.capacity == 5
    services.update_settings(organiser, event, settings(event, capacity=3))  # exactly full is fine
    assert event.capacity == 3


@pytest.mark.parametrize(("name", "value"), [("capacity", 0), ("seats_per_organisation", 0)])
def test_limits_below_one_are_field_errors(organiser, name, value):
    event = EventFactory()
    with pytest.raises(DomainError) as caught:
        services.update_settings(organiser, event, settings(event, **{name: value}))
    assert caught.value.field == name


def test_seats_per_organisation_below_what_one_organisation_holds_is_a_field_error(organiser):
    event = EventFactory(capacity=10)
    municipality = OrganisationFactory()
    RegistrationFactory(meeting=event, account=person(organisation=municipality))
    RegistrationFactory(meeting=event, account=person(organisation=municipality))
    with pytest.raises(DomainError) as caught:
        services.update_settings(organiser, event, settings(event, seats_per_organisation=1))
    assert caught.value.field == "seats_per_organisation"


def test_deadline_must_be_before_the_event_starts(organiser):
    event = EventFactory(
        starts_at=datetime(2030, 7, 1, 8, 0, tzinfo=UTC), ends_at=datetime(2030, 7, 1, 12, 0, tzinfo=UTC)
    )
    with pytest.raises(DomainError) as caught:
        services.update_settings(
            organiser, event, settings(event, deadline_day=date(2030, 7, 1), deadline_time=time(10, 0))
        )
    assert caught.value.field == "deadline_day"


def test_deadline_needs_day_and_time_and_an_existing_local_time(organiser):
    event = EventFactory(
        starts_at=datetime(2030, 7, 1, 8, 0, tzinfo=UTC), ends_at=datetime(2030, 7, 1, 12, 0, tzinfo=UTC)
    )
    with pytest.raises(DomainError) as caught:
        services.update_settings(organiser, event, settings(event, deadline_day=date(2030, 6, 1), deadline_time=None))
    assert caught.value.field == "deadline_time"
    with pytest.raises(DomainError) as caught:
        services.update_settings(organiser, event, settings(event, deadline_day=None, deadline_time=time(12, 0)))
    assert caught.value.field == "deadline_day"
    # 02:30 on the last Sunday of March 2030 does not exist in Europe/Berlin.
    with pytest.raises(DomainError) as caught:
        services.update_settings(
            organiser, event, settings(event, deadline_day=date(2030, 3, 31), deadline_time=time(2, 30))
        )
    assert caught.value.field == "deadline_time"
    assert "does not exist" in caught.value.message


def test_raising_the_capacity_moves_waiting_people_up(organiser, outbox):
    event = EventFactory(capacity=1)
    services.register(person(), event)
    ben, cara = person(email="ben@example.org"), person(email="cara@example.org")
    services.register(ben, event)
    services.register(cara, event)
    moved_up = services.update_settings(organiser, event, settings(event, capacity=2))
    assert [registration.account for registration in moved_up] == [ben]
    assert outbox.last()["To"] == "ben@example.org"
    moved_up = services.update_settings(organiser, event, settings(event, capacity=None))
    assert [registration.account for registration in moved_up] == [cara]


def test_settings_of_a_held_event_cannot_change(organiser):
    event = EventFactory(status=MeetingStatus.HELD)
    with pytest.raises(ConflictError):
        services.update_settings(organiser, event, settings(event, capacity=10))


# Mails


def test_mails_are_in_the_recipients_language_and_time_zone(outbox):
    event = EventFactory(
        capacity=1,
        starts_at=datetime(2030, 7, 1, 8, 0, tzinfo=UTC),
        ends_at=datetime(2030, 7, 1, 12, 0, tzinfo=UTC),
    )
    services.register(AccountFactory(locale="de", timezone="Europe/Berlin"), event)
    assert outbox.last()["Subject"] == f"Angemeldet: {event.title}"
    german = outbox.body(outbox.last())
    assert "Montag, 1. Juli 2030, 10:00 – 14:00 (Europe/Berlin)" in german
    services.register(AccountFactory(locale="en", timezone="America/New_York"), event)
    english = outbox.body(outbox.last())
    assert "Monday, July 1, 2030, 4:00\u202fAM – 8:00\u202fAM (America/New_York)" in english


def calendar_of(message):
    """The parsed .ics attached to a mail, or None."""
    for part in message.walk():
        if part.get_content_type() == "text/calendar":
            return icalendar.Calendar.from_ical(part.get_payload(decode=True)), part
    return None, None


def test_seat_mails_carry_an_ics_and_the_waiting_notice_none(outbox):
    event = EventFactory(capacity=1, title="Kick-off, Neunkirchen; Saal 1", sequence=2)
    anna, ben = person(email="anna@example.org"), person(email="ben@example.org")
    services.register(anna, event)
    services.register(ben, event)
    services.cancel(anna, event)
    confirmed, waiting, cancelled, moved_up = outbox.messages()

    calendar, part = calendar_of(confirmed)
    assert part.get_param("method") == "REQUEST" and part.get_filename() == "invite.ics"
    assert calendar["METHOD"] == "REQUEST"
    (vevent,) = calendar.walk("VEVENT")
    assert str(vevent["UID"]) == event.uid and int(vevent["SEQUENCE"]) == 2
    assert str(vevent["SUMMARY"]) == "Kick-off, Neunkirchen; Saal 1"
    assert str(vevent["ATTENDEE"]) == "mailto:anna@example.org"
    assert vevent["DTSTART"].dt == event.starts_at
    assert calendar.walk("VTIMEZONE")

    assert calendar_of(waiting) == (None, None)

    calendar, part = calendar_of(cancelled)
    assert part.get_param("method") == "CANCEL" and calendar["METHOD"] == "CANCEL"
    (vevent,) = calendar.walk("VEVENT")
    assert str(vevent["UID"]) == event.uid and str(vevent["STATUS"]) == "CANCELLED"

    calendar, _part = calendar_of(moved_up)
    (vevent,) = calendar.walk("VEVENT")
    assert calendar["METHOD"] == "REQUEST" and str(vevent["ATTENDEE"]) == "mailto:ben@example.org"
    assert "The attached calendar file" in outbox.body(moved_up)
    assert "calendar file" not in outbox.body(waiting)


def test_a_changed_event_mails_the_registered_an_update(outbox):
    event = EventFactory(capacity=1, title="Kick-off")
    anna, ben = person(email="anna@example.org"), person(email="ben@example.org")
    services.register(anna, event)
    services.register(ben, event)  # waits: no calendar entry to update
    before = len(outbox.messages())

    event.location = "Rathaus Neunkirchen"
    services.notify_change(event)  # no SEQUENCE change: nothing a calendar must see
    assert len(outbox.messages()) == before

    event.starts_at += timedelta(hours=1)
    event.ends_at += timedelta(hours=1)
    event.sequence += 1
    services.notify_change(event)

    (update,) = outbox.messages()[before:]
    assert (update["To"], update["Subject"]) == ("anna@example.org", "Changed: Kick-off")
    calendar, _part = calendar_of(update)
    (vevent,) = calendar.walk("VEVENT")
    assert calendar["METHOD"] == "REQUEST" and int(vevent["SEQUENCE"]) == event.sequence
    assert vevent["DTSTART"].dt == event.starts_at
    services.notify_change(event)  # once per change
    assert len(outbox.messages()) == before + 1


def test_a_cancelled_event_mails_the_registered_and_the_waiting(outbox):
    event = EventFactory(capacity=1, title="Kick-off")
    anna, ben = person(email="anna@example.org"), person(email="ben@example.org")
    services.register(anna, event)
    services.register(ben, event)
    before = len(outbox.messages())

    event.status = MeetingStatus.CANCELLED
    event.cancel_reason = "Sturmwarnung"
    event.sequence += 1
    services.notify_change(event)

    registered, waiting = outbox.messages()[before:]
    assert (registered["To"], registered["Subject"]) == ("anna@example.org", "Cancelled: Kick-off")
    calendar, _part = calendar_of(registered)
    assert calendar["METHOD"] == "CANCEL"
    assert "Reason: Sturmwarnung" in outbox.body(registered)
    assert waiting["To"] == "ben@example.org" and calendar_of(waiting) == (None, None)
    assert "waiting list" in outbox.body(waiting)


def test_marking_an_event_as_held_mails_nobody(outbox):
    event = EventFactory()
    services.register(person(), event)
    before = len(outbox.messages())
    event.status = MeetingStatus.HELD
    event.sequence += 1
    services.notify_change(event)
    assert len(outbox.messages()) == before


# What the meeting page shows


def test_panel_for_someone_who_may_register():
    event = EventFactory(capacity=2, registration_deadline=utcnow() + timedelta(days=1))
    RegistrationFactory(meeting=event)
    panel = services.registration_panel(event, person())
    assert panel.enabled and panel.is_open and panel.logged_in
    assert (panel.capacity, panel.registered, panel.free_seats, panel.waiting) == (2, 1, 1, 0)
    assert panel.may_register and not panel.will_wait and not panel.may_cancel
    assert panel.status is None and panel.position is None and panel.reason is None
    assert panel.deadline_text and not panel.can_manage


def test_panel_shows_the_position_on_the_waiting_list():
    event = EventFactory(capacity=1)
    services.register(person(), event)
    services.register(person(), event)
    cara = person()
    services.register(cara, event)
    panel = services.registration_panel(event, cara)
    assert panel.status is WAITING and panel.position == 2
    assert panel.may_cancel and not panel.may_register
    assert (panel.free_seats, panel.waiting) == (0, 2)


def test_panel_says_when_registering_means_waiting():
    event = EventFactory(capacity=5, seats_per_organisation=1)
    municipality = OrganisationFactory()
    services.register(person(organisation=municipality), event)
    panel = services.registration_panel(event, person(organisation=municipality))
    assert panel.may_register and panel.will_wait
    assert not services.registration_panel(event, person()).will_wait


def test_panel_gives_the_reason_someone_may_not_register(app):
    allowed = OrganisationFactory()
    event = EventFactory(registration_organisations=[allowed])
    panel = services.registration_panel(event, person())
    assert not panel.may_register and "chosen organisations" in panel.reason
    closed = EventFactory(registration_deadline=utcnow() - timedelta(hours=1))
    panel = services.registration_panel(closed, person())
    assert not panel.is_open and not panel.may_register and "deadline" in panel.reason


def test_panel_for_anonymous_visitors_and_organisers(organiser):
    from flask_login import AnonymousUserMixin

    event = EventFactory(public=True)
    anonymous = services.registration_panel(event, AnonymousUserMixin())
    assert anonymous.is_open and not anonymous.logged_in and not anonymous.may_register and not anonymous.can_manage
    assert services.registration_panel(event, organiser).can_manage


def test_panel_runs_a_fixed_number_of_statements(count_statements):
    event = EventFactory(capacity=1)
    anna = person()
    services.register(anna, event)
    for _ in range(3):
        services.register(person(), event)
    db.session.expire_all()
    with count_statements() as few:
        services.registration_panel(event, anna)
    for _ in range(30):
        services.register(person(), event)
    db.session.expire_all()
    with count_statements() as many:
        services.registration_panel(event, anna)
    assert many.count == few.count


# Concurrency (PostgreSQL: the row lock; SQLite serialises writers by itself)


def test_two_people_at_once_never_take_the_last_seat_twice(app):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("row locks are a PostgreSQL matter; SQLite runs one writer at a time")
    event = EventFactory(capacity=1)
    event_id = event.id
    account_ids = [person().id for _ in range(6)]
    db.session.commit()
    barrier = threading.Barrier(len(account_ids))
    errors: list[BaseException] = []

    def register(account_id: int) -> None:
        try:
            with app.app_context(), app.test_request_context():
                from app.models import Account, Meeting

                meeting = db.session.get(Meeting, event_id)
                account = db.session.get(Account, account_id)
                barrier.wait(timeout=10)
                services.register(account, meeting)
                db.session.remove()
        except BaseException as error:  # noqa: BLE001 -- reported to the test thread below
            errors.append(error)

    threads = [threading.Thread(target=register, args=(account_id,)) for account_id in account_ids]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert not errors
    db.session.expire_all()
    counts = services.status_counts(event)
    assert counts[REGISTERED] == 1 and counts[WAITING] == 5


def test_cancellations_at_once_move_up_each_waiting_person_once(app):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("row locks are a PostgreSQL matter; SQLite runs one writer at a time")
    event = EventFactory(capacity=3)
    holders = [RegistrationFactory(meeting=event).account_id for _ in range(3)]
    for offset in range(5):
        RegistrationFactory(meeting=event, status=WAITING, created_at=utcnow() + timedelta(seconds=offset))
    event_id = event.id
    db.session.commit()
    barrier = threading.Barrier(len(holders))
    errors: list[BaseException] = []

    def cancel(account_id: int) -> None:
        try:
            with app.app_context(), app.test_request_context():
                from app.models import Account, Meeting

                meeting = db.session.get(Meeting, event_id)
                account = db.session.get(Account, account_id)
                barrier.wait(timeout=10)
                services.cancel(account, meeting)
                db.session.remove()
        except BaseException as error:  # noqa: BLE001
            errors.append(error)

    threads = [threading.Thread(target=cancel, args=(account_id,)) for account_id in holders]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert not errors
    db.session.expire_all()
    counts = services.status_counts(event)
    assert (counts[REGISTERED], counts[WAITING], counts[CANCELLED]) == (3, 2, 3)
