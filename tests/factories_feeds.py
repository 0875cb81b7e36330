"""Test data for calendar feeds: meetings at given Berlin times, a series across both clock changes with one
occurrence moved and one cancelled, Koop's own list of what a calendar must show, and feed helpers."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from flask.testing import FlaskClient
from icalendar import Calendar

from app.calendars.services import regenerate_token
from app.extensions import db
from app.meetings.services import MeetingData, change_status, update_meeting
from app.meetings.times import utc_to_local
from app.models import (
    Account,
    AgendaItem,
    Body,
    BodyKind,
    BodyLevel,
    Invitation,
    Meeting,
    MeetingKind,
    MeetingSeries,
    MeetingStatus,
    Membership,
    MembershipRole,
    Registration,
    RegistrationStatus,
    SeriesFrequency,
    Visibility,
    utcnow,
)
from app.series.services import SeriesData, create_series, occurrences
from tests.factories import OrganiserFactory
from tests.factories_invitations import FutureMeetingFactory
from tests.factories_series import make_series

BERLIN = ZoneInfo("Europe/Berlin")

# 2031: summer time from Sunday 30 March, winter time from Sunday 26 October. The series runs on Mondays at
# 10:00 Berlin time from 10 March to 10 November, so its UTC times change twice.
SERIES_FIRST = date(2031, 3, 10)
SERIES_LAST = date(2031, 11, 10)
CANCELLED_SLOT = date(2031, 3, 31)  # the Monday after the clocks went forward
MOVED_SLOT = date(2031, 10, 27)  # the Monday after the clocks went back ...
MOVED_TO = (date(2031, 10, 28), time(14, 0), time(15, 30))  # ... held on Tuesday afternoon instead


def berlin(day: date, clock: time) -> datetime:
    return datetime.combine(day, clock, tzinfo=BERLIN).astimezone(UTC)


def meeting_at(body: Body | None, day: date, clock: time = time(10), hours: float = 2, **fields: Any) -> Meeting:
    """A meeting of the body at a Berlin time (committed)."""
    start = berlin(day, clock)
    return FutureMeetingFactory(body=body, starts_at=start, ends_at=start + timedelta(hours=hours), **fields)


def meeting_data_of(meeting: Meeting, **overrides: Any) -> MeetingData:
    """The meeting's current values as MeetingData, with some changed."""
    start = utc_to_local(meeting.starts_at, meeting.timezone)
    end = utc_to_local(meeting.ends_at, meeting.timezone)
    values: dict[str, Any] = {
        "kind": meeting.kind,
        "title": meeting.title,
        "start_day": start.date(),
        "start_time": start.time(),
        "end_day": end.date(),
        "end_time": end.time(),
        "timezone": meeting.timezone,
        "all_day": meeting.all_day,
        "location": meeting.location,
        "online_url": meeting.online_url,
        "description": meeting.description,
        "public": meeting.public,
    }
    values.update(overrides)
    return MeetingData(**values)


def occurrence_on(series: MeetingSeries, day: date) -> Meeting:
    found = [
        meeting
        for meeting in series.occurrences
        if utc_to_local(meeting.original_start, series.timezone).date() == day
    ]
    assert len(found) == 1, f"no occurrence on {day}"
    return found[0]


def dst_series(body: Body, actor: Account | None = None, **overrides: Any) -> MeetingSeries:
    """The weekly series across both clock changes, one occurrence cancelled and one moved (both through the
    meeting services, as a secretary would)."""
    actor = actor or OrganiserFactory()
    values: dict[str, Any] = {
        "title": "Arbeitsgruppe Registermodernisierung",
        "frequency": SeriesFrequency.WEEKLY,
        "first_day": SERIES_FIRST,
        "until_on": SERIES_LAST,
        "occurrence_count": None,
        "start_time": time(10, 0),
        "end_time": time(11, 30),
        "location": "Saarbrücken, Raum 1.12",
    }
    values.update(overrides)
    series = make_series(body=body, actor=actor, **values)
    change_status(actor, occurrence_on(series, CANCELLED_SLOT), MeetingStatus.CANCELLED, "Feiertag")
    moved = occurrence_on(series, MOVED_SLOT)
    day, start, end = MOVED_TO
    update_meeting(actor, moved, meeting_data_of(moved, start_day=day, start_time=start, end_day=day, end_time=end))
    return series


# What a calendar must show: (UID, start, end, STATUS); timed values in UTC, all-day ones as local dates.

Expected = tuple[str, str, str, str]
STATUS_OF = {
    MeetingStatus.PLANNED: "TENTATIVE",
    MeetingStatus.CONFIRMED: "CONFIRMED",
    MeetingStatus.HELD: "CONFIRMED",
    MeetingStatus.CANCELLED: "CANCELLED",
}


def stamp(moment: datetime | date) -> str:
    if isinstance(moment, datetime):
        return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return moment.isoformat()


def expected_single(meeting: Meeting) -> Expected:
    """A meeting as a calendar shows it on its own (an all-day one as local dates with an exclusive end)."""
    uid = meeting.series.uid if meeting.series_id is not None else meeting.uid
    if meeting.all_day:
        first = utc_to_local(meeting.starts_at, meeting.timezone).date()
        after = utc_to_local(meeting.ends_at, meeting.timezone).date()
        return (uid, stamp(first), stamp(after), STATUS_OF[meeting.status])
    return (uid, stamp(meeting.starts_at), stamp(meeting.ends_at), STATUS_OF[meeting.status])


def expected_series(series: MeetingSeries) -> list[Expected]:
    """Koop's own occurrences of a series (app.series.services.occurrences), cancelled ones left out."""
    status = {meeting.id: meeting.status for meeting in series.occurrences}
    return [
        (series.uid, stamp(occurrence.start), stamp(occurrence.end), STATUS_OF[status[occurrence.meeting_id]])
        for occurrence in occurrences(series)
        if not occurrence.cancelled
    ]


# Feeds over HTTP


def personal_url(account: Account, body: Body | None = None) -> str:
    token = regenerate_token(account)
    return f"/calendar/{token}.ics" + (f"?body={body.code}" if body is not None else "")


def fetch(client: FlaskClient, url: str, **headers: str):
    response = client.get(url, headers=headers)
    response.close()
    return response


def parse(data: bytes) -> Calendar:
    return Calendar.from_ical(data)


def events_of(data: bytes) -> list:
    return parse(data).walk("VEVENT")


def add_item(meeting: Meeting, title: str, public: bool = True, position: int = 99) -> AgendaItem:
    item = AgendaItem(meeting=meeting, title=title, public=public, position=position)
    db.session.add(item)
    db.session.commit()
    return item


def days_from_today(offset: int) -> date:
    """A Berlin day relative to today, for meetings around the feed window (90 days back)."""
    return (datetime.now(BERLIN) + timedelta(days=offset)).date()


def populate(account: Account, meetings: int, bodies: int = 10, series: int = 1) -> list[Body]:
    """The account in `bodies` bodies with `meetings` single meetings between them (past and future, some
    cancelled, each with a public and a non-public agenda item), `series` weekly series of ten, an invitation
    to another body's meeting and a registration for an event. Plain models and one commit: the benchmark
    (bench/feed_benchmark.py) builds its data with this too."""
    organisation = account.organisation
    made = [
        Body(
            name=f"Gremium {index:02d} für {account.display_name}",
            code=f"G{account.id}X{index:02d}",
            kind=list(BodyKind)[index % 4],
            level=list(BodyLevel)[index % 3],
            visibility=list(Visibility)[index % 3],
        )
        for index in range(bodies)
    ]
    db.session.add_all(made)
    db.session.flush()
    for body in made:
        db.session.add(
            Membership(body=body, account=account, role=MembershipRole.MEMBER, organisation=organisation,
                       start_on=date(2020, 1, 1))
        )
    now = utcnow().replace(second=0, microsecond=0)
    for index in range(meetings):
        start = now + timedelta(days=index % 300 - 80, hours=index % 7)
        meeting = Meeting(
            body=made[index % bodies],
            kind=MeetingKind.MEETING,
            title=f"Sitzung {index}",
            starts_at=start,
            ends_at=start + timedelta(hours=2),
            location="Saarbrücken",
            status=MeetingStatus.CANCELLED if index % 17 == 0 else MeetingStatus.CONFIRMED,
        )
        meeting.agenda_items.append(AgendaItem(position=1, title="Öffentlich", public=True))
        meeting.agenda_items.append(AgendaItem(position=2, title="Nichtöffentlich", public=False))
        db.session.add(meeting)
    other = Body(name=f"Fremdes Gremium {account.id}", code=f"F{account.id}", kind=made[0].kind,
                 level=made[0].level, visibility=Visibility.INTERNAL)
    guest_meeting = Meeting(body=other, kind=MeetingKind.MEETING, title="Als Gast", starts_at=now + timedelta(days=3),
                            ends_at=now + timedelta(days=3, hours=1))
    event = Meeting(body=None, kind=MeetingKind.KICKOFF, title="Auftakt", starts_at=now + timedelta(days=9),
                    ends_at=now + timedelta(days=9, hours=3), registration_enabled=True)
    db.session.add_all([other, guest_meeting, event])
    db.session.flush()
    db.session.add(Invitation(meeting=guest_meeting, account=account, is_guest=True))
    db.session.add(Registration(meeting=event, account=account, organisation=organisation,
                                status=RegistrationStatus.REGISTERED))
    db.session.commit()
    actor = account
    for index in range(series):
        first = (now + timedelta(days=7 * index - 14)).date()
        create_series(
            actor,
            made[index % bodies],
            SeriesData(
                title=f"Reihe {index}",
                frequency=SeriesFrequency.WEEKLY,
                first_day=first,
                start_time=time(9, 0),
                end_time=time(10, 0),
                weekdays=["MO", "TH"],
                occurrence_count=10,
            ),
        )
    return made
