"""Use cases of meeting series: create one from a rule, change it from one occurrence on, end it early.

How a series maps onto RFC 5545, and why "this and all following" splits a series
---------------------------------------------------------------------------------
A MeetingSeries is exactly one VEVENT with an RRULE. Its DTSTART is `first_day` at `start_time` in `timezone`
(always the rule's first slot: `first_day` is moved onto it when the series is created, so DTSTART is in step
with the RRULE as RFC 5545 asks), its DTEND is DTSTART + `duration_minutes`, and its RRULE is
`recurrence_rule(series)`. The services here keep these invariants, on which a simple export relies:

1. Each occurrence's `original_start` (its RECURRENCE-ID) is the UTC instant of one slot of its own series'
   rule, and each slot has one occurrence. The only exception: occurrences cancelled by ending the series
   early lie after its end (kept because invitations for them were sent); an EXDATE for them is harmless.
2. The occurrences that are not exceptions (`is_exception` false) start exactly at their slot, last
   `duration_minutes` and share title, place and online link, so the master VEVENT can take those from any
   of them (the first one, say). Status and description may differ: confirming or holding one occurrence,
   or editing its description, does not make it an exception.
3. A cancelled occurrence becomes an EXDATE; an exception that is not cancelled becomes an override VEVENT
   with the series' UID and RECURRENCE-ID = `original_start`.

Editing one occurrence goes through app.meetings.services (update_meeting / change_status), which mark it an
exception. "This and all following" SPLITS the series, as Google Calendar does (and as Outlook must, since it
ignores RANGE=THISANDFUTURE): the old series now ends the day before the chosen occurrence (`until_on`, its
SEQUENCE rises); a new series with its own UID and the changed rule takes the chosen occurrence and all
following ones. The following non-exceptions get the new time, place and title (their SEQUENCE rises); the
exceptions among them move along untouched except for their RECURRENCE-ID, which becomes the new rule's slot
of the same day, so invariant 1 holds. Keeping one series and storing the change instead would make every
following occurrence an override of a rule that no longer describes them, and leave no single set of values
for the master VEVENT. When the chosen occurrence is the first of its series nothing is split: the rule
changes in place.

The price of splitting: the occurrences that move to the new series get a new calendar identity (the new
series' UID, and a new RECURRENCE-ID when the time of day changes). Feeds are read whole on every refresh, so
subscribers simply see the new picture. Invitation updates for moved occurrences whose invitations were
already sent carry the new identity; for the attendees' calendar programs to drop the old instance as well,
a METHOD:CANCEL for the previous identity (old series UID, old `original_start`) has to go out with them.
tell_everyone_concerned (invitees and registered people) runs for every occurrence whose content or identity
changed; it mails when SEQUENCE rose.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from babel.dates import get_day_names
from dateutil import rrule as du
from flask_babel import format_date, get_locale, ngettext
from flask_babel import gettext as _
from sqlalchemy import Select, select, union
from sqlalchemy.orm import joinedload

from app.agendas.services import seed_standard_agenda
from app.clock import today
from app.errors import ConflictError, DomainError
from app.extensions import db
from app.meetings.services import tell_everyone_concerned
from app.meetings.times import local_to_utc, utc_to_local, zone
from app.models import (
    Account,
    Attachment,
    Body,
    Invitation,
    Meeting,
    MeetingKind,
    MeetingSeries,
    MeetingStatus,
    Registration,
    SeriesFrequency,
)

WEEKDAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
NTH_VALUES = (1, 2, 3, 4, -1)  # -1: the last one of the month
MAX_OCCURRENCES = 100
MAX_YEARS = 2
MAX_INTERVAL = 12  # the table's CHECK constraint
MAX_DURATION_MINUTES = 24 * 60


@dataclass
class SeriesData:
    """What a person enters for a series: the rule, in local dates and times of the series' zone."""

    title: str
    frequency: SeriesFrequency
    first_day: date | None
    start_time: time | None
    end_time: time | None
    interval: int | None = 1
    weekdays: list[str] = field(default_factory=list)  # weekly: "MO", "TH", ...
    nth: int | None = None  # monthly on the n-th weekday: 1..4 or -1 (last)
    nth_weekday: str | None = None  # ... and which weekday
    month_day: int | None = None  # monthly on a day of the month: 1..31
    until_on: date | None = None
    occurrence_count: int | None = None
    timezone: str = "Europe/Berlin"
    location: str = ""
    online_url: str = ""
    description: str = ""
    kind: MeetingKind = MeetingKind.MEETING


@dataclass
class FollowingData:
    """The new values for an occurrence and all following ones."""

    title: str
    start_time: time | None
    end_time: time | None
    location: str = ""
    online_url: str = ""


@dataclass(frozen=True)
class Occurrence:
    """One of Koop's own occurrences of a series, as a calendar would show it (times in UTC)."""

    meeting_id: int
    start: datetime
    end: datetime
    cancelled: bool
    is_exception: bool
    original_start: datetime


@dataclass(frozen=True)
class Ending:
    """What ending a series early did to the occurrences after its new end."""

    deleted: int
    cancelled: int


# The rule


@dataclass(frozen=True)
class Rule:
    """A series' recurrence rule in local wall-clock time."""

    frequency: SeriesFrequency
    interval: int
    weekdays: tuple[str, ...]
    nth: int | None
    month_day: int | None
    first_day: date
    start_time: time
    until_on: date | None
    count: int | None

    @classmethod
    def of(cls, series: MeetingSeries) -> Rule:
        return cls(
            frequency=series.frequency,
            interval=series.interval,
            weekdays=tuple(code for code in series.weekdays.split(",") if code),
            nth=series.nth,
            month_day=series.month_day,
            first_day=series.first_day,
            start_time=_parse_time(series.start_time),
            until_on=series.until_on,
            count=series.occurrence_count,
        )

    def local_starts(self) -> Iterator[datetime]:
        """The naive local start of every slot; 10:00 stays 10:00 whatever the clocks do."""
        options: dict[str, Any] = {
            "dtstart": datetime.combine(self.first_day, self.start_time),
            "interval": self.interval,
            "wkst": du.MO,
        }
        if self.frequency is SeriesFrequency.WEEKLY:
            options["byweekday"] = [_weekday(code) for code in self.weekdays]
        elif self.frequency is SeriesFrequency.MONTHLY_NTH_WEEKDAY:
            options["byweekday"] = [_weekday(self.weekdays[0])(self.nth)]
        else:
            options["bymonthday"] = [self.month_day]
        if self.until_on is not None:
            options["until"] = datetime.combine(self.until_on, time(23, 59, 59))
        else:
            options["count"] = self.count
        frequency = du.WEEKLY if self.frequency is SeriesFrequency.WEEKLY else du.MONTHLY
        return iter(du.rrule(frequency, **options))


def _weekday(code: str) -> du.weekday:
    return getattr(du, code)


def _parse_time(value: str) -> time:
    return datetime.strptime(value, "%H:%M").time()


def _add_years(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def recurrence_rule(series: MeetingSeries) -> dict[str, Any]:
    """The series' RRULE as the parts icalendar's vRecur takes; UNTIL in UTC, as RFC 5545 wants with a TZID."""
    parts: dict[str, Any] = {"FREQ": "WEEKLY" if series.frequency is SeriesFrequency.WEEKLY else "MONTHLY"}
    parts["INTERVAL"] = series.interval
    weekdays = [code for code in series.weekdays.split(",") if code]
    if series.frequency is SeriesFrequency.WEEKLY:
        parts["BYDAY"] = weekdays
    elif series.frequency is SeriesFrequency.MONTHLY_NTH_WEEKDAY:
        parts["BYDAY"] = [f"{series.nth}{weekdays[0]}"]
    else:
        parts["BYMONTHDAY"] = [series.month_day]
    if series.until_on is not None:
        end_of_day = datetime.combine(series.until_on, time(23, 59, 59), tzinfo=zone(series.timezone))
        parts["UNTIL"] = end_of_day.astimezone(UTC)
    else:
        parts["COUNT"] = series.occurrence_count
    parts["WKST"] = "MO"
    return parts


def slots(series: MeetingSeries) -> list[datetime]:
    """The UTC start of every slot of the series' rule (the RECURRENCE-IDs its occurrences carry)."""
    start_time = _parse_time(series.start_time)
    return [
        local_to_utc(start.date(), start_time, series.timezone, field="start_time")
        for start in Rule.of(series).local_starts()
    ]


# Checking what a person entered


def _duration(start_time: time | None, end_time: time | None) -> int:
    if start_time is None:
        raise DomainError(_("Please enter a start time."), field="start_time")
    if end_time is None:
        raise DomainError(_("Please enter an end time."), field="end_time")
    minutes = (end_time.hour * 60 + end_time.minute) - (start_time.hour * 60 + start_time.minute)
    if minutes <= 0:
        raise DomainError(_("The meetings must end after they start, on the same day."), field="end_time")
    return minutes


def _checked_rule(data: SeriesData) -> Rule:
    """The rule the data describe, or a field-aware error for each way it can be wrong."""
    if data.first_day is None:
        raise DomainError(_("Please enter the day of the first meeting."), field="first_day")
    if data.interval is None or not 1 <= data.interval <= MAX_INTERVAL:
        raise DomainError(_("Please enter a whole number from 1 to %(max)d.", max=MAX_INTERVAL), field="interval")
    weekdays: tuple[str, ...] = ()
    if data.frequency is SeriesFrequency.WEEKLY:
        weekdays = tuple(code for code in WEEKDAYS if code in set(data.weekdays))
        if not weekdays or len(weekdays) != len(set(data.weekdays)):
            raise DomainError(_("Please choose at least one weekday."), field="weekdays")
    elif data.frequency is SeriesFrequency.MONTHLY_NTH_WEEKDAY:
        if data.nth not in NTH_VALUES:
            raise DomainError(_("Please choose first, second, third, fourth or last."), field="nth")
        if data.nth_weekday not in WEEKDAYS:
            raise DomainError(_("Please choose a weekday."), field="nth_weekday")
        weekdays = (data.nth_weekday,)
    elif data.month_day is None or not 1 <= data.month_day <= 31:
        raise DomainError(_("Please enter a day of the month from 1 to 31."), field="month_day")
    if data.until_on is None and data.occurrence_count is None:
        raise DomainError(
            _("Please choose when the series ends: on a last day or after a number of meetings."), field="ends"
        )
    if data.until_on is not None and data.occurrence_count is not None:
        raise DomainError(_("Please choose either a last day or a number of meetings, not both."), field="ends")
    if data.occurrence_count is not None and not 1 <= data.occurrence_count <= MAX_OCCURRENCES:
        raise DomainError(
            _("Please enter a number of meetings from 1 to %(max)d.", max=MAX_OCCURRENCES), field="occurrence_count"
        )
    if data.until_on is not None and data.until_on < data.first_day:
        raise DomainError(_("The last day cannot be before the first meeting."), field="until_on")
    start_time = data.start_time if data.start_time is not None else time(0)
    return Rule(
        frequency=data.frequency,
        interval=data.interval,
        weekdays=weekdays,
        nth=data.nth if data.frequency is SeriesFrequency.MONTHLY_NTH_WEEKDAY else None,
        month_day=data.month_day if data.frequency is SeriesFrequency.MONTHLY_DAY else None,
        first_day=data.first_day,
        start_time=start_time,
        until_on=data.until_on,
        count=data.occurrence_count,
    )


def _limited_starts(rule: Rule) -> list[datetime]:
    """The rule's local starts, refused when there are none, more than 100, or they span more than 2 years."""
    end_field = "until_on" if rule.until_on is not None else "occurrence_count"
    starts: list[datetime] = []
    latest: date | None = None
    for start in rule.local_starts():
        if latest is None:
            latest = _add_years(start.date(), MAX_YEARS)
        if start.date() > latest:
            raise DomainError(
                _(
                    "A series can span at most %(years)d years: its last meeting can be on %(date)s at the latest.",
                    years=MAX_YEARS,
                    date=format_date(latest),
                ),
                field=end_field,
            )
        starts.append(start)
    if not starts:
        raise DomainError(_("This rule gives no meeting at all; please check the days and the end."), field=None)
    if len(starts) > MAX_OCCURRENCES:
        raise DomainError(
            _(
                "This rule gives %(count)d meetings; a series can have at most %(max)d. "
                "Please choose an earlier last day or a longer interval.",
                count=len(starts),
                max=MAX_OCCURRENCES,
            ),
            field=end_field,
        )
    return starts


def _to_utc(day: date, clock: time, zone_name: str) -> datetime:
    """local_to_utc, with a hint that the series' start time is what must change."""
    try:
        return local_to_utc(day, clock, zone_name, field="start_time")
    except DomainError as error:
        raise DomainError(
            error.message + " " + _("The series cannot be scheduled at this time; please choose another start time."),
            field="start_time",
        ) from None


# Use cases


def ensure_body_active(body: Body) -> None:
    """A dissolved body no longer meets: scheduling or changing its series answers 409."""
    if body.is_dissolved(today()):
        raise ConflictError(_("This body has been dissolved; it can no longer meet."))


def create_series(actor: Account, body: Body, data: SeriesData) -> MeetingSeries:
    """A new series of the body and all its occurrences, each a meeting with the body's standard agenda."""
    ensure_body_active(body)
    title = data.title.strip()
    if not title:
        raise DomainError(_("Please enter a title."), field="title")
    zone(data.timezone)
    duration = _duration(data.start_time, data.end_time)
    assert data.start_time is not None  # noqa: S101 - checked by _duration
    rule = _checked_rule(data)
    local_starts = _limited_starts(rule)
    starts = [_to_utc(start.date(), data.start_time, data.timezone) for start in local_starts]
    series = MeetingSeries(
        body=body,
        frequency=rule.frequency,
        interval=rule.interval,
        weekdays=",".join(rule.weekdays),
        nth=rule.nth,
        month_day=rule.month_day,
        first_day=local_starts[0].date(),  # DTSTART must be the first slot
        start_time=data.start_time.strftime("%H:%M"),
        duration_minutes=duration,
        timezone=data.timezone,
        until_on=rule.until_on,
        occurrence_count=rule.count,
    )
    db.session.add(series)
    for start in starts:
        meeting = Meeting(
            body=body,
            kind=data.kind,
            title=title,
            description=data.description.strip(),
            starts_at=start,
            ends_at=start + timedelta(minutes=duration),
            timezone=data.timezone,
            location=data.location.strip(),
            online_url=data.online_url.strip(),
            organiser=actor,
            status=MeetingStatus.PLANNED,
            series=series,
            original_start=start,
        )
        db.session.add(meeting)
        seed_standard_agenda(meeting)
    db.session.commit()
    return series


def _slot_day(meeting: Meeting, zone_name: str) -> date:
    """The local day of the rule slot an occurrence belongs to (not where it may have been moved to)."""
    assert meeting.original_start is not None  # noqa: S101 - every occurrence has its slot
    return utc_to_local(meeting.original_start, zone_name).date()


def _series_meetings(series: MeetingSeries) -> list[Meeting]:
    return list(
        db.session.scalars(
            select(Meeting).where(Meeting.series_id == series.id).order_by(Meeting.original_start, Meeting.id)
        )
    )


def ensure_following_editable(meeting: Meeting) -> None:
    """"This and all following" starts at a meeting of a series that is neither held nor cancelled."""
    if meeting.series is None:
        raise ConflictError(_("This meeting does not belong to a series."))
    ensure_body_active(meeting.series.body)
    if meeting.status is MeetingStatus.HELD:
        raise ConflictError(_("This meeting has been held; its details can no longer be changed."))
    if meeting.status is MeetingStatus.CANCELLED:
        raise ConflictError(
            _("This meeting is cancelled; start from a later one, or set this one back to planned first.")
        )


def following_counts(meeting: Meeting) -> tuple[int, int]:
    """How many occurrences from this one on a "this and all following" change, and how many it keeps as they are."""
    assert meeting.series_id is not None  # noqa: S101
    rows = db.session.execute(
        select(Meeting.id, Meeting.is_exception).where(
            Meeting.series_id == meeting.series_id, Meeting.original_start >= meeting.original_start
        )
    ).all()
    changed = sum(1 for row in rows if row.id == meeting.id or not row.is_exception)
    return changed, len(rows) - changed


def change_following(actor: Account, meeting: Meeting, data: FollowingData) -> MeetingSeries:
    """Give this occurrence and the following ones not changed on their own a new time, place or title.

    Returns the series that holds them afterwards: a new one split off, unless the meeting is its series' first.
    """
    ensure_following_editable(meeting)
    series = meeting.series
    assert series is not None  # noqa: S101 - checked above
    title = data.title.strip()
    if not title:
        raise DomainError(_("Please enter a title."), field="title")
    duration = _duration(data.start_time, data.end_time)
    assert data.start_time is not None  # noqa: S101 - checked by _duration
    location, online_url = data.location.strip(), data.online_url.strip()
    zone_name = series.timezone
    rows = _series_meetings(series)
    before = [row for row in rows if row.original_start < meeting.original_start]
    following = [row for row in rows if row.original_start >= meeting.original_start]
    regular = [row for row in following if row is meeting or not row.is_exception]
    for row in regular:
        if row.status is MeetingStatus.HELD:
            raise ConflictError(
                _(
                    "The meeting on %(date)s has been held and cannot change.",
                    date=format_date(utc_to_local(row.starts_at, zone_name).date()),
                )
            )
    new_slot = {row.id: _to_utc(_slot_day(row, zone_name), data.start_time, zone_name) for row in following}
    new_start_time = data.start_time.strftime("%H:%M")

    def values(row: Meeting) -> tuple[Any, ...]:
        return (row.starts_at, row.ends_at, row.title, row.location, row.online_url)

    def wanted(row: Meeting) -> tuple[Any, ...]:
        start = new_slot[row.id]
        return (start, start + timedelta(minutes=duration), title, location, online_url)

    unchanged_rule = new_start_time == series.start_time and duration == series.duration_minutes
    if unchanged_rule and all(values(row) == wanted(row) and not row.is_exception for row in regular):
        return series

    if before:
        target = MeetingSeries(
            body=series.body,
            frequency=series.frequency,
            interval=series.interval,
            weekdays=series.weekdays,
            nth=series.nth,
            month_day=series.month_day,
            first_day=_slot_day(meeting, zone_name),
            start_time=new_start_time,
            duration_minutes=duration,
            timezone=zone_name,
            until_on=series.until_on,
            occurrence_count=series.occurrence_count - len(before) if series.occurrence_count else None,
        )
        db.session.add(target)
        series.until_on = _slot_day(meeting, zone_name) - timedelta(days=1)
        series.occurrence_count = None
    else:
        target = series
        series.start_time = new_start_time
        series.duration_minutes = duration
    # The master's SEQUENCE in a feed is the series' plus its occurrences' (app.calendars.ical): what leaves
    # the old series is added to it, so that SEQUENCE never goes down.
    series.sequence += 1 + (sum(row.sequence for row in following) if target is not series else 0)
    # An occurrence's SEQUENCE is its own plus its series': starting the new series where the old one stands
    # keeps every moved occurrence's SEQUENCE from going down.
    target.sequence = series.sequence

    touched: list[Meeting] = []
    for row in following:
        moved = row.series is not target or row.original_start != new_slot[row.id]
        row.series = target
        row.original_start = new_slot[row.id]
        changed = False
        if row.id == meeting.id or not row.is_exception:  # an exception keeps its own time, place and title
            if values(row) != wanted(row):
                row.starts_at, row.ends_at, row.title, row.location, row.online_url = wanted(row)
                row.sequence += 1
                changed = True
            row.is_exception = False
        if moved or changed:
            touched.append(row)
    db.session.flush()
    for row in touched:
        tell_everyone_concerned(row)
    db.session.commit()
    return target


def end_series(actor: Account, series: MeetingSeries, last_day: date) -> Ending:
    """End a series after `last_day`: later occurrences nobody heard of are deleted, the others cancelled."""
    ensure_body_active(series.body)
    if last_day < series.first_day:
        raise DomainError(
            _("The series begins on %(date)s; its last day cannot be earlier.", date=format_date(series.first_day)),
            field="last_day",
        )
    current_end = max(start.date() for start in Rule.of(series).local_starts())
    if last_day >= current_end:
        raise DomainError(
            _("The series already ends on %(date)s; please choose an earlier day.", date=format_date(current_end)),
            field="last_day",
        )
    dropped = [row for row in _series_meetings(series) if _slot_day(row, series.timezone) > last_day]
    for row in dropped:
        if row.status is MeetingStatus.HELD:
            raise ConflictError(
                _(
                    "The meeting on %(date)s has been held; the series cannot end before it.",
                    date=format_date(utc_to_local(row.starts_at, series.timezone).date()),
                )
            )
    known = _ids_with_traces([row.id for row in dropped])
    deleted, cancelled = 0, []
    for row in dropped:
        if row.invitations_sent_at is None and row.id not in known:
            series.sequence += row.sequence  # keeps the master's SEQUENCE (series' plus occurrences') rising
            db.session.delete(row)  # nobody was told of it: it never existed for anyone
            deleted += 1
        elif row.status is not MeetingStatus.CANCELLED:
            row.status = MeetingStatus.CANCELLED
            row.cancel_reason = _("The series was ended early.")
            row.sequence += 1
            row.is_exception = True
            cancelled.append(row)
    series.until_on = last_day
    series.occurrence_count = None
    series.sequence += 1
    db.session.flush()
    for row in cancelled:
        tell_everyone_concerned(row)
    db.session.commit()
    return Ending(deleted=deleted, cancelled=len(cancelled))


def _ids_with_traces(meeting_ids: list[int]) -> set[int]:
    """Meetings that have invitations, registrations or attachments: they are cancelled, never deleted."""
    if not meeting_ids:
        return set()
    query = union(
        select(Invitation.meeting_id).where(Invitation.meeting_id.in_(meeting_ids)),
        select(Registration.meeting_id).where(Registration.meeting_id.in_(meeting_ids)),
        select(Attachment.meeting_id).where(Attachment.meeting_id.in_(meeting_ids)),
    )
    return set(db.session.scalars(query))


# Reading


def get_series(series_id: int) -> MeetingSeries | None:
    return db.session.get(MeetingSeries, series_id, options=[joinedload(MeetingSeries.body)])


def get_occurrence(series: MeetingSeries, meeting_id: int) -> Meeting | None:
    """The meeting, if it is an occurrence of this series."""
    meeting = db.session.get(Meeting, meeting_id)
    return meeting if meeting is not None and meeting.series_id == series.id else None


def occurrences_query(series: MeetingSeries) -> Select:
    """The series' meetings in the order of their slots, for the series page."""
    return select(Meeting).where(Meeting.series_id == series.id).order_by(Meeting.original_start, Meeting.id)


def occurrences(series: MeetingSeries) -> list[Occurrence]:
    """Koop's own occurrences of the series, start and end in UTC: what calendar programs must show."""
    rows = db.session.execute(
        select(
            Meeting.id, Meeting.starts_at, Meeting.ends_at, Meeting.status, Meeting.is_exception, Meeting.original_start
        )
        .where(Meeting.series_id == series.id)
        .order_by(Meeting.original_start, Meeting.id)
    )
    return [
        Occurrence(
            meeting_id=row.id,
            start=row.starts_at,
            end=row.ends_at,
            cancelled=row.status is MeetingStatus.CANCELLED,
            is_exception=row.is_exception,
            original_start=row.original_start,
        )
        for row in rows
    ]


def weekday_names() -> dict[str, str]:
    """"MO" -> "Monday" (or "Montag"), in the request's language."""
    names = get_day_names("wide", locale=str(get_locale() or "en"))
    return {code: names[index] for index, code in enumerate(WEEKDAYS)}


def _join(names: list[str]) -> str:
    if len(names) == 1:
        return names[0]
    return _("%(first)s and %(last)s", first=", ".join(names[:-1]), last=names[-1])


NTH_PHRASES = {
    1: lambda day: _("on the first %(weekday)s", weekday=day),
    2: lambda day: _("on the second %(weekday)s", weekday=day),
    3: lambda day: _("on the third %(weekday)s", weekday=day),
    4: lambda day: _("on the fourth %(weekday)s", weekday=day),
    -1: lambda day: _("on the last %(weekday)s", weekday=day),
}


def describe(series: MeetingSeries) -> str:
    """The rule in words, e.g. "Every 2 weeks on Monday and Thursday, 10:00–11:30 (Europe/Berlin), ..."."""
    names = weekday_names()
    days = [names[code] for code in series.weekdays.split(",") if code]
    if series.frequency is SeriesFrequency.WEEKLY:
        when = ngettext("Every week", "Every %(num)d weeks", series.interval) + " " + _("on %(days)s", days=_join(days))
    else:
        when = ngettext("Every month", "Every %(num)d months", series.interval) + " "
        if series.frequency is SeriesFrequency.MONTHLY_NTH_WEEKDAY:
            when += NTH_PHRASES[series.nth or 1](days[0])
        else:
            when += _("on day %(day)d (months without this day are skipped)", day=series.month_day)
    start = datetime.combine(series.first_day, _parse_time(series.start_time))
    end = start + timedelta(minutes=series.duration_minutes)
    hours = f"{series.start_time}–{end.strftime('%H:%M')} ({series.timezone})"
    if series.until_on is not None:
        span = _(
            "from %(first)s until %(last)s", first=format_date(series.first_day), last=format_date(series.until_on)
        )
    else:
        span = ngettext(
            "%(num)d meeting from %(first)s", "%(num)d meetings from %(first)s", series.occurrence_count or 0,
            first=format_date(series.first_day),
        )
    return f"{when}, {hours}, {span}"
