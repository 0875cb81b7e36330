"""Demo data for minutes: the approved record of the 2018 information event and of two council meetings (with
decisions and action items, one of them overdue), circulated minutes and a draft in progress of the project
group OZG-Umsetzung Kommunen. Everything goes through the services, as a secretary and a chair would do it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import time, timedelta

from sqlalchemy import select

from app.actions.services import change_status
from app.agendas import services as agendas
from app.attendance.services import AttendanceEntry, GuestEntry, attendance_sheet, record_attendance
from app.bodies import services as bodies
from app.clock import today
from app.decisions.services import DecisionData, add_decision
from app.extensions import db
from app.meetings import services as meetings
from app.minutes import services as minutes_services
from app.minutes.approval import approve
from app.models import (
    Account,
    ActionItem,
    ActionItemStatus,
    AgendaItem,
    AttendanceStatus,
    DecisionOutcome,
    Meeting,
    MeetingKind,
    MeetingStatus,
    Organisation,
)

INFORMATION_EVENT_NOTES = """\
Rund 90 Teilnehmende aus 46 der 52 saarländischen Kommunen.

- Das Land stellt den Zeitplan der OZG-Umsetzung bis Ende 2022 vor.
- eGo-Saar erläutert die gemeinsame Plattform und das Servicekonto.
- Die Kommunen wünschen einen festen Ansprechpartner je Landkreis und eine gemeinsame Steuerung.

Die Teilnehmenden begrüßen die Gründung eines paritätisch besetzten IT-Kooperationsrats im Frühjahr 2019.
"""

INFORMATION_EVENT_GUESTS = (
    ("Dr. Karin Albers", "AKDB"),
    ("Jens Petersen", "Dataport"),
    ("Miriam Koch", "regio iT"),
    ("Holger Brandt", "KGSt"),
)


@dataclass(frozen=True)
class DemoDecision:
    title: str
    text: str
    outcome: DecisionOutcome
    votes: tuple[int, int, int] | None
    public: bool = True


@dataclass(frozen=True)
class DemoItem:
    title: str
    notes: str
    public: bool = True
    decisions: tuple[DemoDecision, ...] = ()
    # (description, assignee e-mail or organisation short name, days after the meeting it is due)
    action_items: tuple[tuple[str, str, int], ...] = ()


FIRST_COUNCIL_MEETING = (
    DemoItem(
        "Begrüßung und Feststellung der Beschlussfähigkeit",
        "Die Vorsitzende begrüßt die Mitglieder und stellt die ordnungsgemäße Ladung fest.",
    ),
    DemoItem(
        "Geschäftsordnung des IT-Kooperationsrats",
        "Der Entwurf wurde mit der Einladung versandt. Änderungswünsche des Landkreistags sind eingearbeitet.",
        decisions=(
            DemoDecision(
                "Geschäftsordnung des IT-Kooperationsrats",
                "Der IT-Kooperationsrat gibt sich die Geschäftsordnung in der Fassung vom 12. Februar 2019.",
                DecisionOutcome.ADOPTED,
                (15, 0, 0),
            ),
        ),
        action_items=(("Geschäftsordnung im Amtsblatt bekannt machen", "secretary@koop.example", 30),),
    ),
    DemoItem(
        "Priorisierung der OZG-Leistungen",
        "Das Land schlägt vor, mit den 35 meistgenutzten Leistungen zu beginnen (Einer-für-Alle-Nachnutzung).",
        decisions=(
            DemoDecision(
                "Priorisierung der ersten 35 OZG-Leistungen",
                "Die Liste der ersten 35 Leistungen (Anlage 1) wird beschlossen. Die Projektgruppe "
                "OZG-Umsetzung Kommunen berichtet in jeder Sitzung über den Stand.",
                DecisionOutcome.ADOPTED,
                (13, 1, 1),
            ),
        ),
    ),
)

RECENT_COUNCIL_MEETING = (
    DemoItem(
        "Genehmigung der Niederschrift der 22. Sitzung",
        "Die Niederschrift wird ohne Änderungen genehmigt.",
    ),
    DemoItem(
        "Bericht der Projektgruppe OZG-Umsetzung Kommunen",
        "41 der 52 Kommunen haben das Bürgerkonto angebunden. Die übrigen elf haben einen Termin bis Jahresende.\n\n"
        "Offene Punkte:\n\n- Zahlungsverkehr (E-Payment) in sechs Kommunen\n- Schulungen für Sachbearbeitung",
        decisions=(
            DemoDecision(
                "Bericht der Projektgruppe OZG-Umsetzung Kommunen",
                "Der IT-Kooperationsrat nimmt den Bericht zur Kenntnis.",
                DecisionOutcome.NOTED,
                None,
            ),
        ),
        action_items=(
            ("Terminplan für die Anbindung der übrigen elf Kommunen vorlegen", "member@koop.example", 14),
            ("Schulungsangebot für die Sachbearbeitung zusammenstellen", "SSGT", 45),
        ),
    ),
    DemoItem(
        "Einführung des Antragsassistenten für Bauanträge",
        "Die AG Bauen & Wohnen empfiehlt die Nachnutzung des Antragsassistenten aus Mecklenburg-Vorpommern.",
        decisions=(
            DemoDecision(
                "Nachnutzung des Antragsassistenten für Bauanträge",
                "Das Land beschafft den Antragsassistenten für alle Bauaufsichtsbehörden; die Kosten für das "
                "erste Jahr trägt das Land.",
                DecisionOutcome.ADOPTED,
                (12, 0, 2),
            ),
        ),
        action_items=(("Nachnutzungsvereinbarung mit Mecklenburg-Vorpommern vorbereiten", "MIBS", 30),),
    ),
    DemoItem(
        "Vergabe Plattformbetrieb: Stand des Verfahrens",
        "Die Angebotsfrist läuft noch. Einzelheiten werden nicht öffentlich beraten.",
        public=False,
        decisions=(
            DemoDecision(
                "Verlängerung der Angebotsfrist",
                "Die Angebotsfrist wird um zwei Wochen verlängert.",
                DecisionOutcome.ADOPTED,
                (14, 0, 0),
                public=False,
            ),
        ),
    ),
)

PROJECT_GROUP_ITEMS = (
    DemoItem(
        "Stand der Anbindung an das Bürgerkonto",
        "Saarbrücken und Neunkirchen sind angebunden; Homburg folgt im nächsten Monat.",
        decisions=(
            DemoDecision(
                "Gemeinsame Schulung zur Anbindung",
                "Die Projektgruppe bietet allen Kommunen eine gemeinsame Schulung an.",
                DecisionOutcome.ADOPTED,
                (3, 0, 0),
            ),
        ),
        action_items=(("Schulungstermine mit eGo-Saar abstimmen", "neunkirchen@koop.example", 21),),
    ),
    DemoItem("Verschiedenes", "Keine Wortmeldungen."),
)


def seed_minutes() -> None:
    """Minutes in every state; skipped if there are any already."""
    from app.models import Minutes

    if db.session.scalar(select(Minutes.id).limit(1)) is not None:
        return
    organiser = _account("organiser@koop.example")
    secretary = _account("secretary@koop.example")
    chair = _account("chair@koop.example")
    deputy = _account("deputy@koop.example")

    event = _meeting("Informationsveranstaltung zur OZG-Umsetzung für die saarländischen Kommunen")
    guests = [GuestEntry(name, organisation) for name, organisation in INFORMATION_EVENT_GUESTS]
    record_attendance(organiser, event, [], guests)
    _write(organiser, event, INFORMATION_EVENT_NOTES, {})
    approve(organiser, minutes_services.minutes_of(event))

    first = _meeting("1. Sitzung des IT-Kooperationsrats")
    _record(secretary, first, FIRST_COUNCIL_MEETING, excused=("mukmav@koop.example",))
    approve(chair, minutes_services.minutes_of(first))
    for action_item in db.session.scalars(select(ActionItem).where(ActionItem.meeting_id == first.id)):
        change_status(secretary, action_item, ActionItemStatus.DONE)

    recent = _meeting("23. Sitzung des IT-Kooperationsrats")
    _record(secretary, recent, RECENT_COUNCIL_MEETING, excused=("homburg@koop.example", "mdj@koop.example"))
    approve(deputy, minutes_services.minutes_of(recent))

    group = bodies.get_body("OZGK")
    circulated = _held_meeting(secretary, group, "5. Sitzung der Projektgruppe OZG-Umsetzung Kommunen", 24)
    minutes = _record(secretary, circulated, PROJECT_GROUP_ITEMS, excused=())
    minutes_services.circulate(secretary, minutes, today() + timedelta(days=10))

    draft = _held_meeting(secretary, group, "6. Sitzung der Projektgruppe OZG-Umsetzung Kommunen", 3)
    record_attendance(secretary, draft, _everyone_present(draft, excused=("saarbruecken@koop.example",)), [])
    _write(secretary, draft, "Entwurf: Notizen werden noch ergänzt.", {})


def _account(email: str) -> Account:
    return db.session.scalars(select(Account).where(Account.email == email)).one()


def _meeting(title: str) -> Meeting:
    return db.session.scalars(select(Meeting).where(Meeting.title == title)).one()


def _held_meeting(actor: Account, body, title: str, days_ago: int) -> Meeting:
    """A meeting of the body some days ago, with the agenda the demo minutes need, marked as held."""
    day = today() - timedelta(days=days_ago)
    meeting = meetings.schedule_meeting(
        actor,
        body,
        meetings.MeetingData(
            kind=MeetingKind.MEETING,
            title=title,
            start_day=day,
            start_time=time(14, 0),
            end_day=None,
            end_time=time(16, 0),
            location="eGo-Saar, Trierer Straße 33, Saarbrücken",
        ),
    )
    add_agenda(actor, meeting, PROJECT_GROUP_ITEMS)
    meetings.change_status(actor, meeting, MeetingStatus.CONFIRMED)
    meetings.change_status(actor, meeting, MeetingStatus.HELD)
    return meeting


def add_agenda(actor: Account, meeting: Meeting, items: tuple[DemoItem, ...]) -> None:
    """The demo items as the meeting's agenda (before it is held: then the agenda is the record)."""
    for item in items:
        agendas.add_item(actor, meeting, agendas.ItemData(title=item.title, public=item.public))


def _everyone_present(meeting: Meeting, excused: tuple[str, ...]) -> list[AttendanceEntry]:
    return [
        AttendanceEntry(
            person.account.id,
            AttendanceStatus.EXCUSED if person.account.email in excused else AttendanceStatus.PRESENT,
        )
        for person in attendance_sheet(meeting).people
    ]


def _write(actor: Account, meeting: Meeting, general_notes: str, item_notes: dict[int, str]):
    minutes = minutes_services.ensure_minutes(actor, meeting)
    db.session.commit()
    minutes_services.save_draft(actor, minutes, general_notes, item_notes, minutes.version)
    return minutes


def _record(actor: Account, meeting: Meeting, items: tuple[DemoItem, ...], excused: tuple[str, ...]):
    """Attendance, notes, decisions and action items of a held meeting whose agenda matches `items`."""
    from app.actions.services import ActionItemData, create_action_item

    record_attendance(actor, meeting, _everyone_present(meeting, excused), [])
    # The meeting may have begun with its body's standard agenda: the demo items are found by title.
    query = select(AgendaItem).where(AgendaItem.meeting_id == meeting.id)
    by_title = {agenda_item.title: agenda_item for agenda_item in db.session.scalars(query)}
    agenda = [by_title[item.title] for item in items]
    notes = {agenda_item.id: item.notes for agenda_item, item in zip(agenda, items, strict=True)}
    minutes = _write(actor, meeting, "", notes)
    meeting_day = meeting.starts_at.date()
    for agenda_item, item in zip(agenda, items, strict=True):
        for decision in item.decisions:
            yes, no, abstain = decision.votes or (None, None, None)
            add_decision(
                actor,
                agenda_item,
                DecisionData(decision.title, decision.text, decision.outcome, yes, no, abstain, decision.public),
            )
        for description, assignee, due_in_days in item.action_items:
            person = db.session.scalar(select(Account.id).where(Account.email == assignee))
            organisation = db.session.scalar(select(Organisation.id).where(Organisation.short_name == assignee))
            create_action_item(
                actor,
                meeting,
                ActionItemData(
                    description,
                    assignee_account_id=person,
                    assignee_organisation_id=organisation if person is None else None,
                    due_on=meeting_day + timedelta(days=due_in_days),
                ),
                meeting_day,
                agenda_item=agenda_item,
            )
    return minutes


def council_agenda(number: int) -> tuple[DemoItem, ...]:
    """The agenda of a demo council meeting that has minutes (none for the others)."""
    return {1: FIRST_COUNCIL_MEETING, 23: RECENT_COUNCIL_MEETING}.get(number, ())
