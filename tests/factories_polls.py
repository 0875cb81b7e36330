"""Test data for date polls: days ahead in Berlin, poll data with test defaults, and a poll made by the service."""

from __future__ import annotations

import re
from datetime import date, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from app.extensions import db
from app.models import Account, MeetingKind, Poll, PollInvitee, utcnow
from app.polls import services
from tests.factories_invitations import Cast

BERLIN = ZoneInfo("Europe/Berlin")


def day_ahead(days: int) -> date:
    """A calendar day in Berlin some days from now."""
    return (utcnow().astimezone(BERLIN) + timedelta(days=days)).date()


def next_spring_forward(after: date | None = None) -> date:
    """The next last Sunday of March (02:00-03:00 does not exist in Berlin) after the given day."""
    after = after or day_ahead(0)
    year = after.year
    while True:
        last = date(year, 3, 31)
        sunday = last - timedelta(days=(last.weekday() - 6) % 7)
        if sunday > after:
            return sunday
        year += 1


def poll_data(**overrides: Any) -> services.PollData:
    """Three slots 10, 12 and 14 days ahead at 10:00, 14:00 and 09:30; answers until 5 days ahead, 18:00."""
    values: dict[str, Any] = {
        "title": "Erste Sitzung der AG",
        "meeting_kind": MeetingKind.MEETING,
        "duration_minutes": 120,
        "slots": [
            services.SlotInput(day_ahead(10), time(10, 0), "slots-0"),
            services.SlotInput(day_ahead(12), time(14, 0), "slots-1"),
            services.SlotInput(day_ahead(14), time(9, 30), "slots-2"),
        ],
        "deadline_day": day_ahead(5),
        "deadline_time": time(18, 0),
        "description": "Bitte bis zur Frist antworten.",
    }
    values.update(overrides)
    return services.PollData(**values)


def make_poll(cast: Cast, **overrides: Any) -> Poll:
    """A poll of the cast's body (its four members invited), created by the organiser."""
    overrides.setdefault("body", cast.body)
    return services.create_poll(cast.organiser, poll_data(**overrides))


def invitee_of(poll: Poll, account: Account) -> PollInvitee:
    return next(invitee for invitee in poll.invitees if invitee.account_id == account.id)


def answer_all(poll: Poll, account: Account, *choices, comment: str = "") -> None:
    """Answer the poll's slots in order for the account."""
    invitee = invitee_of(poll, account)
    services.answer_poll(invitee, {slot.id: choice for slot, choice in zip(poll.slots, choices, strict=True)}, comment)


def set_deadline_passed(poll: Poll) -> None:
    poll.deadline = utcnow() - timedelta(minutes=1)
    db.session.commit()


def answer_link(outbox, account: Account) -> str:
    """The path of the personal link in the last poll mail to the account."""
    for message in reversed(outbox.messages()):
        if message["To"] == account.email:
            found = re.search(r"http://localhost(/polls/answer/[A-Za-z0-9_.\-]+)", outbox.body(message))
            if found:
                return found.group(1)
    raise AssertionError("no poll mail with a link")
