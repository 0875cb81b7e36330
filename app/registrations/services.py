"""Use cases of event registration: settings, register, cancel (the waiting list moves up), the panel and lists."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from flask import current_app
from flask_babel import format_date, format_time, get_timezone, ngettext
from flask_babel import gettext as _
from sqlalchemy import Select, and_, case, event, func, inspect, or_, select
from sqlalchemy.orm import joinedload

from app import mail, permissions
from app.calendars.ical import Attendee, CalendarSettings, Method, build_calendar, meeting_event, to_bytes
from app.errors import ConflictError, DomainError
from app.extensions import db
from app.i18n import label
from app.invitations.services import when_text
from app.meetings.times import local_to_utc
from app.models import Account, Answer, Meeting, MeetingStatus, Organisation, Registration, RegistrationStatus, utcnow

REGISTERED, WAITING, CANCELLED = RegistrationStatus.REGISTERED, RegistrationStatus.WAITING, RegistrationStatus.CANCELLED
ACTIVE = (REGISTERED, WAITING)

# Registered first, then the waiting list in its order, then the cancelled.
STATUS_ORDER = case((Registration.status == REGISTERED, 0), (Registration.status == WAITING, 1), else_=2)


def _not_your_organisation() -> str:
    return _("Registration for this event is open to chosen organisations only; yours is not among them.")


@dataclass
class RegistrationSettings:
    """What the organiser enters: the deadline in local time of the meeting's zone."""

    enabled: bool
    capacity: int | None = None
    deadline_day: date | None = None
    deadline_time: time | None = None
    organisations: list[Organisation] = field(default_factory=list)
    seats_per_organisation: int | None = None


@dataclass(frozen=True)
class RegistrationPanel:
    """What the meeting page shows about registration, for one viewer."""

    enabled: bool
    is_open: bool  # enabled, before the deadline, not begun, not cancelled
    capacity: int | None
    registered: int
    waiting: int
    free_seats: int | None  # None: no limit
    deadline: datetime | None
    deadline_text: str | None  # in the viewer's zone, with the zone named
    seats_per_organisation: int | None
    organisations: list[Organisation]  # who may register; empty: every account
    logged_in: bool
    status: RegistrationStatus | None  # the viewer's registration, if any (also a cancelled one)
    position: int | None  # on the waiting list, from 1
    may_register: bool
    will_wait: bool  # registering now puts the viewer on the waiting list
    may_cancel: bool
    reason: str | None  # why the viewer may not register, when there is something to say
    can_manage: bool


@dataclass(frozen=True)
class ParticipantRow:
    """One line of the participant list."""

    registration: Registration
    position: int | None  # waiting list position, from 1


# Settings


def settings_of(meeting: Meeting) -> RegistrationSettings:
    """The meeting's current settings, the deadline in local time of the meeting's zone."""
    day: date | None = None
    clock: time | None = None
    if meeting.registration_deadline is not None:
        local = meeting.registration_deadline.astimezone(ZoneInfo(meeting.timezone))
        day, clock = local.date(), local.time().replace(second=0, microsecond=0)
    return RegistrationSettings(
        enabled=meeting.registration_enabled,
        capacity=meeting.capacity,
        deadline_day=day,
        deadline_time=clock,
        organisations=list(meeting.registration_organisations),
        seats_per_organisation=meeting.seats_per_organisation,
    )


def update_settings(actor: Account, meeting: Meeting, settings: RegistrationSettings) -> list[Registration]:
    """Save the registration settings; waiting people move up into seats a higher limit frees. Returns them."""
    if meeting.status is MeetingStatus.HELD:
        raise ConflictError(_("This event has been held; its registration can no longer be changed."))
    _lock(meeting)
    if settings.capacity is not None and settings.capacity < 1:
        raise DomainError(_("The capacity must be at least 1."), field="capacity")
    if settings.seats_per_organisation is not None and settings.seats_per_organisation < 1:
        raise DomainError(_("Seats per organisation must be at least 1."), field="seats_per_organisation")
    deadline = _deadline_of(meeting, settings)
    registered = _count(meeting, REGISTERED)
    if settings.capacity is not None and settings.capacity < registered:
        raise DomainError(
            ngettext(
                "%(num)d person is already registered; the capacity cannot be lower than that.",
                "%(num)d people are already registered; the capacity cannot be lower than that.",
                registered,
            ),
            field="capacity",
        )
    if settings.seats_per_organisation is not None:
        most = _most_seats_of_one_organisation(meeting)
        if settings.seats_per_organisation < most:
            raise DomainError(
                _(
                    "One organisation already holds %(count)d seats; seats per organisation cannot be lower.",
                    count=most,
                ),
                field="seats_per_organisation",
            )
    meeting.registration_enabled = settings.enabled
    meeting.capacity = settings.capacity
    meeting.registration_deadline = deadline
    meeting.registration_organisations = list(settings.organisations)
    meeting.seats_per_organisation = settings.seats_per_organisation
    db.session.flush()
    moved_up = _fill_free_seats(meeting)
    db.session.commit()
    _mail_moved_up(meeting, moved_up)
    return moved_up


def _deadline_of(meeting: Meeting, settings: RegistrationSettings) -> datetime | None:
    if settings.deadline_day is None and settings.deadline_time is None:
        return None
    if settings.deadline_day is None:
        raise DomainError(_("Please enter the day of the deadline too."), field="deadline_day")
    if settings.deadline_time is None:
        raise DomainError(_("Please enter the time of the deadline too."), field="deadline_time")
    deadline = local_to_utc(settings.deadline_day, settings.deadline_time, meeting.timezone, field="deadline_time")
    if deadline >= meeting.starts_at:
        raise DomainError(_("The registration deadline must be before the event starts."), field="deadline_day")
    return deadline


# Register and cancel


def register(actor: Account, meeting: Meeting) -> Registration:
    """Register the actor: a seat while seats are free (in total and for their organisation), else the waiting list."""
    _lock(meeting)
    _check_open(meeting)
    if not permissions.registration_open_to(actor, meeting):
        raise DomainError(_not_your_organisation())
    registration = _registration_of(meeting, actor)
    if registration is not None and registration.status is REGISTERED:
        raise ConflictError(_("You are already registered for this event."))
    if registration is not None and registration.status is WAITING:
        raise ConflictError(_("You are already on the waiting list for this event."))
    status = REGISTERED if _seat_free(meeting, actor.organisation_id) else WAITING
    if registration is None:
        registration = Registration(meeting=meeting, account=actor)
        db.session.add(registration)
    # Registering again after cancelling puts the person at the end of the waiting list, like anyone new.
    registration.status = status
    registration.organisation_id = actor.organisation_id
    registration.created_at = utcnow()
    db.session.flush()
    position = waiting_position(registration) if status is WAITING else None
    db.session.commit()
    if status is REGISTERED:
        _send(registration.account, meeting, "registration_confirmed", method=Method.REQUEST)
    else:
        _send(registration.account, meeting, "registration_waiting", position=position)
    return registration


def cancel(actor: Account, meeting: Meeting) -> list[Registration]:
    """Cancel the actor's registration; a freed seat goes to the waiting list at once. Returns who moved up."""
    _lock(meeting)
    registration = _registration_of(meeting, actor)
    if registration is None or registration.status is CANCELLED:
        raise DomainError(_("You are not registered for this event."))
    if meeting.starts_at <= utcnow() or meeting.status is MeetingStatus.HELD:
        raise ConflictError(_("This event has already begun; the registration can no longer be cancelled."))
    held_seat = registration.status is REGISTERED
    registration.status = CANCELLED
    db.session.flush()
    moved_up = _fill_free_seats(meeting) if held_seat else []
    db.session.commit()
    if held_seat:
        _send(registration.account, meeting, "registration_cancelled", method=Method.CANCEL)
    _mail_moved_up(meeting, moved_up)
    return moved_up


def _lock(meeting: Meeting) -> None:
    """Serialise the registrations of one event and reload its settings.

    On PostgreSQL this is SELECT ... FOR UPDATE on the meeting row: a second registration or cancellation waits
    here until the first commits, then counts the seats afresh, so two people never take the last seat.
    SQLite leaves out FOR UPDATE (it serialises writers itself); there the call just reloads the row.
    """
    db.session.refresh(meeting, with_for_update=True)


def _check_open(meeting: Meeting) -> None:
    if not meeting.registration_enabled:
        raise DomainError(_("Registration for this event is not open."))
    if meeting.status is MeetingStatus.CANCELLED:
        raise DomainError(_("This event has been cancelled."))
    now = utcnow()
    if meeting.status is MeetingStatus.HELD or meeting.starts_at <= now:
        raise DomainError(_("This event has already begun; registration has closed."))
    if meeting.registration_deadline is not None and meeting.registration_deadline <= now:
        raise DomainError(
            _(
                "The registration deadline (%(deadline)s) has passed.",
                deadline=deadline_text(meeting.registration_deadline),
            )
        )


def _registration_of(meeting: Meeting, account: Account) -> Registration | None:
    return db.session.scalar(
        select(Registration)
        .where(Registration.meeting_id == meeting.id, Registration.account_id == account.id)
        .execution_options(populate_existing=True)
    )


def _count(meeting: Meeting, status: RegistrationStatus, organisation_id: int | None = None) -> int:
    query = select(func.count()).select_from(Registration).where(
        Registration.meeting_id == meeting.id, Registration.status == status
    )
    if organisation_id is not None:
        query = query.where(Registration.organisation_id == organisation_id)
    return db.session.scalar(query) or 0


def _most_seats_of_one_organisation(meeting: Meeting) -> int:
    per_organisation = (
        select(func.count().label("seats"))
        .where(
            Registration.meeting_id == meeting.id,
            Registration.status == REGISTERED,
            Registration.organisation_id.is_not(None),
        )
        .group_by(Registration.organisation_id)
        .subquery()
    )
    return db.session.scalar(select(func.max(per_organisation.c.seats))) or 0


def _seat_free(meeting: Meeting, organisation_id: int | None) -> bool:
    """A seat in total and, with seats per organisation, one left for this organisation.

    People without an organisation count against the capacity only.
    """
    if meeting.capacity is not None and _count(meeting, REGISTERED) >= meeting.capacity:
        return False
    if meeting.seats_per_organisation is not None and organisation_id is not None:
        return _count(meeting, REGISTERED, organisation_id) < meeting.seats_per_organisation
    return True


def _fill_free_seats(meeting: Meeting) -> list[Registration]:
    """Move waiting people up, in their order, while seats are free; skip those whose organisation has no seat left."""
    if meeting.status in (MeetingStatus.CANCELLED, MeetingStatus.HELD) or meeting.starts_at <= utcnow():
        return []
    registered = _count(meeting, REGISTERED)
    if meeting.capacity is not None and registered >= meeting.capacity:
        return []
    rows = db.session.execute(
        select(Registration.organisation_id, func.count())
        .where(Registration.meeting_id == meeting.id, Registration.status == REGISTERED)
        .group_by(Registration.organisation_id)
    ).tuples()
    seats_taken = {organisation_id: count for organisation_id, count in rows}
    allowed = {organisation.id for organisation in meeting.registration_organisations}
    waiting = db.session.scalars(
        select(Registration)
        .where(Registration.meeting_id == meeting.id, Registration.status == WAITING)
        .order_by(Registration.created_at, Registration.id)
        .options(joinedload(Registration.account))
        .execution_options(populate_existing=True)
    )
    moved_up: list[Registration] = []
    for registration in waiting:
        if meeting.capacity is not None and registered >= meeting.capacity:
            break
        if not registration.account.active:  # a closed account would only hold the seat empty
            continue
        organisation_id = registration.organisation_id
        if allowed and organisation_id not in allowed:
            continue
        quota = meeting.seats_per_organisation
        if quota is not None and organisation_id is not None and seats_taken.get(organisation_id, 0) >= quota:
            continue
        registration.status = REGISTERED
        registered += 1
        seats_taken[organisation_id] = seats_taken.get(organisation_id, 0) + 1
        moved_up.append(registration)
    db.session.flush()
    return moved_up


def waiting_position(registration: Registration) -> int:
    """The place on the waiting list, from 1: ordered by the time of registering."""
    ahead = select(func.count()).select_from(Registration).where(
        Registration.meeting_id == registration.meeting_id,
        Registration.status == WAITING,
        or_(
            Registration.created_at < registration.created_at,
            and_(Registration.created_at == registration.created_at, Registration.id < registration.id),
        ),
    )
    return (db.session.scalar(ahead) or 0) + 1


# What the meeting page shows


def deadline_text(deadline: datetime) -> str:
    """A deadline in the viewer's zone and language, with the zone named."""
    return f"{format_date(deadline, 'full')}, {format_time(deadline, 'short')} ({get_timezone()})"


def status_counts(meeting: Meeting) -> dict[RegistrationStatus, int]:
    rows = db.session.execute(
        select(Registration.status, func.count())
        .where(Registration.meeting_id == meeting.id)
        .group_by(Registration.status)
    ).tuples()
    counts = {status: 0 for status in RegistrationStatus}
    counts.update({RegistrationStatus(status): count for status, count in rows})
    return counts


def registration_panel(meeting: Meeting, actor: permissions.Actor) -> RegistrationPanel:
    """Registration on the meeting page: seats, deadline, and the viewer's status and what they may do."""
    counts = status_counts(meeting)
    registered, waiting = counts[REGISTERED], counts[WAITING]
    free_seats = None if meeting.capacity is None else max(meeting.capacity - registered, 0)
    now = utcnow()
    closed_reason: str | None = None
    if meeting.status is MeetingStatus.CANCELLED:
        closed_reason = _("This event has been cancelled.")
    elif meeting.status is MeetingStatus.HELD or meeting.starts_at <= now:
        closed_reason = _("This event has already begun; registration has closed.")
    elif meeting.registration_deadline is not None and meeting.registration_deadline <= now:
        closed_reason = _("The registration deadline has passed.")
    is_open = meeting.registration_enabled and closed_reason is None
    logged_in = permissions.is_logged_in(actor)
    registration = _registration_of(meeting, actor) if logged_in else None
    status = registration.status if registration is not None else None
    position = waiting_position(registration) if registration is not None and status is WAITING else None
    active = status in ACTIVE
    allowed = logged_in and permissions.can_register(actor, meeting)
    may_register = is_open and allowed and not active
    will_wait = False
    if may_register:
        own_seats = meeting.seats_per_organisation is not None and actor.organisation_id is not None
        will_wait = free_seats == 0 or (
            own_seats and _count(meeting, REGISTERED, actor.organisation_id) >= meeting.seats_per_organisation
        )
    reason = None
    if not active and meeting.registration_enabled:
        if not is_open:
            reason = closed_reason
        elif logged_in and not allowed:
            reason = _not_your_organisation()
    return RegistrationPanel(
        enabled=meeting.registration_enabled,
        is_open=is_open,
        capacity=meeting.capacity,
        registered=registered,
        waiting=waiting,
        free_seats=free_seats,
        deadline=meeting.registration_deadline,
        deadline_text=deadline_text(meeting.registration_deadline) if meeting.registration_deadline else None,
        seats_per_organisation=meeting.seats_per_organisation,
        organisations=list(meeting.registration_organisations),
        logged_in=logged_in,
        status=status,
        position=position,
        may_register=may_register,
        will_wait=will_wait,
        may_cancel=active and meeting.starts_at > now and meeting.status is not MeetingStatus.HELD,
        reason=reason,
        can_manage=permissions.can_manage_meeting(actor, meeting),
    )


# The organiser's participant list


def participants_query(meeting: Meeting) -> Select:
    """Every registration: registered, then the waiting list in order, then the cancelled."""
    return (
        select(Registration)
        .where(Registration.meeting_id == meeting.id)
        .options(joinedload(Registration.account), joinedload(Registration.organisation))
        .order_by(STATUS_ORDER, Registration.created_at, Registration.id)
    )


def numbered(registrations: Sequence[Registration], offset: int, registered: int) -> list[ParticipantRow]:
    """Rows with waiting list positions, for a page that starts `offset` rows into participants_query."""
    rows = []
    for index, registration in enumerate(registrations, start=offset):
        position = index - registered + 1 if registration.status is WAITING else None
        rows.append(ParticipantRow(registration, position))
    return rows


# Cells starting with these are formulas to a spreadsheet program (CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _cell(value: str) -> str:
    return "'" + value if value.startswith(FORMULA_STARTS) else value


def participants_csv(meeting: Meeting, zone_name: str) -> bytes:
    """The participant list as CSV for German Excel: semicolons, UTF-8 with BOM, CRLF, formulas defused."""
    try:
        zone = ZoneInfo(zone_name)
    except (ZoneInfoNotFoundError, ValueError):
        zone = ZoneInfo(meeting.timezone)
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
    writer.writerow([_("Name"), _("Email"), _("Organisation"), _("Status"), _("Registered on")])
    for registration in db.session.scalars(participants_query(meeting)):
        organisation = registration.organisation
        writer.writerow(
            [
                _cell(registration.account.display_name),
                _cell(registration.account.email),
                _cell(organisation.name if organisation is not None else ""),
                label(registration.status),
                # Day first, 24 hours: a format German Excel reads as a date and time.
                registration.created_at.astimezone(zone).strftime("%d.%m.%Y %H:%M"),
            ]
        )
    return buffer.getvalue().encode("utf-8-sig")


# Mails


def _meeting_link(meeting: Meeting) -> str:
    """An absolute link to the meeting page, built outside a request too (as app/auth/services._mail_link does)."""
    return current_app.config["BASE_URL"] + current_app.url_map.bind("localhost").build(
        "meetings.detail", {"meeting_id": meeting.id}
    )


def calendar_attachment(meeting: Meeting, account: Account, method: Method) -> mail.Attachment:
    """The iTIP .ics of a seat: REQUEST puts the event into the person's calendar, CANCEL takes it out again."""
    language = account.locale or current_app.config["BABEL_DEFAULT_LOCALE"]
    vevent = meeting_event(
        meeting,
        CalendarSettings.from_config(current_app.config),
        method=method,
        language=language,
        include_non_public=permissions.can_see_non_public_items(account, meeting),
        attendee=Attendee(
            account.email, account.display_name, Answer.ACCEPTED if method is Method.REQUEST else Answer.DECLINED
        ),
    )
    return mail.Attachment(
        filename="invite.ics",
        content=to_bytes(build_calendar([vevent], method)),
        maintype="text",
        subtype="calendar",
        params={"method": method.value, "charset": "utf-8"},
    )


def _send(account: Account, meeting: Meeting, template: str, method: Method | None = None, **context: object) -> None:
    """A mail in the recipient's language, the time in their zone; with the .ics when they gain or lose a seat."""
    language = account.locale or current_app.config["BABEL_DEFAULT_LOCALE"]
    attachments = (calendar_attachment(meeting, account, method),) if method is not None else ()
    mail.send_to_account(
        account,
        template,
        attachments=attachments,
        calendar_file=bool(attachments),
        meeting=meeting,
        when=when_text(meeting, language, account.timezone or meeting.timezone),
        link=_meeting_link(meeting),
        **context,
    )


# A change a calendar must see raises the meeting's SEQUENCE (app/meetings/services.py); marking the meeting
# here lets notify_change mail the registered only then, although it is called after every edit.
_CALENDAR_CHANGED = "koop_registrations_calendar_changed"


@event.listens_for(Meeting.sequence, "set")
def _remember_calendar_change(target: Meeting, value: int, old: object, initiator: object) -> None:
    if value != old:
        inspect(target).info[_CALENDAR_CHANGED] = True


def notify_change(meeting: Meeting) -> None:
    """Tell the registered of a changed event (an .ics REQUEST, same UID, higher SEQUENCE) or of its cancellation
    (an .ics CANCEL; the waiting list hears of it too, without a file). Call it after every edit of a meeting:
    it mails only when the SEQUENCE rose, never for a meeting marked as held. Sends mail, writes nothing."""
    changed = inspect(meeting).info.pop(_CALENDAR_CHANGED, False)
    if not changed or meeting.status is MeetingStatus.HELD:
        return
    registrations = db.session.scalars(
        select(Registration)
        .where(Registration.meeting_id == meeting.id, Registration.status.in_(ACTIVE))
        .options(joinedload(Registration.account))
        .order_by(Registration.created_at, Registration.id)
    )
    for registration in registrations:
        account = registration.account
        if not account.active:
            continue
        if meeting.is_cancelled:
            method = Method.CANCEL if registration.status is REGISTERED else None
            _send(account, meeting, "registration_event_cancelled", method=method, registration=registration)
        elif registration.status is REGISTERED:
            _send(account, meeting, "registration_event_changed", method=Method.REQUEST)


def _mail_moved_up(meeting: Meeting, moved_up: list[Registration]) -> None:
    for registration in moved_up:
        _send(registration.account, meeting, "registration_moved_up", method=Method.REQUEST)


def organisations_with_ids(ids: Sequence[int]) -> list[Organisation]:
    """The organisations of these ids (unknown ids are left out), in one query."""
    if not ids:
        return []
    return list(db.session.scalars(select(Organisation).where(Organisation.id.in_(ids)).order_by(Organisation.name)))
