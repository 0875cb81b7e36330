"""Published calendars: the VEVENTs of a feed or download, from meetings the caller loaded and may show.

A series is one VEVENT with an RRULE, its master (app.series.services explains the invariants this relies on).
The master's DTSTART is the rule's first slot; its title, place and online link are those of the series'
regular occurrences, its status and description what most of them say. Then:

- a cancelled occurrence, and a slot of the rule without an occurrence, is an EXDATE in the master's zone and
  value type (a local time with TZID, like DTSTART);
- an occurrence that differs from the master at its slot (moved, retitled, made all-day, confirmed on its own,
  with an agenda of its own) is an override VEVENT with the series' UID and its RECURRENCE-ID;
- the master's SEQUENCE is the series' own plus all its occurrences': cancelling an occurrence raises it.

Everything here is a pure function of its arguments, and events come out in a fixed order, so the same
meetings always give the same bytes and a feed's ETag changes exactly when its content does.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import NamedTuple

from icalendar import Event

from app.calendars.ical import (
    STATUS,
    CalendarSettings,
    Method,
    build_calendar,
    description_blocks,
    location_text,
    meeting_event,
    organizer,
    series_slot,
    to_bytes,
    words,
)
from app.errors import DomainError
from app.models import Meeting, MeetingSeries
from app.series.services import recurrence_rule, slots


def _nobody(meeting: Meeting) -> bool:
    return False


@dataclass(frozen=True)
class Reader:
    """Whose calendar it is: the language of the builder's own words, and who may read non-public agenda items."""

    language: str = "de"
    may_see_non_public: Callable[[Meeting], bool] = field(default=_nobody)


@dataclass(frozen=True)
class SeriesEntry:
    """A series shown whole: the series and every one of its occurrences (cancelled ones included)."""

    series: MeetingSeries
    occurrences: Sequence[Meeting]


def _slot_of(meeting: Meeting) -> datetime:
    return meeting.original_start or meeting.starts_at


def _most_common(values: list, default):
    """The value most of the list has; on a tie the one that comes first."""
    if not values:
        return default
    counts = Counter(values)
    best = max(counts.values())
    return next(value for value in values if counts[value] == best)


class Look(NamedTuple):
    """What a calendar shows of an occurrence, apart from its own page link."""

    start: datetime
    end: datetime
    all_day: bool
    title: str
    place: str
    status: str
    blocks: tuple[str, ...]  # description, cancellation reason, agenda (app.calendars.ical.description_blocks)


def _look(meeting: Meeting, reader: Reader) -> Look:
    return Look(
        meeting.starts_at,
        meeting.ends_at,
        meeting.all_day,
        meeting.title,
        location_text(meeting, reader.language),
        STATUS[meeting.status],
        tuple(description_blocks(meeting, reader.language, reader.may_see_non_public(meeting))),
    )


def series_events(entry: SeriesEntry, settings: CalendarSettings, reader: Reader) -> list[Event]:
    """The master VEVENT of a series and its overrides; nothing when every occurrence is cancelled."""
    series = entry.series
    ordered = sorted(entry.occurrences, key=lambda meeting: (_slot_of(meeting), meeting.id or 0))
    live = [meeting for meeting in ordered if not meeting.is_cancelled]
    if not live:
        return []
    regular = [meeting for meeting in live if not meeting.is_exception] or live
    template = regular[0]
    looks = {id(meeting): _look(meeting, reader) for meeting in live}
    status = _most_common([looks[id(meeting)].status for meeting in regular], STATUS[template.status])
    blocks = _most_common([looks[id(meeting)].blocks for meeting in regular], ())
    duration = timedelta(minutes=series.duration_minutes)
    try:
        rule_slots = slots(series)
    except DomainError:  # a slot in a clock change after a tz database update: keep the feed, skip that check
        rule_slots = []
    first = rule_slots[0] if rule_slots else _slot_of(ordered[0])
    place = location_text(template, reader.language)

    def master_look(slot: datetime) -> Look:
        return Look(slot, slot + duration, False, template.title, place, status, blocks)

    occupied = {_slot_of(meeting) for meeting in live}
    excluded = {_slot_of(meeting) for meeting in ordered if meeting.is_cancelled} - occupied
    excluded |= set(rule_slots) - occupied - excluded

    master = Event()
    master.add("uid", series.uid)
    changed = max([series.updated_at, *(meeting.updated_at for meeting in ordered)]).astimezone(UTC)
    master.add("dtstamp", changed)
    master.add("created", series.created_at.astimezone(UTC))
    master.add("last-modified", changed)
    master.add("sequence", series.sequence + sum(meeting.sequence for meeting in ordered))
    master.add("dtstart", series_slot(series, first))
    master.add("dtend", series_slot(series, first + duration))
    master.add("rrule", recurrence_rule(series))
    if excluded:
        master.add("exdate", [series_slot(series, slot) for slot in sorted(excluded)])
    master.add("summary", template.title)
    if place:
        master.add("location", place)
    said = words(reader.language)
    links = [f"{said['online']}: {template.online_url.strip()}"] if template.online_url.strip() else []
    links.append(f"{said['series_page']}: {settings.series_url(series)}")
    master.add("description", "\n\n".join([*blocks, "\n".join(links)]))
    master.add("url", settings.series_url(series))
    master.add("status", status)
    master.add("organizer", organizer(settings))

    events = [master]
    for meeting in live:
        if looks[id(meeting)] != master_look(_slot_of(meeting)):
            events.append(
                meeting_event(
                    meeting,
                    settings,
                    language=reader.language,
                    include_non_public=reader.may_see_non_public(meeting),
                )
            )
    return events


def single_event(meeting: Meeting, settings: CalendarSettings, reader: Reader) -> Event:
    """A meeting on its own (or one occurrence of a series the reader sees only in part)."""
    return meeting_event(
        meeting, settings, language=reader.language, include_non_public=reader.may_see_non_public(meeting)
    )


def ordered_groups(singles: Iterable[Meeting], whole_series: Iterable[SeriesEntry]) -> list[Meeting | SeriesEntry]:
    """The order of a published calendar: by start, then UID (a series by its first occurrence). Each group
    is one meeting's VEVENT or a series' master with its overrides (app.calendars.pieces caches them)."""
    keyed: list[tuple[tuple, Meeting | SeriesEntry]] = []
    for meeting in singles:
        keyed.append(((_slot_of(meeting), meeting.uid, meeting.id or 0), meeting))
    for entry in whole_series:
        first = min(_slot_of(meeting) for meeting in entry.occurrences)
        keyed.append(((first, entry.series.uid, 0), entry))
    keyed.sort(key=lambda item: item[0])
    return [group for _key, group in keyed]


def group_events(group: Meeting | SeriesEntry, settings: CalendarSettings, reader: Reader) -> list[Event]:
    """The VEVENTs of one group (none for a series whose every occurrence is cancelled)."""
    if isinstance(group, SeriesEntry):
        return series_events(group, settings, reader)
    return [single_event(group, settings, reader)]


def feed_events(
    singles: Iterable[Meeting],
    whole_series: Iterable[SeriesEntry],
    settings: CalendarSettings,
    reader: Reader,
) -> list[Event]:
    """All events of a published calendar, in a fixed order: by start, then UID, a master before its overrides."""
    return [
        event for group in ordered_groups(singles, whole_series) for event in group_events(group, settings, reader)
    ]


def calendar_bytes(events: Sequence[Event], *, name: str | None = None, refresh: timedelta | None = None) -> bytes:
    """A METHOD:PUBLISH calendar; feeds give it a name and a refresh interval, downloads do not."""
    return to_bytes(build_calendar(events, Method.PUBLISH, name=name, refresh_interval=refresh))
