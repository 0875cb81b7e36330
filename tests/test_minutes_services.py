"""Minutes services without HTTP: beginning, saving with optimistic locking, revisions, circulation, comments,
approval with its frozen content and hash, amendments, and the page's data."""

from __future__ import annotations

import hashlib
import json
import threading
import time
from datetime import timedelta

import pytest
from babel.dates import format_date
from sqlalchemy import select, text

from app.agendas.services import numbered_agenda
from app.clock import today
from app.errors import ConflictError, DomainError
from app.extensions import db
from app.minutes import services
from app.minutes.approval import approve
from app.minutes.content import approved_content
from app.minutes.diff import compare, line_diff
from app.minutes.page import minutes_page
from app.models import (
    Account,
    AuditEntry,
    ConflictOfInterest,
    DecisionOutcome,
    MeetingStatus,
    Minutes,
    MinutesItemNote,
    MinutesRevision,
    MinutesStatus,
    utcnow,
)
from tests.factories import OrganiserFactory
from tests.factories_agendas import AgendaItemFactory
from tests.factories_bodies import count_rows
from tests.factories_invitations import mails_to
from tests.factories_minutes import (
    ActionItemFactory,
    DecisionFactory,
    HeldMeetingFactory,
    attend,
    make_sitting,
)


@pytest.fixture(autouse=True)
def english(app):
    app.extensions["babel"].locale_selector = lambda: "en"


@pytest.fixture
def sitting(app):
    return make_sitting()


def audit_actions(minutes: Minutes) -> list[str]:
    query = select(AuditEntry.action).where(AuditEntry.object_type == "minutes", AuditEntry.object_id == minutes.id)
    return list(db.session.scalars(query.order_by(AuditEntry.id)))


def save(sitting, general: str = "", notes: dict | None = None, version: int | None = None, actor=None) -> int:
    minutes = sitting.minutes
    return services.save_draft(
        actor or sitting.cast.secretary,
        minutes,
        general,
        notes or {},
        minutes.version if version is None else version,
    )


# Beginning


def test_begin_minutes_creates_a_draft_once(app):
    meeting = HeldMeetingFactory()
    organiser = OrganiserFactory()
    minutes = services.begin_minutes(organiser, meeting)
    assert minutes.status is MinutesStatus.DRAFT and minutes.version == 1 and minutes.created_by_id == organiser.id
    assert services.begin_minutes(organiser, meeting).id == minutes.id
    assert count_rows(Minutes) == 1
    assert audit_actions(minutes) == ["create"]


def test_a_cancelled_meeting_gets_no_minutes(app):
    meeting = HeldMeetingFactory(status=MeetingStatus.CANCELLED)
    with pytest.raises(ConflictError):
        services.begin_minutes(OrganiserFactory(), meeting)
    assert count_rows(Minutes) == 0


# Saving


def test_a_save_stores_the_text_raises_the_version_and_keeps_a_revision(sitting):
    item = sitting.public_item
    version = save(sitting, "Begrüßung durch den Vorsitz.\r\n", {item.id: "Der Antragsassistent wurde vorgestellt."})
    assert version == 2
    minutes = db.session.get(Minutes, sitting.minutes.id)
    assert minutes.version == 2 and minutes.general_notes == "Begrüßung durch den Vorsitz."
    assert minutes.updated_by_id == sitting.cast.secretary.id
    revision = db.session.scalar(select(MinutesRevision))
    assert revision.version == 2 and revision.author_id == sitting.cast.secretary.id
    assert revision.general_notes == "Begrüßung durch den Vorsitz."
    assert json.loads(revision.item_notes_json) == {str(item.id): "Der Antragsassistent wurde vorgestellt."}
    assert audit_actions(minutes) == ["update"]

    # A second save that leaves out an item keeps its notes, and the revision holds the full text.
    save(sitting, "Neu.", {sitting.closed_item.id: "Vertraulich."})
    text_now = services.current_text(minutes)
    assert text_now.version == 3
    assert text_now.item_notes == {
        item.id: "Der Antragsassistent wurde vorgestellt.",
        sitting.closed_item.id: "Vertraulich.",
    }
    latest = services.get_revision(minutes, 3)
    assert services.revision_text(latest).item_notes == text_now.item_notes
    assert [r.version for r in services.revisions(minutes)] == [3, 2]


def test_a_save_without_changes_writes_nothing(sitting):
    save(sitting, "Text")
    assert save(sitting, "Text\n") == 2
    assert count_rows(MinutesRevision) == 1


def test_a_stale_version_is_refused_with_both_texts_and_nothing_written(sitting):
    item = sitting.public_item
    save(sitting, "Fassung A", {item.id: "Notiz A"}, version=1)
    with pytest.raises(services.StaleVersion) as caught:
        save(sitting, "Fassung B", {item.id: "Notiz B"}, version=1, actor=sitting.cast.organiser)
    conflict = caught.value
    assert conflict.submitted.general_notes == "Fassung B" and conflict.submitted.notes_for(item.id) == "Notiz B"
    assert conflict.current.general_notes == "Fassung A" and conflict.current.notes_for(item.id) == "Notiz A"
    assert conflict.current.version == 2 and conflict.saved_by.id == sitting.cast.secretary.id
    assert count_rows(MinutesRevision) == 1
    assert services.current_text(db.session.get(Minutes, sitting.minutes.id)).notes_for(item.id) == "Notiz A"
    # Saving again from the newer version wins.
    assert save(sitting, "Fassung B", {item.id: "Notiz B"}, version=2, actor=sitting.cast.organiser) == 3


def test_approved_minutes_cannot_be_saved(sitting):
    sitting.minutes.status = MinutesStatus.APPROVED
    db.session.commit()
    with pytest.raises(ConflictError):
        save(sitting, "Nachträglich")
    assert count_rows(MinutesRevision) == 0


def test_too_long_texts_and_foreign_items_are_refused(sitting):
    with pytest.raises(DomainError) as caught:
        save(sitting, "x" * (services.MAX_TEXT + 1))
    assert caught.value.field == "general_notes" and "100000" in caught.value.message
    with pytest.raises(DomainError) as caught:
        save(sitting, "", {sitting.public_item.id: "y" * (services.MAX_TEXT + 1)})
    assert caught.value.field == f"item_{sitting.public_item.id}"
    other = AgendaItemFactory(meeting=HeldMeetingFactory())
    with pytest.raises(DomainError):
        save(sitting, "", {other.id: "fremd"})
    assert count_rows(MinutesRevision) == 0 and count_rows(MinutesItemNote) == 0
    save(sitting, "x" * services.MAX_TEXT)  # exactly the limit is fine


def test_two_concurrent_saves_cannot_both_win(app, sitting):
    """A save in flight holds the row; the second save waits, then finds the version taken and gets both texts."""
    if db.engine.dialect.name != "postgresql":
        pytest.skip("row locks are PostgreSQL's; SQLite serialises writers anyway")
    minutes_id, secretary_id, item_id = sitting.minutes.id, sitting.cast.organiser.id, sitting.public_item.id
    outcome: dict = {}

    def second_save() -> None:
        with app.app_context():
            minutes = db.session.get(Minutes, minutes_id)
            actor = db.session.get(Account, secretary_id)
            try:
                outcome["version"] = services.save_draft(actor, minutes, "Zweite Fassung", {item_id: "B"}, 1)
            except services.StaleVersion as conflict:
                outcome["conflict"] = conflict.current
            except Exception as error:  # noqa: BLE001 -- reported by the assertions below
                outcome["error"] = error
            finally:
                db.session.remove()

    with db.engine.connect() as first:
        # The first save's claim, not yet committed.
        first.execute(
            text("UPDATE minutes SET version = 2, general_notes = 'Erste Fassung' WHERE id = :id AND version = 1"),
            {"id": minutes_id},
        )
        worker = threading.Thread(target=second_save)
        worker.start()
        for _ in range(250):  # wait until the second save is blocked on the row lock
            first.execute(text("SELECT pg_stat_clear_snapshot()"))  # the view is otherwise frozen per transaction
            waiting = first.execute(
                text(
                    "SELECT count(*) FROM pg_stat_activity"
                    " WHERE wait_event_type = 'Lock' AND datname = current_database()"
                )
            ).scalar()
            if waiting:
                break
            time.sleep(0.02)
        assert waiting, f"the second save should wait for the first ({outcome})"
        first.commit()
    worker.join(timeout=10)
    assert "version" not in outcome
    assert outcome["conflict"].version == 2 and outcome["conflict"].general_notes == "Erste Fassung"
    db.session.expire_all()
    assert db.session.get(Minutes, minutes_id).general_notes == "Erste Fassung"
    assert count_rows(MinutesRevision) == 0


# Revisions and diffs


def test_line_diff_marks_removed_and_added_lines_with_context():
    older = "a\nb\nc\nd\ne\nf\ng\nh\ni"
    newer = "a\nB\nc\nd\ne\nf\ng\nh\ni\nj"
    lines = line_diff(older, newer, context=1)
    kinds = [(line.kind, line.text) for line in lines]
    assert ("removed", "b") in kinds and ("added", "B") in kinds and ("added", "j") in kinds
    assert ("gap", "") in kinds  # the unchanged middle is left out
    assert line_diff("same", "same") == []


def test_compare_has_a_section_per_item(sitting):
    save(sitting, "Alt", {sitting.public_item.id: "eins"})
    save(sitting, "Neu", {sitting.public_item.id: "eins"})
    minutes = sitting.minutes
    sections = compare(
        services.revision_text(services.get_revision(minutes, 2)),
        services.current_text(minutes),
        numbered_agenda(sitting.meeting, sitting.cast.secretary),
    )
    assert [s.changed for s in sections] == [True, False, False]
    assert sections[1].label == "Item 1: Antragsassistent"


# Circulation and comments


def test_circulating_mails_every_current_member_a_link(sitting, outbox):
    sitting.cast.deputy.active = False
    sitting.cast.chair.locale = "de"
    db.session.commit()
    until = today() + timedelta(days=14)
    sent = services.circulate(sitting.cast.secretary, sitting.minutes, until)
    minutes = db.session.get(Minutes, sitting.minutes.id)
    assert minutes.status is MinutesStatus.CIRCULATED and minutes.comments_until == until
    assert minutes.circulated_by_id == sitting.cast.secretary.id and minutes.circulated_at is not None
    messages = outbox.messages()
    assert sent == 3 == len(messages)  # chair, secretary, member; not the deactivated deputy
    assert not mails_to(messages, sitting.cast.deputy) and not mails_to(messages, sitting.cast.outsider)
    body = outbox.body(mails_to(messages, sitting.cast.member)[0])
    assert f"/minutes/{sitting.meeting.id}" in body and "3. Sitzung des Rates" in body
    assert mails_to(messages, sitting.cast.member)[0]["Subject"] == "Minutes for comments: 3. Sitzung des Rates"
    assert format_date(until, "long", locale="en") in body
    # In the recipient's language: the chair reads German (dates at least, until the catalogue has the texts).
    assert format_date(until, "long", locale="de") in outbox.body(mails_to(messages, sitting.cast.chair)[0])
    assert audit_actions(minutes) == ["circulate"]


@pytest.mark.parametrize("days", [0, -1, 400])
def test_circulation_needs_a_deadline_in_the_coming_year(sitting, outbox, days):
    with pytest.raises(DomainError) as caught:
        services.circulate(sitting.cast.secretary, sitting.minutes, today() + timedelta(days=days))
    assert caught.value.field == "comments_until"
    assert sitting.minutes.status is MinutesStatus.DRAFT and outbox.messages() == []


def test_comments_until_the_deadline(sitting, outbox):
    with pytest.raises(ConflictError):  # a draft takes no comments
        services.add_comment(sitting.cast.member, sitting.minutes, "Zu früh")
    services.circulate(sitting.cast.secretary, sitting.minutes, today() + timedelta(days=3))
    comment = services.add_comment(sitting.cast.member, sitting.minutes, "Bitte TOP 1 ergänzen.", sitting.public_item)
    assert comment.author_id == sitting.cast.member.id and comment.agenda_item_id == sitting.public_item.id
    with pytest.raises(DomainError):
        services.add_comment(sitting.cast.member, sitting.minutes, "   ")
    sitting.minutes.comments_until = today() - timedelta(days=1)
    db.session.commit()
    with pytest.raises(DomainError) as caught:
        services.add_comment(sitting.cast.member, sitting.minutes, "Zu spät")
    assert "comment period ended" in caught.value.message


# Approval


def test_approval_needs_recorded_attendance(sitting):
    with pytest.raises(DomainError) as caught:
        approve(sitting.cast.chair, sitting.minutes)
    assert "record the attendance first" in caught.value.message
    minutes = db.session.get(Minutes, sitting.minutes.id)
    assert minutes.status is MinutesStatus.DRAFT and minutes.approved_by_id is None


def test_approval_freezes_the_content_with_its_hash_and_numbers_the_decisions(sitting):
    cast = sitting.cast
    attend(sitting, cast.chair, cast.deputy, cast.member, cast.secretary)
    save(sitting, "Allgemeines", {sitting.public_item.id: "Öffentlich", sitting.closed_item.id: "Vertraulich"})
    first = DecisionFactory(minutes=sitting.minutes, agenda_item=sitting.public_item, votes_yes=3, votes_no=0)
    second = DecisionFactory(minutes=sitting.minutes, agenda_item=sitting.closed_item, public=False)
    ActionItemFactory(
        body=cast.body, meeting=sitting.meeting, agenda_item=sitting.public_item, assignee_account=cast.member
    )
    approve(cast.deputy, sitting.minutes)

    minutes = db.session.get(Minutes, sitting.minutes.id)
    assert minutes.status is MinutesStatus.APPROVED and minutes.approved_by_id == cast.deputy.id
    assert minutes.approved_at is not None
    assert minutes.content_hash == hashlib.sha256(minutes.approved_content.encode("utf-8")).hexdigest()
    year = 2026
    assert first.number == f"{cast.body.code}-{year}-001" and second.number == f"{cast.body.code}-{year}-002"
    document = json.loads(minutes.approved_content)
    assert document["general_notes"] == "Allgemeines"
    assert [item["notes"] for item in document["items"]] == ["Öffentlich", "Vertraulich"]
    assert document["items"][0]["decisions"][0]["number"] == first.number
    assert document["items"][0]["decisions"][0]["votes"] == {"yes": 3, "no": 0, "abstain": None}
    assert document["items"][0]["action_items"][0]["assignee"] == cast.member.display_name
    assert document["quorum"]["reached"] is True and len(document["attendance"]["present"]) == 4
    assert document["approved"]["by"] == cast.deputy.display_name
    assert approved_content(minutes) == minutes.approved_content  # deterministic
    assert audit_actions(minutes)[-1] == "approve"

    # Frozen: every way of changing it answers 409.
    with pytest.raises(ConflictError):
        approve(cast.chair, minutes)
    with pytest.raises(ConflictError):
        save(sitting, "Nachtrag")
    with pytest.raises(ConflictError):
        services.circulate(cast.secretary, minutes, today() + timedelta(days=3))
    with pytest.raises(ConflictError):
        services.add_comment(cast.member, minutes, "Noch etwas")


def test_approval_straight_from_a_draft_and_from_circulated_minutes(sitting):
    attend(sitting, sitting.cast.chair, sitting.cast.member)
    services.circulate(sitting.cast.secretary, sitting.minutes, today() + timedelta(days=2))
    approve(sitting.cast.chair, sitting.minutes)
    assert sitting.minutes.is_approved
    other = make_sitting()
    attend(other, other.cast.chair, other.cast.member)
    approve(other.cast.chair, other.minutes)
    assert other.minutes.is_approved


def test_no_quorum_refuses_adopted_and_rejected_decisions_but_not_deferred_ones(sitting):
    attend(sitting, sitting.cast.chair)  # one of three voting members
    decision = DecisionFactory(
        minutes=sitting.minutes, agenda_item=sitting.public_item, outcome=DecisionOutcome.REJECTED
    )
    with pytest.raises(DomainError) as caught:
        approve(sitting.cast.chair, sitting.minutes)
    assert "no quorum" in caught.value.message and decision.title in caught.value.message
    assert db.session.get(Minutes, sitting.minutes.id).status is MinutesStatus.DRAFT
    assert decision.number is None
    decision.outcome = DecisionOutcome.DEFERRED
    db.session.commit()
    approve(sitting.cast.chair, sitting.minutes)
    assert sitting.minutes.is_approved


def test_members_excluded_from_an_item_do_not_count_for_its_quorum(sitting):
    cast = sitting.cast
    attend(sitting, cast.chair, cast.deputy)  # two of three: a quorum for the meeting
    db.session.add(ConflictOfInterest(agenda_item_id=sitting.public_item.id, account_id=cast.chair.id))
    DecisionFactory(minutes=sitting.minutes, agenda_item=sitting.public_item, outcome=DecisionOutcome.ADOPTED)
    db.session.commit()
    with pytest.raises(DomainError):  # without the chair: one of two present, two needed
        approve(cast.deputy, sitting.minutes)


def test_an_approval_before_the_meeting_is_refused(app):
    sitting = make_sitting()
    sitting.meeting.starts_at = utcnow() + timedelta(days=30)
    sitting.meeting.ends_at = sitting.meeting.starts_at + timedelta(hours=2)
    db.session.commit()
    attend(sitting, sitting.cast.chair, sitting.cast.member)
    with pytest.raises(DomainError) as caught:
        approve(sitting.cast.chair, sitting.minutes)
    assert "not taken place yet" in caught.value.message


# Amendments


def test_amendments_only_on_approved_minutes_with_reason_and_text(sitting):
    cast = sitting.cast
    with pytest.raises(ConflictError):
        services.add_amendment(cast.secretary, sitting.minutes, "Tippfehler", "Richtig ist: ...")
    attend(sitting, cast.chair, cast.member)
    approve(cast.chair, sitting.minutes)
    with pytest.raises(DomainError) as caught:
        services.add_amendment(cast.secretary, sitting.minutes, " ", "Text")
    assert caught.value.field == "reason"
    with pytest.raises(DomainError) as caught:
        services.add_amendment(cast.secretary, sitting.minutes, "Grund", "")
    assert caught.value.field == "text"
    amendment = services.add_amendment(cast.chair, sitting.minutes, "Name falsch", "Frau Müller", sitting.public_item)
    assert amendment.author_id == cast.chair.id and amendment.agenda_item_id == sitting.public_item.id
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.object_type == "minutes_amendment"))
    assert entry.action == "amend" and entry.changes["reason"] == [None, "Name falsch"]
    minutes = db.session.get(Minutes, sitting.minutes.id)
    assert minutes.content_hash == hashlib.sha256(minutes.approved_content.encode()).hexdigest()  # unchanged record


# The page's data


def test_outsiders_get_the_public_version(sitting):
    cast = sitting.cast
    attend(sitting, cast.chair, cast.member)
    save(sitting, "", {sitting.public_item.id: "Öffentlich", sitting.closed_item.id: "Vertraulich"})
    DecisionFactory(minutes=sitting.minutes, agenda_item=sitting.public_item, title="Öffentlicher Beschluss")
    DecisionFactory(minutes=sitting.minutes, agenda_item=sitting.public_item, title="Interner Beschluss", public=False)
    DecisionFactory(minutes=sitting.minutes, agenda_item=sitting.closed_item, title="Vergabe")
    ActionItemFactory(
        body=cast.body, meeting=sitting.meeting, agenda_item=sitting.public_item, assignee_account=cast.member
    )
    approve(cast.chair, sitting.minutes)

    public = minutes_page(sitting.minutes, cast.outsider)
    assert not public.complete and not public.action_items_shown
    assert [s.item.id for s in public.sections] == [sitting.public_item.id]
    assert [d.title for d in public.sections[0].decisions] == ["Öffentlicher Beschluss"]
    assert public.sections[0].action_items == []

    complete = minutes_page(sitting.minutes, cast.member)
    assert complete.complete and [s.number for s in complete.sections] == ["1", "2"]
    assert [d.title for d in complete.sections[0].decisions] == ["Öffentlicher Beschluss", "Interner Beschluss"]
    assert len(complete.sections[0].action_items) == 1 and complete.sections[1].notes == "Vertraulich"


def _sitting_with_items(count: int):
    """A sitting with `count` agenda items, each with notes, a decision, an action item and a comment."""
    sitting = make_sitting()
    cast = sitting.cast
    items = [sitting.public_item, sitting.closed_item]
    items += [
        AgendaItemFactory(meeting=sitting.meeting, position=position, public=position % 2 == 0)
        for position in range(3, count + 1)
    ]
    for item in items:
        DecisionFactory(minutes=sitting.minutes, agenda_item=item)
        ActionItemFactory(body=cast.body, meeting=sitting.meeting, agenda_item=item, assignee_account=cast.member)
    notes = {item.id: f"Notiz {item.position}" for item in items}
    services.save_draft(cast.secretary, sitting.minutes, "Allgemein", notes, 1)
    services.circulate(cast.secretary, sitting.minutes, today() + timedelta(days=5))
    for item in items:
        services.add_comment(cast.member, sitting.minutes, "Kommentar", item)
    return sitting


def test_the_page_loads_with_a_flat_number_of_statements(app, count_statements):
    counts = []
    for size in (2, 20):
        sitting = _sitting_with_items(size)
        db.session.expire_all()
        minutes = db.session.get(Minutes, sitting.minutes.id)
        member = db.session.get(Account, sitting.cast.member.id)
        with count_statements() as counter:
            page = minutes_page(minutes, member)
            assert len(page.sections) == size
        counts.append(counter.count)
    assert counts[0] == counts[1]
