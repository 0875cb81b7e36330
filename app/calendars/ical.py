"""The iCalendar builder: meetings in, RFC 5545 bytes out.

Shared by the invitation mails (METHOD:REQUEST / METHOD:CANCEL with one ATTENDEE) and the downloads and feeds
(METHOD:PUBLISH, no ATTENDEE). Everything that is not in the meeting comes in as arguments, so the same
meeting always gives the same bytes: DTSTAMP is the meeting's last change, not the time of the request,
which lets a feed's ETag change exactly when its content does.

A series occurrence keeps its series' UID and names its slot with RECURRENCE-ID, the same identity a feed's
override VEVENT has; `event_identity` and `sequence_of` are what a series master builder shares with this.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from email.utils import parseaddr
from zoneinfo import ZoneInfo

from icalendar import Calendar, Component, Event, vCalAddress, vText

from app.calendars.timezones import vtimezone
from app.models import AgendaItem, Answer, Invitation, Meeting, MeetingSeries, MeetingStatus

PRODID = "-//Koop//Koop//DE"


class Method(enum.StrEnum):
    PUBLISH = "PUBLISH"
    REQUEST = "REQUEST"
    CANCEL = "CANCEL"


STATUS = {
    MeetingStatus.PLANNED: "TENTATIVE",
    MeetingStatus.CONFIRMED: "CONFIRMED",
    MeetingStatus.HELD: "CONFIRMED",
    MeetingStatus.CANCELLED: "CANCELLED",
}

PARTSTAT = {
    Answer.OPEN: "NEEDS-ACTION",
    Answer.ACCEPTED: "ACCEPTED",
    Answer.DECLINED: "DECLINED",
    Answer.TENTATIVE: "TENTATIVE",
}

# The few words the builder writes itself, in the language of the calendar's reader. They live here rather
# than in the gettext catalogue so that the builder stays pure: same meeting and language, same bytes.
WORDS = {
    "de": {
        "cancelled": "Abgesagt: ",
        "agenda": "Tagesordnung",
        "item": "TOP",
        "online": "Online",
        "page": "Sitzungsseite",
        "reason": "Grund der Absage",
        "series_page": "Seite der Sitzungsreihe",
        "my_meetings": "Meine Sitzungen",
    },
    "en": {
        "cancelled": "Cancelled: ",
        "agenda": "Agenda",
        "item": "Item",
        "online": "Online",
        "page": "Meeting page",
        "reason": "Reason for the cancellation",
        "series_page": "Series page",
        "my_meetings": "My meetings",
    },
}


def words(language: str) -> dict[str, str]:
    """The builder's own words in a language (German for any language it does not know)."""
    return WORDS.get((language or "de")[:2].lower(), WORDS["de"])


@dataclass(frozen=True)
class CalendarSettings:
    """What the builder needs from the installation: links and the organiser's mailbox."""

    base_url: str
    organizer_email: str
    organizer_name: str = "Koop"

    @classmethod
    def from_config(cls, config: dict) -> CalendarSettings:
        """From the app's config: BASE_URL and the address of MAIL_SENDER ("Koop <koop@example.org>")."""
        _name, address = parseaddr(config.get("MAIL_SENDER") or "")
        return cls(base_url=str(config.get("BASE_URL", "")).rstrip("/"), organizer_email=address or "koop@localhost")

    def meeting_url(self, meeting: Meeting) -> str:
        """The meeting page, absolute: the same link in mails, downloads and feeds."""
        return f"{self.base_url}/meetings/{meeting.id}"

    def series_url(self, series: MeetingSeries) -> str:
        """The series page, absolute: the link of a series' master VEVENT."""
        return f"{self.base_url}/series/{series.id}"


@dataclass(frozen=True)
class Attendee:
    """The one invitee of a REQUEST or CANCEL message."""

    email: str
    name: str
    answer: Answer = Answer.OPEN
    guest: bool = False

    @classmethod
    def of(cls, invitation: Invitation) -> Attendee:
        account = invitation.account
        return cls(account.email, account.display_name, invitation.answer, invitation.is_guest)


# Pieces of an event


def event_identity(meeting: Meeting) -> tuple[str, datetime | date | None]:
    """UID and RECURRENCE-ID: a series occurrence is its series' UID at its original slot.

    The RECURRENCE-ID is written like the series master's DTSTART (RFC 5545 wants the same value type): a
    local time in the series' zone, even when the occurrence itself was moved to another zone or made all-day.
    """
    if meeting.series_id is not None and meeting.original_start is not None and meeting.series is not None:
        return meeting.series.uid, series_slot(meeting.series, meeting.original_start, meeting.timezone)
    return meeting.uid, None


def series_slot(series: MeetingSeries, instant: datetime, fallback_zone: str = "Europe/Berlin") -> datetime:
    """A slot of a series as its DTSTART, EXDATE and RECURRENCE-ID write it: local time with the series' TZID."""
    return instant.astimezone(ZoneInfo(series.timezone or fallback_zone))


def sequence_of(meeting: Meeting) -> int:
    """SEQUENCE: an occurrence counts its own changes and its series' (both only ever rise)."""
    if meeting.series_id is not None and meeting.series is not None:
        return meeting.sequence + meeting.series.sequence
    return meeting.sequence


def _local(meeting: Meeting, instant: datetime) -> datetime:
    return instant.astimezone(ZoneInfo(meeting.timezone))


def start_and_end(meeting: Meeting) -> tuple[datetime | date, datetime | date]:
    """DTSTART and DTEND values; all-day meetings end on the day after their last day (exclusive end)."""
    if meeting.all_day:
        first = _local(meeting, meeting.starts_at).date()
        after = _local(meeting, meeting.ends_at).date()
        return first, max(after, first + timedelta(days=1))
    return _local(meeting, meeting.starts_at), _local(meeting, meeting.ends_at)


def numbered_agenda(items: Iterable[AgendaItem], include_non_public: bool) -> list[tuple[str, AgendaItem]]:
    """(number, item) pairs in order: 1, 2, 3, 3.1, 3.2, 4 ... Numbers count every item, so a TOP keeps its
    number whoever reads it; non-public items (and everything under them) are left out unless asked for."""
    children: dict[int | None, list[AgendaItem]] = {}
    for item in items:
        children.setdefault(item.parent_id, []).append(item)
    for siblings in children.values():
        siblings.sort(key=lambda item: (item.position, item.id or 0))
    numbered: list[tuple[str, AgendaItem]] = []

    def walk(parent_id: int | None, prefix: str) -> None:
        for index, item in enumerate(children.get(parent_id, []), start=1):
            if not item.public and not include_non_public:
                continue
            number = f"{prefix}{index}"
            numbered.append((number, item))
            if item.id is not None:
                walk(item.id, number + ".")

    walk(None, "")
    return numbered


def location_text(meeting: Meeting, language: str = "de") -> str:
    """The address and, for online or hybrid meetings, the link."""
    place, link = meeting.location.strip(), meeting.online_url.strip()
    if place and link:
        return f"{place} ({words(language)['online']}: {link})"
    return place or link


def description_text(meeting: Meeting, settings: CalendarSettings, language: str, include_non_public: bool) -> str:
    """Description, reason of a cancellation, the agenda as numbered lines, the online link and the page."""
    blocks = description_blocks(meeting, language, include_non_public)
    said = words(language)
    links = []
    if meeting.online_url.strip():
        links.append(f"{said['online']}: {meeting.online_url.strip()}")
    links.append(f"{said['page']}: {settings.meeting_url(meeting)}")
    blocks.append("\n".join(links))
    return "\n\n".join(blocks)


def description_blocks(meeting: Meeting, language: str, include_non_public: bool) -> list[str]:
    """The parts of the description that belong to the meeting itself: its text, a cancellation's reason, the
    agenda. Two occurrences of a series with equal blocks need no override VEVENT of their own."""
    said = words(language)
    blocks: list[str] = []
    if meeting.description.strip():
        blocks.append(meeting.description.strip())
    if meeting.status is MeetingStatus.CANCELLED and meeting.cancel_reason.strip():
        blocks.append(f"{said['reason']}: {meeting.cancel_reason.strip()}")
    agenda = numbered_agenda(meeting.agenda_items, include_non_public)
    if agenda:
        lines = [f"{said['agenda']}:"] + [f"{said['item']} {number} {item.title}" for number, item in agenda]
        blocks.append("\n".join(lines))
    return blocks


def _address(email: str, name: str, **params: str) -> vCalAddress:
    address = vCalAddress(f"mailto:{email}")
    # A parameter value may hold neither a double quote nor a control character (RFC 5545 3.1); icalendar
    # quotes values with commas, colons and semicolons itself.
    address.params["CN"] = "".join(" " if ord(char) < 32 else char for char in name).replace('"', "'").strip()
    for key, value in params.items():
        address.params[key.replace("_", "-").upper()] = value
    return address


def organizer(settings: CalendarSettings) -> vCalAddress:
    """The one ORGANIZER of every event: the platform's mailbox, never a person's address."""
    return _address(settings.organizer_email, settings.organizer_name)


def meeting_event(
    meeting: Meeting,
    settings: CalendarSettings,
    *,
    method: Method = Method.PUBLISH,
    language: str = "de",
    include_non_public: bool = False,
    attendee: Attendee | None = None,
) -> Event:
    """One VEVENT for one meeting (or one occurrence of a series, with RECURRENCE-ID).

    In a published calendar a cancelled meeting's summary says so in the reader's language, because some
    programs (Google) drop STATUS:CANCELLED events silently; a CANCEL message keeps the plain title.
    `meeting.agenda_items` should be loaded by the caller when building many events.
    """
    uid, recurrence_id = event_identity(meeting)
    event = Event()
    event.add("uid", uid)
    if recurrence_id is not None:
        event.add("recurrence-id", recurrence_id)
    event.add("dtstamp", meeting.updated_at.astimezone(UTC))
    event.add("created", meeting.created_at.astimezone(UTC))
    event.add("last-modified", meeting.updated_at.astimezone(UTC))
    event.add("sequence", sequence_of(meeting))
    start, end = start_and_end(meeting)
    event.add("dtstart", start)
    event.add("dtend", end)
    if meeting.all_day:
        event.add("transp", "TRANSPARENT")
    summary = meeting.title
    if meeting.is_cancelled and method is Method.PUBLISH:
        summary = words(language)["cancelled"] + summary
    event.add("summary", summary)
    location = location_text(meeting, language)
    if location:
        event.add("location", location)
    event.add("description", description_text(meeting, settings, language, include_non_public))
    event.add("url", settings.meeting_url(meeting))
    event.add("status", "CANCELLED" if method is Method.CANCEL else STATUS[meeting.status])
    event.add("organizer", organizer(settings))
    if attendee is not None:
        event.add(
            "attendee",
            _address(
                attendee.email,
                attendee.name,
                cutype="INDIVIDUAL",
                role="OPT-PARTICIPANT" if attendee.guest else "REQ-PARTICIPANT",
                partstat=PARTSTAT[attendee.answer],
                rsvp="TRUE",
            ),
        )
    return event


# The calendar


def _dates_of(value) -> list[datetime | date]:
    if hasattr(value, "dts"):
        return [item.dt for item in value.dts]
    if hasattr(value, "dt"):
        return [value.dt]
    return []


def zones_used(components: Iterable[Component]) -> dict[str, tuple[date, date]]:
    """Every TZID the components use, with the first and last day it must cover."""
    found: dict[str, tuple[date, date]] = {}
    for component in components:
        for name in ("DTSTART", "DTEND", "RECURRENCE-ID", "EXDATE", "RDATE"):
            values = component.get(name)
            for value in values if isinstance(values, list) else [values] if values is not None else []:
                tzid = getattr(value, "params", {}).get("TZID")
                if not tzid:
                    continue
                for moment in _dates_of(value):
                    day = moment.date() if isinstance(moment, datetime) else moment
                    first, last = found.get(tzid, (day, day))
                    found[tzid] = (min(first, day), max(last, day))
        rule = component.get("RRULE")
        start = component.get("DTSTART")
        tzid = getattr(start, "params", {}).get("TZID") if start is not None else None
        if rule is not None and tzid:
            until = rule.get("UNTIL")
            if isinstance(until, list):  # parsed rules hold lists, rules built from a dict the value itself
                until = until[0] if until else None
            if until:
                until_day = until.date() if isinstance(until, datetime) else until
                first, last = found[tzid]
                found[tzid] = (first, max(last, until_day))
    return found


def build_calendar(
    events: Sequence[Event],
    method: Method,
    *,
    name: str | None = None,
    refresh_interval: timedelta | None = None,
) -> Calendar:
    """A VCALENDAR: fixed PRODID, VERSION 2.0, METHOD, a VTIMEZONE for every TZID used, then the events.

    `name` and `refresh_interval` are for feeds (RFC 7986 NAME and REFRESH-INTERVAL, and the X-WR-CALNAME
    and X-PUBLISHED-TTL that Apple, Google and Outlook read instead).
    """
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", method.value)
    if name:
        calendar.add("name", name)
        calendar.add("x-wr-calname", name)
    if refresh_interval is not None:
        # icalendar writes REFRESH-INTERVAL without VALUE=DURATION, which RFC 7986 requires.
        calendar.add("refresh-interval", refresh_interval, parameters={"VALUE": "DURATION"})
        calendar.add("x-published-ttl", vText(_duration_text(refresh_interval)))
    for tzid, (first, last) in sorted(zones_used(events).items()):
        calendar.add_component(vtimezone(tzid, first, last))
    for event in events:
        calendar.add_component(event)
    return calendar


def _duration_text(value: timedelta) -> str:
    seconds = int(value.total_seconds())
    hours, rest = divmod(seconds, 3600)
    minutes, seconds = divmod(rest, 60)
    parts = [(hours, "H"), (minutes, "M"), (seconds, "S")]
    text = "".join(f"{amount}{unit}" for amount, unit in parts if amount)
    return f"PT{text or '0S'}"


def to_bytes(calendar: Calendar) -> bytes:
    """RFC 5545 text: CRLF line ends, lines folded at 75 octets, text escaped (all icalendar's work)."""
    return calendar.to_ical()


# Ready-made calendars


def invitation_ics(
    meeting: Meeting,
    invitation: Invitation,
    settings: CalendarSettings,
    *,
    cancel: bool = False,
    language: str = "de",
    include_non_public: bool = False,
) -> bytes:
    """The iTIP attachment of an invitation, update (REQUEST) or cancellation (CANCEL) for one invitee."""
    method = Method.CANCEL if cancel else Method.REQUEST
    event = meeting_event(
        meeting,
        settings,
        method=method,
        language=language,
        include_non_public=include_non_public,
        attendee=Attendee.of(invitation),
    )
    return to_bytes(build_calendar([event], method))


def meetings_ics(
    meetings: Iterable[Meeting],
    settings: CalendarSettings,
    *,
    language: str = "de",
    include_non_public: bool = False,
    name: str | None = None,
    refresh_interval: timedelta | None = None,
) -> bytes:
    """A published calendar (download or feed) of single meetings, without attendees."""
    events = [
        meeting_event(meeting, settings, language=language, include_non_public=include_non_public)
        for meeting in meetings
    ]
    return to_bytes(build_calendar(events, Method.PUBLISH, name=name, refresh_interval=refresh_interval))
