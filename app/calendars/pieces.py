"""Feeds assembled from cached pieces: each group's rendered VEVENTs, kept in the shared cache (app.cache).

Rendering VEVENTs with icalendar is nearly all the cost of a feed. A group (a meeting on its own, or a series'
master with its overrides) is rendered once per version and kept as bytes, under a key that holds everything
its bytes depend on: the meeting's id, updated_at and sequence (for an occurrence its series' too; for a series
those of every occurrence), the reader's language, whether the reader sees non-public items, the
installation's links, and the version of this code. Changing an agenda item touches its meeting's updated_at
(app.calendars.services), so a key can never name old bytes. A feed is then its head, one VTIMEZONE per zone
used, and the groups' bytes in the order of app.calendars.feeds.ordered_groups, fetched with one get_many; the
bytes are those app.calendars.feeds.calendar_bytes would write (tests/test_feeds_cache.py compares them).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Sequence
from datetime import date, timedelta
from functools import lru_cache
from importlib import metadata
from pathlib import Path

from sqlalchemy import inspect, select
from sqlalchemy.orm import attributes

from app.cache import cache
from app.calendars.feeds import Reader, SeriesEntry, group_events, ordered_groups
from app.calendars.ical import CalendarSettings, Method, build_calendar, to_bytes, zones_used
from app.calendars.timezones import vtimezone
from app.extensions import db
from app.models import AgendaItem, Meeting

END = b"END:VCALENDAR\r\n"
Zones = dict[str, tuple[date, date]]


@lru_cache(maxsize=1)
def code_version() -> str:
    """A digest of the code that writes feeds, and of the libraries and time-zone data it uses: a new release
    writes new keys, so two versions running side by side during an upgrade never mix their bytes."""
    digest = hashlib.sha256()
    here = Path(__file__).resolve().parent
    for path in sorted(here.glob("*.py")) + [here.parent / "permissions.py"]:
        digest.update(path.read_bytes())
    digest.update(metadata.version("icalendar").encode())
    tzdata = Path("/usr/share/zoneinfo/tzdata.zi")
    if tzdata.exists():
        with tzdata.open("rb") as file:
            digest.update(file.readline())  # "# version 2025b"
    return digest.hexdigest()[:16]


def digest(*parts: object) -> str:
    """A short, stable name for the parts (cache keys and ETags)."""
    return hashlib.blake2b("\x1f".join(map(str, parts)).encode(), digest_size=20).hexdigest()


def _version(meeting: Meeting) -> str:
    own = f"{meeting.id}.{meeting.updated_at.isoformat()}.{meeting.sequence}"
    series = meeting.series
    if meeting.series_id is not None and series is not None:
        own += f"/{series.id}.{series.updated_at.isoformat()}.{series.sequence}"
    return own


def group_key(group: Meeting | SeriesEntry, settings: CalendarSettings, reader: Reader) -> str:
    """The cache key of a group's bytes: changes whenever anything they show changes."""
    context = (code_version(), settings.base_url, settings.organizer_email, settings.organizer_name, reader.language)
    if isinstance(group, SeriesEntry):
        series = group.series
        occurrences = sorted(group.occurrences, key=lambda meeting: meeting.id)
        parts = [f"{_version(meeting)}{'+' if reader.may_see_non_public(meeting) else ''}" for meeting in occurrences]
        return "ical:s:" + digest(*context, series.id, series.updated_at.isoformat(), series.sequence, *parts)
    return "ical:m:" + digest(*context, _version(group), reader.may_see_non_public(group))


def _pack(zones: Zones, content: bytes) -> bytes:
    header = json.dumps({tzid: [first.isoformat(), last.isoformat()] for tzid, (first, last) in zones.items()})
    return header.encode() + b"\n" + content


def _unpack(value: bytes) -> tuple[Zones, bytes]:
    header, _newline, content = value.partition(b"\n")
    zones = {tzid: (date.fromisoformat(first), date.fromisoformat(last)) for tzid, (first, last) in
             json.loads(header).items()}
    return zones, content


def render(group: Meeting | SeriesEntry, settings: CalendarSettings, reader: Reader) -> tuple[Zones, bytes]:
    """A group's VEVENTs as bytes, with the days each time zone they use must cover."""
    events = group_events(group, settings, reader)
    return zones_used(events), b"".join(event.to_ical() for event in events)


def _load_agendas(meetings: Iterable[Meeting]) -> None:
    """Load the agendas of these meetings in one query (only those that are about to be rendered)."""
    waiting = {meeting.id: meeting for meeting in meetings if "agenda_items" in inspect(meeting).unloaded}
    if not waiting:
        return
    items: dict[int, list[AgendaItem]] = {meeting_id: [] for meeting_id in waiting}
    query = select(AgendaItem).where(AgendaItem.meeting_id.in_(sorted(waiting)))
    for item in db.session.scalars(query.order_by(AgendaItem.position, AgendaItem.id)):
        items[item.meeting_id].append(item)
    for meeting_id, meeting in waiting.items():
        attributes.set_committed_value(meeting, "agenda_items", items[meeting_id])


@lru_cache(maxsize=256)
def _timezone_bytes(tzid: str, first: date, last: date) -> bytes:
    return vtimezone(tzid, first, last).to_ical()


@lru_cache(maxsize=64)
def _head(name: str | None, refresh: timedelta | None) -> bytes:
    calendar = to_bytes(build_calendar([], Method.PUBLISH, name=name, refresh_interval=refresh))
    assert calendar.endswith(END)
    return calendar[: -len(END)]


def assemble(
    singles: Sequence[Meeting],
    whole_series: Sequence[SeriesEntry],
    settings: CalendarSettings,
    reader: Reader,
    *,
    name: str | None = None,
    refresh: timedelta | None = None,
) -> bytes:
    """A METHOD:PUBLISH calendar of these meetings and series, from cached groups where there are any."""
    groups = ordered_groups(singles, whole_series)
    keys = [group_key(group, settings, reader) for group in groups]
    found = cache().get_many(keys)
    missing = [index for index, value in enumerate(found) if value is None]
    if missing:
        meetings: list[Meeting] = []
        for index in missing:
            group = groups[index]
            meetings.extend(group.occurrences if isinstance(group, SeriesEntry) else [group])
        _load_agendas(meetings)
        made = {}
        for index in missing:
            value = _pack(*render(groups[index], settings, reader))
            found[index] = made[keys[index]] = value
        cache().set_many(made)
    zones: Zones = {}
    bodies = []
    for value in found:
        assert value is not None
        used, content = _unpack(value)
        bodies.append(content)
        for tzid, (first, last) in used.items():
            known = zones.get(tzid)
            zones[tzid] = (min(known[0], first), max(known[1], last)) if known else (first, last)
    timezones = [_timezone_bytes(tzid, *zones[tzid]) for tzid in sorted(zones)]
    return b"".join([_head(name, refresh), *timezones, *bodies, END])
