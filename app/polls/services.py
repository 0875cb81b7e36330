"""Use cases of date polls: create and invite, answer, results and their CSV, reminders, close into a meeting, purge."""

from __future__ import annotations

import csv
import io
import logging
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from babel.dates import format_date, format_time
from flask import current_app
from flask_babel import get_locale, ngettext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from itsdangerous import BadData, URLSafeSerializer
from sqlalchemy import Select, case, delete, func, or_, select, update
from sqlalchemy.orm import contains_eager, joinedload
from sqlalchemy.orm.attributes import set_committed_value

from app import permissions
from app.agendas.services import standard_agenda
from app.bodies.access import current_roles
from app.bodies.services import roster
from app.clock import today
from app.errors import ConflictError, DomainError
from app.extensions import db
from app.i18n import label
from app.invitations.services import SendReport, notice_days, notice_shortened, send_invitations
from app.mail import send_to_account
from app.meetings.services import MeetingData, schedule_meeting, times_of
from app.meetings.times import local_to_utc, utc_to_local, zone
from app.models import (
    Account,
    Body,
    Meeting,
    MeetingKind,
    Organisation,
    Poll,
    PollAnswer,
    PollChoice,
    PollInvitee,
    PollSlot,
    PollStatus,
    utcnow,
)

log = logging.getLogger("koop.polls")

ANSWER_SALT = "poll-answer"
DEFAULT_REMINDER_HOURS = 48
DEFAULT_RETENTION_DAYS = 90
MIN_DURATION = 15
MAX_DURATION = 24 * 60
MAX_SLOTS = 50
MAX_COMMENT = 1000
EVENT_KINDS = (MeetingKind.KICKOFF, MeetingKind.INFORMATION_EVENT, MeetingKind.WORKSHOP)

# Status by symbol and text, never by colour alone.
SYMBOLS = {PollChoice.YES: "✓", PollChoice.IF_NEED_BE: "(✓)", PollChoice.NO: "✗"}
NO_ANSWER_SYMBOL = "–"
CHOICE_ORDER = (PollChoice.YES, PollChoice.IF_NEED_BE, PollChoice.NO)
NO_ANSWER = _l("No answer")


@dataclass(frozen=True)
class SlotInput:
    """A proposed date as entered: local date and start time in the poll's zone; `field` names its form row."""

    day: date
    start: time
    field: str = "slots"


@dataclass
class PollData:
    """What a person enters for a new poll."""

    title: str
    meeting_kind: MeetingKind
    duration_minutes: int
    slots: list[SlotInput]
    deadline_day: date
    deadline_time: time
    description: str = ""
    timezone: str = "Europe/Berlin"
    body: Body | None = None
    accounts: list[Account] = field(default_factory=list)
    organisations: list[Organisation] = field(default_factory=list)


@dataclass
class CloseData:
    """What the organiser confirms when closing a poll: the meeting's title, place and description."""

    title: str
    location: str = ""
    online_url: str = ""
    description: str = ""


@dataclass
class CloseReport:
    meeting: Meeting
    invitations: SendReport


@dataclass
class ResultRow:
    invitee: PollInvitee
    choices: dict[int, PollChoice]


@dataclass
class SlotCount:
    yes: int = 0
    if_need_be: int = 0
    no: int = 0

    def add(self, choice: PollChoice) -> None:
        setattr(self, choice.value, getattr(self, choice.value) + 1)

    @property
    def rank(self) -> tuple[int, int]:
        """Most yes first, then most if-need-be."""
        return (self.yes, self.if_need_be)


@dataclass
class PollResults:
    """Everything the results table shows, loaded with a fixed number of statements."""

    poll: Poll
    slots: list[PollSlot]
    rows: list[ResultRow]
    counts: dict[int, SlotCount]
    best: set[int]

    @property
    def answered(self) -> int:
        return sum(1 for row in self.rows if row.invitee.answered_at is not None)

    def row_of(self, account_id: int) -> ResultRow | None:
        return next((row for row in self.rows if row.invitee.account_id == account_id), None)


# Texts


def choice_text(choice: PollChoice | None) -> str:
    """"✓ Yes", "(✓) If need be", "✗ No" or "– No answer", in the current language."""
    if choice is None:
        return f"{NO_ANSWER_SYMBOL} {NO_ANSWER}"
    return f"{SYMBOLS[choice]} {label(choice)}"


def _locale() -> str:
    return str(get_locale() or current_app.config["BABEL_DEFAULT_LOCALE"])


def local_text(instant: datetime, zone_name: str) -> str:
    """A moment as the reader's language writes it, in the given zone, with the zone named."""
    local = utc_to_local(instant, zone_name)
    locale = _locale()
    return (
        f"{format_date(local.date(), 'full', locale=locale)}, "
        f"{format_time(local, 'short', tzinfo=local.tzinfo, locale=locale)} ({zone_name})"
    )


def slot_short(poll: Poll, slot: PollSlot) -> str:
    """A slot for a table header, whose caption names the zone: "Tue, 3 Mar 2026, 10:00–12:00"."""
    locale = _locale()
    start = utc_to_local(slot.starts_at, poll.timezone)
    end = utc_to_local(slot.starts_at + timedelta(minutes=poll.duration_minutes), poll.timezone)
    return (
        f"{format_date(start.date(), 'EEE', locale=locale)} {format_date(start.date(), 'medium', locale=locale)}, "
        f"{format_time(start, 'short', tzinfo=start.tzinfo, locale=locale)}–"
        f"{format_time(end, 'short', tzinfo=end.tzinfo, locale=locale)}"
    )


def slot_text(poll: Poll, slot: PollSlot, reader_zone: str | None = None) -> str:
    """A slot with date, start and end time and the poll's zone; with the reader's zone too where it differs."""
    locale = _locale()
    start = utc_to_local(slot.starts_at, poll.timezone)
    end = utc_to_local(slot.starts_at + timedelta(minutes=poll.duration_minutes), poll.timezone)
    text = (
        f"{format_date(start.date(), 'full', locale=locale)}, "
        f"{format_time(start, 'short', tzinfo=start.tzinfo, locale=locale)}–"
        f"{format_time(end, 'short', tzinfo=end.tzinfo, locale=locale)} ({poll.timezone})"
    )
    if reader_zone and reader_zone != poll.timezone:
        try:
            zone(reader_zone)
        except DomainError:
            return text
        there = utc_to_local(slot.starts_at, reader_zone)
        text += _(
            "; in %(zone)s: %(day)s, %(time)s",
            zone=reader_zone,
            day=format_date(there.date(), "medium", locale=locale),
            time=format_time(there, "short", tzinfo=there.tzinfo, locale=locale),
        )
    return text


# Loading


def get_poll(poll_id: int) -> Poll | None:
    return db.session.scalars(
        select(Poll)
        .options(joinedload(Poll.body), joinedload(Poll.organiser), joinedload(Poll.meeting))
        .where(Poll.id == poll_id)
    ).one_or_none()


def get_slot(poll: Poll, slot_id: int) -> PollSlot | None:
    """The slot of this poll, or None for an unknown one or one of another poll."""
    return next((slot for slot in poll.slots if slot.id == slot_id), None)


def my_invitee(poll: Poll, actor: Any) -> PollInvitee | None:
    if not permissions.is_logged_in(actor):
        return None
    invitee = db.session.scalars(
        select(PollInvitee).where(PollInvitee.poll_id == poll.id, PollInvitee.account_id == actor.id)
    ).one_or_none()
    if invitee is not None:
        set_committed_value(invitee, "poll", poll)
        set_committed_value(invitee, "account", actor)
    return invitee


def answers_of(invitee: PollInvitee) -> dict[int, PollChoice]:
    return {answer.slot_id: answer.choice for answer in invitee.answers}


def body_choices(actor: Any) -> list[tuple[int, str]]:
    """The bodies the actor may start a poll for: not dissolved, and where they schedule meetings."""
    day = today()
    bodies = db.session.scalars(
        select(Body).where(or_(Body.dissolved_on.is_(None), Body.dissolved_on > day)).order_by(Body.name)
    )
    return [(body.id, f"{body.name} ({body.code})") for body in bodies if permissions.can_create_poll(actor, body)]


def organisation_choices() -> list[tuple[int, str]]:
    """Organisations with active accounts, with their number of people, by name."""
    people = func.count(Account.id)
    rows = db.session.execute(
        select(Organisation.id, Organisation.name, people)
        .join(Account, Account.organisation_id == Organisation.id)
        .where(Account.active.is_(True))
        .group_by(Organisation.id, Organisation.name)
        .order_by(Organisation.name)
    )
    return [
        (row.id, ngettext("%(name)s (%(num)d person)", "%(name)s (%(num)d people)", row[2], name=row.name))
        for row in rows
    ]


def accounts_by_ids(ids: list[int]) -> list[Account]:
    return list(db.session.scalars(select(Account).where(Account.id.in_(ids)).order_by(Account.id))) if ids else []


def organisations_by_ids(ids: list[int]) -> list[Organisation]:
    if not ids:
        return []
    return list(db.session.scalars(select(Organisation).where(Organisation.id.in_(ids)).order_by(Organisation.id)))


def _my_polls(account: Account) -> Select:
    """Polls the account manages: every poll for organisers, else the own ones and those of bodies it schedules."""
    query = select(Poll).options(joinedload(Poll.body))
    if permissions.is_organiser(account):
        return query
    scheduling = [body_id for body_id, role in current_roles(account).items() if role in permissions.SCHEDULING_ROLES]
    return query.where(or_(Poll.organiser_id == account.id, Poll.body_id.in_(scheduling)))


OPEN_FIRST = case((Poll.status == PollStatus.OPEN, 0), else_=1)


def managed_polls_query(account: Account) -> Select:
    """Open polls first, then closed ones; latest deadline first."""
    return _my_polls(account).order_by(OPEN_FIRST, Poll.deadline.desc(), Poll.id.desc())


def invited_polls(account: Account) -> list[tuple[Poll, PollInvitee]]:
    """The polls the account is invited to, with its own invitee row, open ones first."""
    rows = db.session.execute(
        select(Poll, PollInvitee)
        .join(PollInvitee, PollInvitee.poll_id == Poll.id)
        .options(joinedload(Poll.body))
        .where(PollInvitee.account_id == account.id)
        .order_by(OPEN_FIRST, Poll.deadline.desc(), Poll.id.desc())
    )
    return [(row.Poll, row.PollInvitee) for row in rows]


def close_preview(poll: Poll, slot: PollSlot, now: datetime | None = None) -> dict[str, Any]:
    """What the closing page shows: the agenda the meeting starts with and whether the notice is shortened."""
    stand_in = Meeting(body=poll.body, starts_at=slot.starts_at)
    return {
        "agenda": standard_agenda(poll.body) if poll.body is not None else [],
        "short_notice": notice_shortened(stand_in, now or utcnow()),
        "notice_days": notice_days(stand_in),
    }


# Creating and inviting


def _invitees(data: PollData) -> list[Account]:
    """The body's current members and the chosen people and organisations' active accounts, each once, by name."""
    people: dict[int, Account] = {}
    if data.body is not None:
        for membership in roster(data.body).current:
            if membership.account.active:
                people.setdefault(membership.account_id, membership.account)
    for account in data.accounts:
        if not account.active:
            raise DomainError(_("%(name)s cannot be invited: the account is deactivated.", name=account.display_name),
                              field="accounts")
        people.setdefault(account.id, account)
    organisation_ids = [organisation.id for organisation in data.organisations]
    if organisation_ids:
        for account in db.session.scalars(
            select(Account).where(Account.organisation_id.in_(organisation_ids), Account.active.is_(True))
        ):
            people.setdefault(account.id, account)
    return sorted(people.values(), key=lambda account: (account.display_name.lower(), account.id))


def _check_slots(data: PollData, now: datetime) -> list[datetime]:
    if not data.slots:
        raise DomainError(_("Please propose at least one date."), field="slots")
    if len(data.slots) > MAX_SLOTS:
        raise DomainError(_("Please propose at most %(count)d dates.", count=MAX_SLOTS), field="slots")
    starts: list[datetime] = []
    for slot in data.slots:
        starts_at = local_to_utc(slot.day, slot.start, data.timezone, field=slot.field)
        if starts_at <= now:
            raise DomainError(_("This date is in the past."), field=slot.field)
        if starts_at in starts:
            raise DomainError(_("This date is proposed twice."), field=slot.field)
        starts.append(starts_at)
    return sorted(starts)


def create_poll(actor: Account, data: PollData, now: datetime | None = None) -> Poll:
    """Create the poll with its slots, invite the body's members and the chosen people, and mail each their link."""
    now = now or utcnow()
    title = data.title.strip()
    if not title:
        raise DomainError(_("Please enter a title."), field="title")
    if not MIN_DURATION <= data.duration_minutes <= MAX_DURATION:
        raise DomainError(
            _("The duration must be between %(min)d and %(max)d minutes.", min=MIN_DURATION, max=MAX_DURATION),
            field="duration_minutes",
        )
    zone(data.timezone)
    if data.body is None and data.meeting_kind not in EVENT_KINDS:
        raise DomainError(_("A meeting belongs to a body: choose the body, or choose an event."), field="meeting_kind")
    if data.body is not None and data.body.is_dissolved(today()):
        raise DomainError(_("This body has been dissolved; it can no longer meet."), field="body_id")
    starts = _check_slots(data, now)
    deadline = local_to_utc(data.deadline_day, data.deadline_time, data.timezone, field="deadline_time")
    if deadline <= now:
        raise DomainError(_("The deadline must be in the future."), field="deadline_day")
    if deadline > starts[0]:
        raise DomainError(_("The deadline must not be after the first proposed date."), field="deadline_day")
    accounts = _invitees(data)
    if not accounts:
        raise DomainError(_("Nobody would be invited: please choose a body with members, people or organisations."),
                          field="invitees")
    poll = Poll(
        title=title,
        description=data.description.strip(),
        body=data.body,
        meeting_kind=data.meeting_kind,
        duration_minutes=data.duration_minutes,
        timezone=data.timezone,
        deadline=deadline,
        status=PollStatus.OPEN,
        organiser=actor,
        created_at=now,
    )
    poll.slots = [PollSlot(starts_at=starts_at) for starts_at in starts]
    poll.invitees = [PollInvitee(account=account, comment="") for account in accounts]
    db.session.add(poll)
    db.session.flush()
    for invitee in poll.invitees:
        _mail(invitee, "poll_invitation", inviter=actor)
    db.session.commit()
    return poll


# Answers


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=ANSWER_SALT)


def answer_token(invitee: PollInvitee) -> str:
    """The signed part of the personal link: it names the poll and the invitee."""
    return _serializer().dumps([invitee.poll_id, invitee.id])


def answer_url(invitee: PollInvitee) -> str:
    return _absolute("polls.answer_by_link", token=answer_token(invitee))


def poll_url(poll: Poll) -> str:
    return _absolute("polls.detail", poll_id=poll.id)


def _absolute(endpoint: str, **values: Any) -> str:
    """An absolute link built outside a request too (mails from the command line)."""
    return current_app.config["BASE_URL"].rstrip("/") + current_app.url_map.bind("localhost").build(endpoint, values)


def invitee_for_token(token: str) -> PollInvitee | None:
    """The invitee a personal link names, or None for a forged link, a mismatched poll and invitee, an invitee
    that no longer exists or a deactivated account."""
    if not token or len(token) > 500:
        return None
    try:
        payload = _serializer().loads(token)
    except BadData:
        return None
    if not (isinstance(payload, list) and len(payload) == 2 and all(type(part) is int for part in payload)):
        return None
    poll_id, invitee_id = payload
    invitee = db.session.scalars(
        select(PollInvitee)
        .options(joinedload(PollInvitee.account), joinedload(PollInvitee.poll).joinedload(Poll.body))
        .where(PollInvitee.id == invitee_id)
    ).one_or_none()
    if invitee is None or invitee.poll_id != poll_id or not invitee.account.active:
        return None
    return invitee


def ensure_open(poll: Poll) -> None:
    """A closed poll cannot be closed again (409)."""
    if poll.status is PollStatus.CLOSED:
        raise ConflictError(_("This poll has been closed already."))


def ensure_answerable(poll: Poll, now: datetime | None = None) -> None:
    """A closed poll, or one past its deadline, takes no more answers (409)."""
    if poll.status is PollStatus.CLOSED:
        if poll.chosen_slot is not None:
            raise ConflictError(
                _("This poll has been closed: the date is %(when)s. It takes no more answers.",
                  when=slot_text(poll, poll.chosen_slot))
            )
        raise ConflictError(_("This poll has been closed; it takes no more answers."))
    if (now or utcnow()) > poll.deadline:
        raise ConflictError(
            _("The deadline of this poll (%(deadline)s) has passed; answers can no longer be given or changed.",
              deadline=local_text(poll.deadline, poll.timezone))
        )


def answer_poll(
    invitee: PollInvitee, choices: dict[int, PollChoice], comment: str = "", now: datetime | None = None
) -> None:
    """Record yes, if need be or no for every slot, and a comment; answers can change until the deadline."""
    now = now or utcnow()
    poll = invitee.poll
    ensure_answerable(poll, now)
    slot_ids = [slot.id for slot in poll.slots]
    if set(choices) - set(slot_ids):
        raise DomainError(_("Please answer only for the proposed dates."))
    for slot_id in slot_ids:
        if choices.get(slot_id) not in CHOICE_ORDER:
            raise DomainError(_("Please choose yes, if need be or no for this date."), field=f"slot_{slot_id}")
    comment = comment.strip()
    if len(comment) > MAX_COMMENT:
        raise DomainError(_("Please keep the comment under %(count)d characters.", count=MAX_COMMENT),
                          field="comment")
    existing = {answer.slot_id: answer for answer in invitee.answers}
    for slot_id in slot_ids:
        if slot_id in existing:
            existing[slot_id].choice = choices[slot_id]
        else:
            invitee.answers.append(PollAnswer(slot_id=slot_id, choice=choices[slot_id]))
    invitee.comment = comment
    invitee.answered_at = now
    db.session.commit()


# Results


def results(poll: Poll) -> PollResults:
    """Every invitee's answers, counts per slot and the best slots: three statements however many invitees."""
    slots = list(poll.slots)
    invitees = list(
        db.session.scalars(
            select(PollInvitee)
            .join(PollInvitee.account)
            .outerjoin(Account.organisation)
            .options(contains_eager(PollInvitee.account).contains_eager(Account.organisation))
            .where(PollInvitee.poll_id == poll.id)
            .order_by(func.lower(Account.display_name), PollInvitee.id)
        ).unique()
    )
    answers = db.session.execute(
        select(PollAnswer.invitee_id, PollAnswer.slot_id, PollAnswer.choice)
        .join(PollInvitee, PollAnswer.invitee_id == PollInvitee.id)
        .where(PollInvitee.poll_id == poll.id)
    )
    by_invitee: dict[int, dict[int, PollChoice]] = {invitee.id: {} for invitee in invitees}
    counts = {slot.id: SlotCount() for slot in slots}
    for invitee_id, slot_id, choice in answers:
        by_invitee.setdefault(invitee_id, {})[slot_id] = choice
        if slot_id in counts:
            counts[slot_id].add(choice)
    for invitee in invitees:
        set_committed_value(invitee, "poll", poll)
    best_rank = max((count.rank for count in counts.values()), default=(0, 0))
    best = {slot_id for slot_id, count in counts.items() if count.rank == best_rank} if best_rank != (0, 0) else set()
    return PollResults(
        poll=poll,
        slots=slots,
        rows=[ResultRow(invitee, by_invitee[invitee.id]) for invitee in invitees],
        counts=counts,
        best=best,
    )


# Cells starting with these are formulas to a spreadsheet program (CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _cell(value: str) -> str:
    return "'" + value if value.startswith(FORMULA_STARTS) else value


def results_csv(poll: Poll) -> bytes:
    """The results for German Excel: semicolons, UTF-8 with BOM, CRLF, formulas defused; one column per slot."""
    table = results(poll)
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
    # Day first, 24 hours: a format German Excel reads as a date and time.
    slot_headers = [
        f"{utc_to_local(slot.starts_at, poll.timezone).strftime('%d.%m.%Y %H:%M')} ({poll.timezone})"
        for slot in table.slots
    ]
    writer.writerow([_("Name"), _("Organisation"), *slot_headers, _("Comment"), _("Answered on")])
    for row in table.rows:
        account = row.invitee.account
        answered = row.invitee.answered_at
        writer.writerow(
            [
                _cell(account.display_name),
                _cell(account.organisation.name if account.organisation is not None else ""),
                *(choice_text(row.choices.get(slot.id)) for slot in table.slots),
                _cell(row.invitee.comment),
                utc_to_local(answered, poll.timezone).strftime("%d.%m.%Y %H:%M") if answered else "",
            ]
        )
    for choice in CHOICE_ORDER:
        counts = [str(getattr(table.counts[slot.id], choice.value)) for slot in table.slots]
        writer.writerow([choice_text(choice), "", *counts, "", ""])
    best = [_("Best date") if slot.id in table.best else "" for slot in table.slots]
    writer.writerow(["", "", *best, "", ""])
    return buffer.getvalue().encode("utf-8-sig")


# Reminders


def send_poll_reminders(now: datetime | None = None) -> int:
    """Mail once everyone who has not answered an open poll whose deadline is within POLL_REMINDER_HOURS.

    Safe to run as often as cron likes: a reminded invitee is never reminded again, and concurrent runs skip
    each other's rows on PostgreSQL. A mail that fails is tried again by the next run.
    """
    now = now or utcnow()
    hours = float(current_app.config.get("POLL_REMINDER_HOURS", DEFAULT_REMINDER_HOURS))
    invitees = list(
        db.session.scalars(
            select(PollInvitee)
            .join(PollInvitee.poll)
            .join(PollInvitee.account)
            .options(contains_eager(PollInvitee.poll), contains_eager(PollInvitee.account))
            .where(
                Poll.status == PollStatus.OPEN,
                Poll.deadline > now,
                Poll.deadline <= now + timedelta(hours=hours),
                PollInvitee.answered_at.is_(None),
                PollInvitee.reminded_at.is_(None),
                Account.active.is_(True),
            )
            .order_by(Poll.deadline, PollInvitee.id)
            .with_for_update(skip_locked=True, of=PollInvitee)
        ).unique()
    )
    sent = 0
    for invitee in invitees:
        try:
            _mail(invitee, "poll_reminder")
        except OSError:  # smtplib's errors are OSErrors: leave this one for the next run
            log.exception("reminder for poll invitee %s could not be sent", invitee.id)
            continue
        invitee.reminded_at = now
        sent += 1
    db.session.commit()
    return sent


# Closing


def _meeting_data(poll: Poll, slot: PollSlot, data: CloseData) -> MeetingData:
    start = utc_to_local(slot.starts_at, poll.timezone)
    end = utc_to_local(slot.starts_at + timedelta(minutes=poll.duration_minutes), poll.timezone)
    return MeetingData(
        kind=poll.meeting_kind,
        title=data.title.strip(),
        start_day=start.date(),
        start_time=start.time().replace(tzinfo=None),
        end_day=end.date(),
        end_time=end.time().replace(tzinfo=None),
        timezone=poll.timezone,
        location=data.location.strip(),
        online_url=data.online_url.strip(),
        description=data.description.strip(),
    )


def close_poll(
    actor: Account,
    poll: Poll,
    slot: PollSlot,
    data: CloseData,
    confirm_short_notice: bool = False,
    now: datetime | None = None,
) -> CloseReport:
    """Close the poll on a slot: create the meeting (a body's one gets its standard agenda), send the invitations
    of the meeting, and mail every invitee the result. Closing twice is a conflict."""
    now = now or utcnow()
    ensure_open(poll)
    if slot.poll_id != poll.id:
        raise DomainError(_("Please choose one of the proposed dates."), field="slot")
    if slot.starts_at <= now:
        raise DomainError(_("This date has passed; please choose a later one."))
    if not data.title.strip():
        raise DomainError(_("Please enter a title."), field="title")
    body = poll.body
    if body is not None and body.is_dissolved(today()):
        raise ConflictError(_("This body has been dissolved; it can no longer meet."))
    meeting_data = _meeting_data(poll, slot, data)
    times_of(meeting_data)  # a slot whose end falls into a clock change is refused before anything is written
    preview = close_preview(poll, slot, now)
    if preview["short_notice"] and not confirm_short_notice:
        raise DomainError(
            _("The date is less than the notice period of %(days)d days away. Please confirm that you want to "
              "send the invitations with shortened notice.", days=preview["notice_days"]),
            field="confirm_short_notice",
        )
    # The guarded UPDATE makes a second, concurrent closing find nothing to close.
    closed = db.session.execute(
        update(Poll)
        .where(Poll.id == poll.id, Poll.status == PollStatus.OPEN)
        .values(status=PollStatus.CLOSED, closed_at=now, chosen_slot_id=slot.id)
        .execution_options(synchronize_session=False)
    )
    if closed.rowcount != 1:
        db.session.rollback()
        raise ConflictError(_("This poll has been closed already."))
    db.session.expire(poll, ["status", "closed_at", "chosen_slot_id", "chosen_slot"])
    # schedule_meeting and send_invitations commit on their own: the closing above is committed with the new
    # meeting, and the link to it right after, so that a mail server failing while the invitations go out
    # leaves a closed poll with its meeting, whose invitations can then be sent from the meeting page.
    meeting = schedule_meeting(actor, body, meeting_data)
    poll.meeting_id = meeting.id
    db.session.commit()
    invitees = list(
        db.session.scalars(
            select(PollInvitee)
            .options(joinedload(PollInvitee.account))
            .where(PollInvitee.poll_id == poll.id)
            .order_by(PollInvitee.id)
        )
    )
    # Members of a body poll are invited by send_invitations itself; everyone else comes as a guest.
    guests = [invitee.account for invitee in invitees if invitee.account.active]
    report = send_invitations(actor, meeting, guests, confirm_short_notice=True)
    meeting_url = _absolute("meetings.detail", meeting_id=meeting.id)
    for invitee in invitees:
        if invitee.account.active:
            set_committed_value(invitee, "poll", poll)
            _mail(invitee, "poll_result", meeting=meeting, meeting_url=meeting_url)
    db.session.commit()
    return CloseReport(meeting=meeting, invitations=report)


# Data protection


def purge_polls(now: datetime | None = None) -> int:
    """Delete polls closed more than POLL_RETENTION_DAYS days ago, and open ones whose deadline passed that long
    ago (abandoned), with their slots, invitees and answers. Returns how many polls were deleted."""
    now = now or utcnow()
    days = int(current_app.config.get("POLL_RETENTION_DAYS", DEFAULT_RETENTION_DAYS))
    cutoff = now - timedelta(days=days)
    poll_ids = list(
        db.session.scalars(
            select(Poll.id).where(
                or_(
                    Poll.closed_at < cutoff,
                    (Poll.status == PollStatus.OPEN) & (Poll.deadline < cutoff),
                )
            )
        )
    )
    if not poll_ids:
        return 0
    invitee_ids = select(PollInvitee.id).where(PollInvitee.poll_id.in_(poll_ids))
    db.session.execute(delete(PollAnswer).where(PollAnswer.invitee_id.in_(invitee_ids)),
                       execution_options={"synchronize_session": False})
    db.session.execute(delete(PollInvitee).where(PollInvitee.poll_id.in_(poll_ids)),
                       execution_options={"synchronize_session": False})
    db.session.execute(update(Poll).where(Poll.id.in_(poll_ids)).values(chosen_slot_id=None),
                       execution_options={"synchronize_session": False})
    db.session.execute(delete(PollSlot).where(PollSlot.poll_id.in_(poll_ids)),
                       execution_options={"synchronize_session": False})
    db.session.execute(delete(Poll).where(Poll.id.in_(poll_ids)), execution_options={"synchronize_session": False})
    db.session.commit()
    return len(poll_ids)


# Mails


def _mail(invitee: PollInvitee, template: str, **context: Any) -> None:
    poll, account = invitee.poll, invitee.account
    reader_zone = account.timezone or poll.timezone

    # Called while the template renders, so the texts come in the recipient's language.
    def when(slot: PollSlot) -> str:
        return slot_text(poll, slot, reader_zone)

    def deadline() -> str:
        return local_text(poll.deadline, poll.timezone)

    send_to_account(
        account,
        template,
        poll=poll,
        invitee=invitee,
        slots=list(poll.slots),
        when=when,
        deadline=deadline,
        answer_url=answer_url(invitee),
        poll_url=poll_url(poll),
        **context,
    )
