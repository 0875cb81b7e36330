"""factory_boy factories for events with registration, and registrations."""

from __future__ import annotations

from datetime import timedelta

import factory

from app.models import Meeting, MeetingKind, MeetingStatus, Registration, RegistrationStatus, utcnow
from tests.factories import AccountFactory, BaseFactory, OrganiserFactory


class EventFactory(BaseFactory):
    """A standalone kick-off event in four weeks, visible to logged-in accounts, registration open for two."""

    class Meta:
        model = Meeting

    body = None
    kind = MeetingKind.KICKOFF
    title = factory.Sequence(lambda n: f"Auftaktveranstaltung {n}")
    starts_at = factory.LazyFunction(lambda: (utcnow() + timedelta(days=28)).replace(second=0, microsecond=0))
    ends_at = factory.LazyAttribute(lambda event: event.starts_at + timedelta(hours=3))
    timezone = "Europe/Berlin"
    location = "Stummsche Reithalle, Neunkirchen"
    status = MeetingStatus.PLANNED
    public = False
    organiser = factory.SubFactory(OrganiserFactory)
    registration_enabled = True
    capacity = 2


class RegistrationFactory(BaseFactory):
    class Meta:
        model = Registration

    meeting = factory.SubFactory(EventFactory)
    account = factory.SubFactory(AccountFactory)
    organisation = factory.SelfAttribute("account.organisation")
    status = RegistrationStatus.REGISTERED
