"""Demo data for date polls: an open poll for the first meeting of a new working group, with some answers."""

from __future__ import annotations

from datetime import date, time, timedelta

from sqlalchemy import select

from app.bodies import services as bodies
from app.clock import today
from app.extensions import db
from app.models import Account, Body, BodyKind, BodyLevel, MeetingKind, MembershipRole, Poll, PollChoice, Visibility
from app.polls import services

GROUP_CODE = "AGID"
# email, role in the new working group: three state and three municipal voting seats, and the secretary.
GROUP_SEATS = (
    ("mdj@koop.example", MembershipRole.CHAIR),
    ("mbk@koop.example", MembershipRole.MEMBER),
    ("stk@koop.example", MembershipRole.MEMBER),
    ("lkt@koop.example", MembershipRole.MEMBER),
    ("saarbruecken@koop.example", MembershipRole.MEMBER),
    ("member@koop.example", MembershipRole.MEMBER),
    ("secretary@koop.example", MembershipRole.SECRETARY),
)
# email: answers for the three slots, and a comment; the others have not answered yet.
ANSWERS = {
    "mdj@koop.example": ((PollChoice.YES, PollChoice.IF_NEED_BE, PollChoice.NO), ""),
    "lkt@koop.example": ((PollChoice.YES, PollChoice.YES, PollChoice.NO), "Am 2. Termin erst ab 14:30."),
    "member@koop.example": ((PollChoice.IF_NEED_BE, PollChoice.YES, PollChoice.YES), ""),
    "mbk@koop.example": ((PollChoice.YES, PollChoice.NO, PollChoice.IF_NEED_BE), "Gern in Präsenz."),
}


def _weekday(day: date) -> date:
    """The day itself, or the Monday after a weekend."""
    return day + timedelta(days=(7 - day.weekday()) % 7) if day.weekday() >= 5 else day


def _working_group(admin: Account, people: dict[str, Account]) -> Body | None:
    """The AG Digitale Identitäten under the IT-Kooperationsrat, founded today, with its roster."""
    group = bodies.get_body(GROUP_CODE)
    if group is not None:
        return group
    council = bodies.get_body("ITKR")
    if council is None or not all(email in people for email, _role in GROUP_SEATS):
        return None
    group = bodies.create_body(
        admin,
        bodies.BodyData(
            name="AG Digitale Identitäten",
            code=GROUP_CODE,
            kind=BodyKind.WORKING_GROUP,
            level=BodyLevel.JOINT,
            parent=council,
            mandate=(
                "Die Arbeitsgruppe bereitet die Anbindung der saarländischen Verwaltungsleistungen an die "
                "**BundID** und an die EUDI-Wallet vor und schlägt dem IT-Kooperationsrat einen Zeitplan vor."
            ),
            visibility=Visibility.INTERNAL,
            parity_required=True,
            founded_on=today(),
        ),
    )
    for email, role in GROUP_SEATS:
        bodies.add_membership(
            admin,
            group,
            bodies.MembershipData(
                account=people[email],
                role=role,
                organisation=None,
                voting=role is not MembershipRole.SECRETARY,
                start_on=today(),
            ),
        )
    return group


def seed_polls() -> None:
    """Load the demo poll; does nothing when a poll exists or the demo accounts and bodies are missing."""
    if db.session.scalar(select(Poll.id).limit(1)) is not None:
        return
    people = {account.email: account for account in db.session.scalars(select(Account))}
    admin, organiser = people.get("admin@koop.example"), people.get("organiser@koop.example")
    if admin is None or organiser is None:
        return
    group = _working_group(admin, people)
    if group is None:
        return
    first = _weekday(today() + timedelta(days=21))
    second = _weekday(first + timedelta(days=2))
    third = _weekday(first + timedelta(days=7))
    poll = services.create_poll(
        organiser,
        services.PollData(
            title="Konstituierende Sitzung der AG Digitale Identitäten",
            description=(
                "Bitte geben Sie bis zur Frist an, welche Termine Ihnen passen. Ort: Staatskanzlei, Saarbrücken."
            ),
            meeting_kind=MeetingKind.MEETING,
            duration_minutes=120,
            slots=[
                services.SlotInput(first, time(10, 0)),
                services.SlotInput(second, time(14, 0)),
                services.SlotInput(third, time(9, 30)),
            ],
            deadline_day=first - timedelta(days=7),
            deadline_time=time(18, 0),
            body=group,
        ),
    )
    slots = list(poll.slots)
    for invitee in list(poll.invitees):
        answers = ANSWERS.get(invitee.account.email)
        if answers is not None:
            choices, comment = answers
            by_slot = {slot.id: choice for slot, choice in zip(slots, choices, strict=True)}
            services.answer_poll(invitee, by_slot, comment)
