"""Test data for invitations and reminders: meetings in the future, a body with every role, and mail helpers."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from email.message import Message
from zoneinfo import ZoneInfo

import factory
from icalendar import Calendar

from app.models import Account, Body, Meeting, MeetingKind, MeetingStatus, MembershipRole, Visibility, utcnow
from tests.factories import AccountFactory, AdminFactory, BaseFactory, OrganiserFactory
from tests.factories_bodies import BodyFactory, MembershipFactory


def local_start(days_ahead: int, hour: int = 10) -> datetime:
    """A full hour in Berlin some days from now, in UTC."""
    berlin = ZoneInfo("Europe/Berlin")
    day = (utcnow().astimezone(berlin) + timedelta(days=days_ahead)).date()
    return datetime.combine(day, time(hour), tzinfo=berlin).astimezone(ZoneInfo("UTC"))


class FutureMeetingFactory(BaseFactory):
    class Meta:
        model = Meeting

    body = factory.SubFactory(BodyFactory)
    kind = MeetingKind.MEETING
    title = factory.Sequence(lambda n: f"Sitzung Nummer {n}")
    starts_at = factory.LazyFunction(lambda: local_start(14))
    ends_at = factory.LazyAttribute(lambda meeting: meeting.starts_at + timedelta(hours=2))
    timezone = "Europe/Berlin"
    location = "Rathaus Neunkirchen, Sitzungssaal"
    status = MeetingStatus.CONFIRMED


@dataclass
class Cast:
    """A body with one person in each role that matters, and people outside it."""

    body: Body
    chair: Account
    deputy: Account
    secretary: Account
    member: Account
    outsider: Account
    organiser: Account
    admin: Account

    def members(self) -> list[Account]:
        return [self.chair, self.deputy, self.secretary, self.member]

    def by_role(self, role: str) -> Account | None:
        return None if role == "anonymous" else getattr(self, role)


def make_cast(visibility: Visibility = Visibility.INTERNAL, **body_fields) -> Cast:
    body = BodyFactory(visibility=visibility, **body_fields)

    def seat(role: MembershipRole, **account_fields) -> Account:
        return MembershipFactory(body=body, role=role, voting=role is not MembershipRole.SECRETARY,
                                 account=AccountFactory(**account_fields)).account

    return Cast(
        body=body,
        chair=seat(MembershipRole.CHAIR, display_name="Chris Chair"),
        deputy=seat(MembershipRole.DEPUTY_CHAIR, display_name="Dana Deputy"),
        secretary=seat(MembershipRole.SECRETARY, display_name="Sam Secretary"),
        member=seat(MembershipRole.MEMBER, display_name="Mia Müller", locale="en"),
        outsider=AccountFactory(display_name="Otto Outsider"),
        organiser=OrganiserFactory(display_name="Olga Organiser"),
        admin=AdminFactory(display_name="Ada Admin"),
    )


def calendar_of(message: Message) -> Calendar:
    """The .ics attachment of a mail, parsed; asserts its MIME type carries the method."""
    parts = [part for part in message.walk() if part.get_content_type() == "text/calendar"]
    assert len(parts) == 1, "exactly one calendar attachment"
    part = parts[0]
    calendar = Calendar.from_ical(part.get_payload(decode=True))
    assert part.get_param("method") == str(calendar["METHOD"])
    assert part.get_param("charset") == "utf-8"
    return calendar


def mails_to(messages: list[Message], account: Account) -> list[Message]:
    return [message for message in messages if message["To"] == account.email]
