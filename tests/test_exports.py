"""Exports of approved minutes: what the complete and the public version hold (read back out of the PDF with
pypdf), who gets which version, and that the PDF renderer fetches nothing but the app's own static files."""

from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass
from datetime import UTC, date, datetime

import pytest
from flask import Flask, render_template_string
from flask.testing import FlaskClient
from pypdf import PdfReader

from app.exports.pdf import RefusedURL, StaticFilesOnly, render_pdf
from app.exports.services import export_data, filename
from app.extensions import db
from app.models import (
    AttendanceStatus,
    ConflictOfInterest,
    DecisionOutcome,
    MeetingKind,
    MinutesAmendment,
    MinutesItemNote,
    MinutesStatus,
    Visibility,
)
from tests.factories import AccountFactory, OrganisationFactory, OrganiserFactory, StateOrganisationFactory
from tests.factories_agendas import AgendaItemFactory
from tests.factories_bodies import MembershipFactory, log_in, log_out
from tests.factories_minutes import (
    ActionItemFactory,
    AttendanceFactory,
    DecisionFactory,
    HeldMeetingFactory,
    MinutesFactory,
    Sitting,
    make_sitting,
)

CONTENT_HASH = hashlib.sha256(b"approved content of the test minutes").hexdigest()
ROLES = ("anonymous", "outsider", "member", "secretary", "chair", "organiser", "admin")
INSIDERS = ("member", "secretary", "chair", "organiser", "admin")

# What only the complete version may show: the non-public item and everything under it, the non-public
# decision of a public item, and the action items (the body's internal work).
SECRETS = (
    "Vergabe Rechenzentrum",
    "Angebot der Nordlicht GmbH",
    "Zuschlag an Rechenzentrum Nord",
    "Zuschlag Rechenzentrum",
    "ITKR-2026-003",
    "Vertrag entwerfen",
    "Betrag korrigiert",
    "Budgetrahmen intern",
    "Hoechstbetrag 250.000 Euro",
    "ITKR-2026-002",
    "Budget pruefen",
    "Excluded from this item",
    "Pilot vorbereiten",
    "Termin der nächsten Sitzung abstimmen",
    "Action items",
)


@dataclass
class Approved:
    sitting: Sitting
    substitute_name: str = "Sven Stellvertreter"

    @property
    def meeting_id(self) -> int:
        return self.sitting.meeting.id


def approved_sitting(visibility: Visibility = Visibility.PUBLIC, **body_fields) -> Approved:
    """A council meeting with public and non-public items, decisions, action items, attendance, an amendment on
    each side, approved (set by hand: these tests do not depend on the approval service)."""
    body_fields.setdefault("name", "IT-Kooperationsrat")
    code = body_fields.setdefault("code", "ITKR")
    sitting = make_sitting(visibility, **body_fields)
    cast, meeting, minutes = sitting.cast, sitting.meeting, sitting.minutes
    public_item, closed_item = sitting.public_item, sitting.closed_item
    sub_item = AgendaItemFactory(meeting=meeting, parent=public_item, position=1, title="Zeitplan der Pilotphase")
    last_item = AgendaItemFactory(meeting=meeting, position=3, title="Verschiedenes")

    absentee = MembershipFactory(body=cast.body, account=AccountFactory(display_name="Anton Abwesend")).account
    excluded = MembershipFactory(body=cast.body, account=AccountFactory(display_name="Ingo Interessenkonflikt")).account
    substitute = AccountFactory(display_name="Sven Stellvertreter")
    AttendanceFactory(meeting=meeting, account=cast.chair)
    AttendanceFactory(meeting=meeting, account=cast.secretary)
    AttendanceFactory(meeting=meeting, account=cast.member)
    AttendanceFactory(meeting=meeting, account=excluded)
    AttendanceFactory(meeting=meeting, account=cast.deputy, status=AttendanceStatus.EXCUSED)
    AttendanceFactory(meeting=meeting, account=substitute, stands_in_for=cast.deputy)
    AttendanceFactory(meeting=meeting, account=absentee, status=AttendanceStatus.ABSENT)
    AttendanceFactory(meeting=meeting, is_guest=True, guest_name="Gerda Gast", guest_organisation="Landesrechnungshof")

    db.session.add_all(
        [
            MinutesItemNote(
                minutes=minutes,
                agenda_item=public_item,
                notes="Der **Antragsassistent** wurde vorgestellt.\n\n<script>alert('x')</script>",
            ),
            MinutesItemNote(minutes=minutes, agenda_item=sub_item, notes="Pilotphase bis Mai."),
            MinutesItemNote(minutes=minutes, agenda_item=closed_item, notes="Angebot der Nordlicht GmbH liegt vor."),
            ConflictOfInterest(agenda_item=closed_item, account=excluded, reason="Beteiligung"),
        ]
    )
    adopted = DecisionFactory(
        minutes=minutes, agenda_item=public_item, position=1, title="Einführung des Antragsassistenten",
        text="Der Rat beschließt die Einführung des Antragsassistenten.",
        votes_yes=6, votes_no=0, votes_abstain=0, year=2026, serial=1, number=f"{code}-2026-001",
    )  # fmt: skip
    internal = DecisionFactory(
        minutes=minutes, agenda_item=public_item, position=2, title="Budgetrahmen intern", public=False,
        text="Hoechstbetrag 250.000 Euro.", votes_yes=5, votes_no=0, votes_abstain=1,
        year=2026, serial=2, number=f"{code}-2026-002",
    )  # fmt: skip
    DecisionFactory(
        minutes=minutes, agenda_item=closed_item, title="Zuschlag Rechenzentrum",
        text="Zuschlag an Rechenzentrum Nord.", votes_yes=4, votes_no=1, votes_abstain=1,
        outcome=DecisionOutcome.ADOPTED, year=2026, serial=3, number=f"{code}-2026-003",
    )  # fmt: skip
    ActionItemFactory(
        body=cast.body, meeting=meeting, agenda_item=public_item, decision=adopted,
        description="Pilot vorbereiten", assignee_account=cast.member, due_on=date(2026, 4, 1),
    )  # fmt: skip
    ActionItemFactory(
        body=cast.body, meeting=meeting, decision=internal, description="Budget pruefen",
        assignee_account=cast.chair,
    )  # fmt: skip
    ActionItemFactory(
        body=cast.body, meeting=meeting, agenda_item=closed_item, description="Vertrag entwerfen",
        assignee_organisation=OrganisationFactory(name=f"Zentrale Vergabestelle {code}"),
    )  # fmt: skip
    ActionItemFactory(
        body=cast.body, meeting=meeting, description="Termin der nächsten Sitzung abstimmen",
        assignee_organisation=OrganisationFactory(name=f"Geschäftsstelle {code}"), due_on=date(2026, 3, 31),
    )  # fmt: skip
    db.session.add_all(
        [
            MinutesAmendment(
                minutes=minutes, agenda_item=public_item, reason="Schreibfehler", text="Richtig: Pilotphase bis Juni.",
                author=cast.chair, created_at=datetime(2026, 4, 20, 8, 0, tzinfo=UTC),
            ),
            MinutesAmendment(
                minutes=minutes, agenda_item=closed_item, reason="Betrag korrigiert", text="Neuer Betrag.",
                author=cast.chair, created_at=datetime(2026, 4, 21, 8, 0, tzinfo=UTC),
            ),
        ]
    )  # fmt: skip
    last_item.title = "Verschiedenes"
    minutes.general_notes = "Die Sitzung wurde **pünktlich** eröffnet."
    approve(minutes, cast.chair)
    return Approved(sitting)


def approve(minutes, chair) -> None:
    minutes.status = MinutesStatus.APPROVED
    minutes.approved_at = datetime(2026, 4, 14, 12, 30, tzinfo=UTC)
    minutes.approved_by = chair
    minutes.approved_content = "approved content of the test minutes"
    minutes.content_hash = CONTENT_HASH
    db.session.commit()


def log_in_as(client: FlaskClient, sitting: Sitting, role: str) -> None:
    account = sitting.cast.by_role(role)
    if account is not None:
        log_in(client, account)


def pdf_text(data: bytes) -> str:
    """The text of every page, with line breaks and repeated blanks folded into single spaces."""
    reader = PdfReader(io.BytesIO(data))
    return " ".join(" ".join((page.extract_text() or "").split()) for page in reader.pages)


def fetch_pdf(client: FlaskClient, meeting_id: int, version: str | None = None) -> str:
    query = f"?version={version}" if version else ""
    response = client.get(f"/exports/minutes/{meeting_id}.pdf{query}")
    assert response.status_code == 200, response.status_code
    assert response.mimetype == "application/pdf"
    return pdf_text(response.data)


# What each version holds, read back out of the PDF


def test_the_complete_pdf_holds_the_whole_niederschrift(app: Flask, client: FlaskClient) -> None:
    approved = approved_sitting()
    log_in(client, approved.sitting.cast.secretary)

    text = fetch_pdf(client, approved.meeting_id, "complete")

    for expected in (
        "IT-Kooperationsrat (ITKR)",
        "Minutes of the meeting",
        "3. Sitzung des Rates",
        "Complete version",
        "Tuesday, March 10, 2026",
        "10:00 AM to 12:00 PM (Europe/Berlin)",
        "Staatskanzlei, Saal 1",
        "Chris Chair",
        "Sam Secretary",
        "Mia Müller",
        "Sven Stellvertreter",
        "standing in for Dana Deputy",
        "Dana Deputy",
        "Anton Abwesend",
        "Gerda Gast (Landesrechnungshof)",
        "The body had a quorum: 4 of 5 voting members present (3 needed).",
        "Die Sitzung wurde pünktlich eröffnet.",
        "Item 1: Antragsassistent",
        "Der Antragsassistent wurde vorgestellt.",
        "Item 1.1: Zeitplan der Pilotphase",
        "Pilotphase bis Mai.",
        "Item 2: Vergabe Rechenzentrum (non-public)",
        "Angebot der Nordlicht GmbH liegt vor.",
        "Excluded from this item for a conflict of interest: Ingo Interessenkonflikt.",
        "Item 3: Verschiedenes",
        "Decision ITKR-2026-001: Einführung des Antragsassistenten",
        "Der Rat beschließt die Einführung des Antragsassistenten.",
        "Vote: unanimous",
        "Outcome: Adopted",
        "Decision ITKR-2026-002: Budgetrahmen intern (non-public)",
        "Vote: 5 in favour, 0 against, 1 abstention",
        "Decision ITKR-2026-003: Zuschlag Rechenzentrum",
        "Vote: 4 in favour, 1 against, 1 abstention",
        "Pilot vorbereiten (from decision ITKR-2026-001) Mia Müller Apr 1, 2026",
        "Budget pruefen",
        "Vertrag entwerfen",
        "Zentrale Vergabestelle ITKR",
        "Termin der nächsten Sitzung abstimmen",
        "Geschäftsstelle ITKR",
        "Amendment of Apr 20, 2026, 10:00 AM by Chris Chair",
        "Reason: Schreibfehler",
        "Richtig: Pilotphase bis Juni.",
        "Reason: Betrag korrigiert",
        "Place, date",
        "Chair",
        "Secretary",
        "Approved on Apr 14, 2026, 2:30 PM by Chris Chair.",
        CONTENT_HASH,
    ):
        assert expected in text, expected
    assert "alert" not in text  # the script in the notes was stripped, not printed
    assert "non-public decision" not in text and "left out of the public version" not in text


def test_the_public_pdf_leaves_out_what_is_not_public_and_says_where(app: Flask, client: FlaskClient) -> None:
    approved = approved_sitting()

    text = fetch_pdf(client, approved.meeting_id)  # anonymous: the public version by default

    for expected in (
        "IT-Kooperationsrat (ITKR)",
        "3. Sitzung des Rates",
        "Public version",
        "This is the public version: non-public items and decisions are left out, and marked where they were;"
        " action items are in the complete version only.",
        "Tuesday, March 10, 2026",
        "10:00 AM to 12:00 PM (Europe/Berlin)",
        "Staatskanzlei, Saal 1",
        "Chris Chair",
        "Sven Stellvertreter",
        "standing in for Dana Deputy",
        "Anton Abwesend",
        "Gerda Gast (Landesrechnungshof)",
        "The body had a quorum: 4 of 5 voting members present (3 needed).",
        "Item 1: Antragsassistent",
        "Der Antragsassistent wurde vorgestellt.",
        "Item 1.1: Zeitplan der Pilotphase",
        "Item 2: Non-public item",
        "This item was discussed in the non-public part of the meeting and is left out of the public version.",
        "Item 3: Verschiedenes",
        "Decision ITKR-2026-001: Einführung des Antragsassistenten",
        "Vote: unanimous",
        "1 non-public decision on this item is left out of the public version.",
        "Reason: Schreibfehler",
        "Place, date",
        "Approved on Apr 14, 2026, 2:30 PM by Chris Chair.",
        CONTENT_HASH,
    ):
        assert expected in text, expected
    for secret in SECRETS:
        assert secret not in text, secret


def test_the_pdf_embeds_the_vendored_fonts_and_carries_its_metadata(app: Flask, client: FlaskClient) -> None:
    approved = approved_sitting()

    response = client.get(f"/exports/minutes/{approved.meeting_id}.pdf")

    assert response.headers["Content-Disposition"] == (
        'attachment; filename="Niederschrift-ITKR-2026-03-10-oeffentlich.pdf"'
    )
    reader = PdfReader(io.BytesIO(response.data))
    assert reader.metadata.title == "Minutes of the meeting: 3. Sitzung des Rates (ITKR), Mar 10, 2026 – Public version"
    assert reader.metadata.author == "IT-Kooperationsrat"
    fonts = {
        str(font["/BaseFont"])
        for page in reader.pages
        for font in page["/Resources"]["/Font"].values()
        if "/BaseFont" in font.get_object()
    }
    assert fonts and all("Fira-Sans" in font for font in fonts), fonts


def test_a_german_reader_abroad_reads_german_with_the_meetings_own_times(app: Flask, client: FlaskClient) -> None:
    """The reader's language, but the meeting's zone: a document reads the same wherever it is printed."""
    approved = approved_sitting()
    reader = approved.sitting.cast.member
    reader.locale = "de"
    reader.timezone = "America/New_York"
    db.session.commit()
    log_in(client, reader)

    html = client.get(f"/exports/minutes/{approved.meeting_id}/print").get_data(as_text=True)
    text = fetch_pdf(client, approved.meeting_id)

    assert '<html lang="de">' in html
    for expected in ("Dienstag, 10. März 2026", "10:00", "12:00 Uhr (Europe/Berlin)", "14.04.2026, 14:30", "Datum"):
        assert expected in text, expected
    assert "05:00" not in text and "08:30" not in text  # nothing moved into New York time


def test_a_parity_body_states_the_quorum_per_side(app: Flask, client: FlaskClient) -> None:
    approved = approved_sitting(parity_required=True)
    state_member = AccountFactory(display_name="Stefanie Staat", organisation=StateOrganisationFactory())
    MembershipFactory(body=approved.sitting.cast.body, account=state_member)
    AttendanceFactory(meeting=approved.sitting.meeting, account=state_member)

    with app.test_request_context():
        quorum = export_data(approved.sitting.minutes, complete=False).attendance.quorum
        statement = render_template_string(
            '{% from "attendance/_macros.html" import quorum_statement %}{{ quorum_statement(q) }}', q=quorum
        )

    assert quorum is not None and quorum.parity is not None and quorum.parity.state == 1
    statement = " ".join(statement.split())
    assert "Present per side" in statement
    assert statement in fetch_pdf(client, approved.meeting_id)


# The service on its own


def test_export_data_numbers_items_like_the_agenda_and_withholds_the_closed_one(app: Flask) -> None:
    approved = approved_sitting()
    minutes = approved.sitting.minutes

    with app.test_request_context():
        complete = export_data(minutes, complete=True)
        public = export_data(minutes, complete=False)

    assert [(item.number, item.title) for item in complete.items] == [
        ("1", "Antragsassistent"),
        ("1.1", "Zeitplan der Pilotphase"),
        ("2", "Vergabe Rechenzentrum"),
        ("3", "Verschiedenes"),
    ]
    assert [(item.number, item.title, item.withheld) for item in public.items] == [
        ("1", "Antragsassistent", False),
        ("1.1", "Zeitplan der Pilotphase", False),
        ("2", "", True),
        ("3", "Verschiedenes", False),
    ]
    withheld = public.items[2]
    assert not (withheld.notes or withheld.decisions or withheld.action_items or withheld.amendments)
    assert withheld.excluded == []
    assert [d.number for d in public.items[0].decisions] == ["ITKR-2026-001"]
    assert public.items[0].withheld_decisions == 1
    assert not any(item.action_items for item in public.items) and not public.general_action_items
    assert [d.number for d in complete.items[0].decisions] == ["ITKR-2026-001", "ITKR-2026-002"]
    assert sorted(a.description for a in complete.items[0].action_items) == ["Budget pruefen", "Pilot vorbereiten"]
    assert [a.description for a in complete.general_action_items] == ["Termin der nächsten Sitzung abstimmen"]
    assert "<script" not in str(complete.items[0].notes) and "<strong>Antragsassistent</strong>" in str(
        complete.items[0].notes
    )
    assert complete.starts_at.hour == 10 and str(complete.starts_at.tzinfo) == "Europe/Berlin"
    assert filename(public, "pdf") == "Niederschrift-ITKR-2026-03-10-oeffentlich.pdf"
    assert filename(complete, "pdf") == "Niederschrift-ITKR-2026-03-10-vollstaendig.pdf"


def test_a_non_public_parent_withholds_its_sub_items_and_a_non_public_sub_item_is_withheld_alone(
    app: Flask,
) -> None:
    approved = approved_sitting()
    meeting, sitting = approved.sitting.meeting, approved.sitting
    AgendaItemFactory(meeting=meeting, parent=sitting.closed_item, position=1, title="Unterpunkt geheim")
    AgendaItemFactory(meeting=meeting, parent=sitting.public_item, position=2, title="Personalie", public=False)

    with app.test_request_context():
        public = export_data(sitting.minutes, complete=False)
        complete = export_data(sitting.minutes, complete=True)

    assert [(item.number, item.title, item.withheld) for item in public.items] == [
        ("1", "Antragsassistent", False),
        ("1.1", "Zeitplan der Pilotphase", False),
        ("1.2", "", True),
        ("2", "", True),
        ("3", "Verschiedenes", False),
    ]
    assert [(item.number, item.public) for item in complete.items] == [
        ("1", True), ("1.1", True), ("1.2", False), ("2", False), ("2.1", False), ("3", True),
    ]  # fmt: skip


def test_export_data_runs_the_same_number_of_statements_however_long_the_minutes(app: Flask, count_statements) -> None:
    def statements(approved: Approved) -> int:
        minutes = approved.sitting.minutes
        minutes_id = minutes.id
        db.session.expire_all()
        from app.models import Minutes

        with app.test_request_context(), count_statements() as counter:
            data = export_data(db.session.get(Minutes, minutes_id), complete=True)
            assert data.items
        return counter.count

    small = approved_sitting()
    large = approved_sitting(name="Projektgruppe", code="PG")
    meeting = large.sitting.meeting
    for position in range(4, 24):
        item = AgendaItemFactory(meeting=meeting, position=position, title=f"Punkt {position}")
        DecisionFactory(minutes=large.sitting.minutes, agenda_item=item, number=f"PG-2026-{position:03d}",
                        year=2026, serial=position)  # fmt: skip
        ActionItemFactory(
            body=meeting.body, meeting=meeting, agenda_item=item, assignee_account=large.sitting.cast.member
        )
        AttendanceFactory(meeting=meeting, account=MembershipFactory(body=meeting.body).account)

    counted = statements(small)
    assert counted == statements(large)
    assert counted <= 25, counted  # 22 today, the minutes themselves and the attendance summary included


# Routes: who gets what


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("path", ["/exports/minutes/{id}/print", "/exports/minutes/{id}.pdf"])
def test_a_public_bodys_minutes_default_to_the_version_the_reader_may_see(
    app: Flask, client: FlaskClient, role: str, path: str
) -> None:
    approved = approved_sitting()
    log_in_as(client, approved.sitting, role)

    response = client.get(path.format(id=approved.meeting_id))

    assert response.status_code == 200
    text = response.get_data(as_text=True) if path.endswith("print") else pdf_text(response.data)
    assert ("Complete version" in text) is (role in INSIDERS)
    assert ("Vergabe Rechenzentrum" in text) is (role in INSIDERS)
    assert "Antragsassistent" in text


@pytest.mark.parametrize(
    ("role", "expected"),
    [("anonymous", 302), ("outsider", 403), ("member", 200), ("secretary", 200), ("chair", 200),
     ("organiser", 200), ("admin", 200)],
)  # fmt: skip
def test_the_complete_version_is_for_insiders_only(app: Flask, client: FlaskClient, role: str, expected: int) -> None:
    approved = approved_sitting()
    log_in_as(client, approved.sitting, role)

    for path in ("/exports/minutes/{id}/print?version=complete", "/exports/minutes/{id}.pdf?version=complete"):
        response = client.get(path.format(id=approved.meeting_id))
        assert response.status_code == expected, path
        if expected == 302:
            assert "/auth/login" in response.headers["Location"]


@pytest.mark.parametrize("role", ROLES)
def test_everyone_who_sees_the_minutes_may_ask_for_the_public_version(
    app: Flask, client: FlaskClient, role: str
) -> None:
    approved = approved_sitting()
    log_in_as(client, approved.sitting, role)

    response = client.get(f"/exports/minutes/{approved.meeting_id}/print?version=public")

    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "Public version" in html and "Vergabe Rechenzentrum" not in html


@pytest.mark.parametrize("version", ["draft", "COMPLETE", "", "public,complete"])
def test_an_unknown_version_is_a_bad_request(app: Flask, client: FlaskClient, version: str) -> None:
    approved = approved_sitting()
    log_in(client, approved.sitting.cast.chair)

    assert client.get(f"/exports/minutes/{approved.meeting_id}/print?version={version}").status_code == 400
    assert client.get(f"/exports/minutes/{approved.meeting_id}.pdf?version={version}").status_code == 400


@pytest.mark.parametrize(
    ("role", "expected"),
    [("anonymous", 302), ("outsider", 200), ("member", 200), ("chair", 200), ("organiser", 200)],
)
def test_an_internal_bodys_minutes_ask_anonymous_visitors_to_log_in(
    app: Flask, client: FlaskClient, role: str, expected: int
) -> None:
    approved = approved_sitting(Visibility.INTERNAL)
    log_in_as(client, approved.sitting, role)

    response = client.get(f"/exports/minutes/{approved.meeting_id}.pdf")

    assert response.status_code == expected
    if expected == 302:
        assert "/auth/login" in response.headers["Location"]
    else:
        assert ("Vergabe Rechenzentrum" in pdf_text(response.data)) is (role != "outsider")


@pytest.mark.parametrize(
    ("role", "expected"),
    [("anonymous", 404), ("outsider", 404), ("member", 200), ("chair", 200), ("organiser", 200), ("admin", 200)],
)
def test_a_confidential_bodys_minutes_are_not_there_for_outsiders(
    app: Flask, client: FlaskClient, role: str, expected: int
) -> None:
    approved = approved_sitting(Visibility.CONFIDENTIAL)
    log_in_as(client, approved.sitting, role)

    for path in (
        "/exports/minutes/{id}/print",
        "/exports/minutes/{id}.pdf",
        "/exports/minutes/{id}.pdf?version=public",
    ):
        assert client.get(path.format(id=approved.meeting_id)).status_code == expected, path


@pytest.mark.parametrize("status", [MinutesStatus.DRAFT, MinutesStatus.CIRCULATED])
@pytest.mark.parametrize(
    ("role", "draft", "circulated"),
    [("anonymous", 404, 404), ("outsider", 404, 404), ("member", 404, 409), ("secretary", 409, 409),
     ("chair", 409, 409), ("organiser", 409, 409), ("admin", 409, 409)],
)  # fmt: skip
def test_minutes_not_yet_approved_are_not_exported(
    app: Flask, client: FlaskClient, status: MinutesStatus, role: str, draft: int, circulated: int
) -> None:
    """Outsiders learn nothing (404); those who may read the draft hear why there is no export yet (409)."""
    sitting = make_sitting()
    sitting.minutes.status = status
    db.session.commit()
    log_in_as(client, sitting, role)
    expected = draft if status is MinutesStatus.DRAFT else circulated

    for path in ("/exports/minutes/{id}/print", "/exports/minutes/{id}.pdf"):
        response = client.get(path.format(id=sitting.meeting.id))
        assert response.status_code == expected, path
        if expected == 409:
            assert "have not been approved yet" in response.get_data(as_text=True)


def test_an_event_without_a_body_is_exported_without_body_or_quorum(app: Flask, client: FlaskClient) -> None:
    organiser = OrganiserFactory(display_name="Olga Organiser")
    event = HeldMeetingFactory(body=None, kind=MeetingKind.INFORMATION_EVENT, public=True, title="Informationstag")
    closed = AgendaItemFactory(meeting=event, position=1, title="Interne Nachbesprechung", public=False)
    AgendaItemFactory(meeting=event, position=2, title="Fragen aus dem Publikum")
    minutes = MinutesFactory(meeting=event)
    db.session.add(MinutesItemNote(minutes=minutes, agenda_item=closed, notes="Nur intern."))
    approve(minutes, organiser)

    anonymous = client.get(f"/exports/minutes/{event.id}.pdf")
    log_in(client, organiser)
    complete = client.get(f"/exports/minutes/{event.id}.pdf")

    assert anonymous.headers["Content-Disposition"] == 'attachment; filename="Niederschrift-2026-03-10-oeffentlich.pdf"'
    public_text = pdf_text(anonymous.data)
    assert "Informationstag" in public_text and "Item 2: Fragen aus dem Publikum" in public_text
    assert "Item 1: Non-public item" in public_text and "Nur intern." not in public_text
    assert "Quorum" not in public_text
    assert complete.headers["Content-Disposition"].endswith('-vollstaendig.pdf"')
    assert "Nur intern." in pdf_text(complete.data)


def test_a_meeting_without_minutes_or_a_missing_meeting_is_not_found(app: Flask, client: FlaskClient) -> None:
    sitting = make_sitting()
    db.session.delete(sitting.minutes)
    db.session.commit()
    log_in(client, sitting.cast.chair)

    assert client.get(f"/exports/minutes/{sitting.meeting.id}/print").status_code == 404
    assert client.get(f"/exports/minutes/{sitting.meeting.id}.pdf").status_code == 404
    assert client.get("/exports/minutes/999999/print").status_code == 404
    assert client.get("/exports/minutes/999999999999999999999.pdf").status_code == 404


def test_the_print_page_is_a_document_of_its_own(app: Flask, client: FlaskClient) -> None:
    approved = approved_sitting()
    log_in(client, approved.sitting.cast.member)

    response = client.get(f"/exports/minutes/{approved.meeting_id}/print")

    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert html.startswith("<!DOCTYPE html>")
    assert '<html lang="en">' in html
    assert "/static/css/print.css" in html and "kern.min.css" not in html
    assert "Main navigation" not in html and "Log out" not in html  # no site navigation
    assert f'href="/exports/minutes/{approved.meeting_id}.pdf?version=complete"' in html
    assert f'href="/exports/minutes/{approved.meeting_id}/print?version=public"' in html
    assert response.headers["Cache-Control"] == "private, no-store"
    log_out(client)
    public = client.get(f"/exports/minutes/{approved.meeting_id}/print").get_data(as_text=True)
    assert "?version=complete" not in public  # no link to what the reader may not have


# The renderer fetches nothing from outside the static folder


@pytest.mark.parametrize(
    "url",
    [
        "https://example.org/tracker.png",
        "http://127.0.0.1:5000/static/css/print.css",
        "ftp://example.org/file",
        "data:text/css,body{}",
        "file:///etc/passwd",
        "file://example.org/static/css/print.css",
    ],
)
def test_the_fetcher_refuses_everything_but_static_files(app: Flask, url: str) -> None:
    fetcher = StaticFilesOnly(app.static_folder)

    with pytest.raises(RefusedURL):
        fetcher.fetch(url)


def test_the_fetcher_refuses_a_way_out_of_the_static_folder(app: Flask) -> None:
    fetcher = StaticFilesOnly(app.static_folder)
    root = fetcher.root.as_uri()

    with pytest.raises(RefusedURL):
        fetcher.fetch(f"{root}/../exports/pdf.py")
    with pytest.raises(RefusedURL):
        fetcher.fetch(f"{root}/css/no-such-file.css")
    assert fetcher.fetch(f"{root}/css/print.css").read().startswith(b"/*")


def test_rendering_never_reaches_out(app: Flask, monkeypatch: pytest.MonkeyPatch) -> None:
    """Remote stylesheets, fonts and images and local files outside the static folder are refused; the page
    is rendered all the same, and no URL is ever opened."""
    import urllib.request

    def no_network(*args, **kwargs):
        raise AssertionError("the renderer tried to open a URL")

    refused: list[str] = []
    check = StaticFilesOnly.path_of

    def recording(self: StaticFilesOnly, url: str):
        try:
            return check(self, url)
        except RefusedURL:
            refused.append(url)
            raise

    monkeypatch.setattr(urllib.request.OpenerDirector, "open", no_network)
    monkeypatch.setattr(StaticFilesOnly, "path_of", recording)
    html = """<!DOCTYPE html><html lang="en"><head><title>t</title>
      <link rel="stylesheet" href="https://example.org/evil.css">
      <style>@font-face { font-family: X; src: url(https://example.org/x.woff2); } p { font-family: X; }
      body { background: url(file:///etc/hostname); }</style></head>
      <body><p>Hallo</p><img src="https://example.org/pixel.png" alt="">
      <img src="../../../etc/passwd" alt=""></body></html>"""

    pdf = render_pdf(html, app.static_folder)

    assert pdf_text(pdf).startswith("Hallo")
    assert "https://example.org/evil.css" in refused
    assert "https://example.org/x.woff2" in refused
    assert "https://example.org/pixel.png" in refused
    assert "file:///etc/hostname" in refused
    assert any(url.endswith("/etc/passwd") for url in refused)
