"""The date poll services without HTTP: creating and inviting, the personal link, answers, results and their
CSV, reminders, closing into a meeting with its invitations, and purging."""

from __future__ import annotations

from datetime import time, timedelta

import pytest
from itsdangerous import URLSafeSerializer
from sqlalchemy import select
from sqlalchemy.orm.attributes import set_committed_value

from app.errors import ConflictError, DomainError
from app.extensions import db
from app.meetings.times import local_to_utc, utc_to_local
from app.models import (
    AgendaItem,
    Invitation,
    Meeting,
    MeetingKind,
    MembershipRole,
    Poll,
    PollAnswer,
    PollChoice,
    PollInvitee,
    PollSlot,
    PollStatus,
    utcnow,
)
from app.polls import services
from tests.factories import AccountFactory, OrganisationFactory
from tests.factories_bodies import MembershipFactory, count_rows
from tests.factories_invitations import calendar_of, mails_to, make_cast
from tests.factories_polls import (
    answer_all,
    day_ahead,
    invitee_of,
    make_poll,
    next_spring_forward,
    poll_data,
)

YES, MAYBE, NO = PollChoice.YES, PollChoice.IF_NEED_BE, PollChoice.NO


@pytest.fixture(autouse=True)
def request_context(app):
    """Service messages are translated, and the locale selector reads the request (see app/i18n.py)."""
    with app.test_request_context():
        yield


@pytest.fixture
def cast(app):
    return make_cast()


@pytest.fixture
def poll(cast):
    return make_poll(cast)


def nothing_written(outbox) -> bool:
    tables_empty = count_rows(Poll) == 0 and count_rows(PollSlot) == 0 and count_rows(PollInvitee) == 0
    return tables_empty and not outbox.messages()


# Creating and inviting


def test_a_body_poll_invites_the_current_members_and_mails_each_a_personal_link(cast, poll, outbox):
    assert poll.status is PollStatus.OPEN and poll.organiser_id == cast.organiser.id
    assert {invitee.account_id for invitee in poll.invitees} == {account.id for account in cast.members()}
    messages = outbox.messages()
    assert sorted(message["To"] for message in messages) == sorted(account.email for account in cast.members())
    body = outbox.body(mails_to(messages, cast.member)[0])
    invitee = invitee_of(poll, cast.member)
    assert services.answer_url(invitee) in body
    assert "(Europe/Berlin)" in body  # every proposed date names its zone


def test_slots_and_deadline_are_stored_in_utc_from_the_polls_zone(poll):
    expected = [
        local_to_utc(day_ahead(10), time(10, 0), "Europe/Berlin"),
        local_to_utc(day_ahead(12), time(14, 0), "Europe/Berlin"),
        local_to_utc(day_ahead(14), time(9, 30), "Europe/Berlin"),
    ]
    assert [slot.starts_at for slot in poll.slots] == expected
    assert poll.deadline == local_to_utc(day_ahead(5), time(18, 0), "Europe/Berlin")


def test_slots_are_kept_in_time_order_whatever_the_order_entered(cast):
    poll = make_poll(cast, slots=[
        services.SlotInput(day_ahead(14), time(9, 0), "slots-0"),
        services.SlotInput(day_ahead(10), time(9, 0), "slots-1"),
    ])
    assert [utc_to_local(slot.starts_at, "Europe/Berlin").date() for slot in poll.slots] == [day_ahead(10),
                                                                                              day_ahead(14)]


def test_former_members_and_deactivated_accounts_are_not_invited(cast):
    former = MembershipFactory(body=cast.body, end_on=day_ahead(-1)).account
    inactive = MembershipFactory(body=cast.body, account=AccountFactory(active=False)).account
    poll = make_poll(cast)
    invited = {invitee.account_id for invitee in poll.invitees}
    assert former.id not in invited and inactive.id not in invited and len(invited) == 4


def test_chosen_people_and_every_active_account_of_a_chosen_organisation_are_invited_once(cast):
    organisation = OrganisationFactory(name="Landkreis Neunkirchen")
    first, second = AccountFactory(organisation=organisation), AccountFactory(organisation=organisation)
    AccountFactory(organisation=organisation, active=False)
    poll = make_poll(cast, body=None, meeting_kind=MeetingKind.KICKOFF, accounts=[cast.outsider, first],
                     organisations=[organisation])
    assert sorted(invitee.account_id for invitee in poll.invitees) == sorted([cast.outsider.id, first.id, second.id])


def test_a_body_poll_may_invite_further_people(cast):
    poll = make_poll(cast, accounts=[cast.outsider, cast.member])
    assert len(poll.invitees) == 5


def test_a_deactivated_chosen_account_is_refused(cast, outbox):
    with pytest.raises(DomainError) as caught:
        make_poll(cast, body=None, meeting_kind=MeetingKind.KICKOFF, accounts=[AccountFactory(active=False)])
    assert caught.value.field == "accounts"
    assert nothing_written(outbox)


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"slots": []}, "slots"),
        ({"title": "  "}, "title"),
        ({"duration_minutes": 5}, "duration_minutes"),
        ({"duration_minutes": 24 * 60 + 1}, "duration_minutes"),
        ({"timezone": "Mars/Olympus"}, "timezone"),
        ({"slots": [services.SlotInput(day_ahead(-1), time(10, 0), "slots-0")]}, "slots-0"),
        ({"slots": [services.SlotInput(day_ahead(0), time(0, 0), "slots-0")]}, "slots-0"),
        (
            {"slots": [services.SlotInput(day_ahead(10), time(10, 0), "slots-0"),
                       services.SlotInput(day_ahead(10), time(10, 0), "slots-3")]},
            "slots-3",
        ),
        ({"deadline_day": day_ahead(11)}, "deadline_day"),  # after the first slot
        ({"deadline_day": day_ahead(-1)}, "deadline_day"),  # passed already
        ({"body": None, "meeting_kind": MeetingKind.KICKOFF}, "invitees"),  # nobody to invite
        ({"body": None}, "meeting_kind"),  # a meeting needs its body
    ],
)
def test_bad_input_is_refused_with_a_field_message_and_nothing_written(cast, outbox, overrides, field):
    overrides.setdefault("body", cast.body)
    with pytest.raises(DomainError) as caught:
        services.create_poll(cast.organiser, poll_data(**overrides))
    assert caught.value.field == field
    assert caught.value.message
    assert nothing_written(outbox)


def test_a_slot_in_the_daylight_saving_gap_is_refused(cast, outbox):
    gap = next_spring_forward(day_ahead(10))
    slots = [services.SlotInput(day_ahead(10), time(10, 0), "slots-0"), services.SlotInput(gap, time(2, 30), "slots-1")]
    with pytest.raises(DomainError) as caught:
        make_poll(cast, slots=slots)
    assert caught.value.field == "slots-1"
    assert "does not exist" in caught.value.message and "Europe/Berlin" in caught.value.message
    assert nothing_written(outbox)


def test_a_deadline_in_the_daylight_saving_gap_is_refused(cast, outbox):
    gap = next_spring_forward(day_ahead(1))
    slots = [services.SlotInput(gap + timedelta(days=3), time(10, 0), "slots-0")]
    with pytest.raises(DomainError) as caught:
        make_poll(cast, slots=slots, deadline_day=gap, deadline_time=time(2, 15))
    assert caught.value.field == "deadline_time"
    assert nothing_written(outbox)


def test_a_dissolved_body_gets_no_poll(cast, outbox):
    cast.body.dissolved_on = day_ahead(-1)
    db.session.commit()
    with pytest.raises(DomainError) as caught:
        make_poll(cast)
    assert caught.value.field == "body_id"
    assert nothing_written(outbox)


# The personal link


def test_the_token_names_exactly_one_invitee(poll, cast):
    invitee = invitee_of(poll, cast.member)
    token = services.answer_token(invitee)
    assert services.invitee_for_token(token) is invitee
    assert services.invitee_for_token(token + "x") is None
    assert services.invitee_for_token("forged") is None
    assert services.invitee_for_token("") is None
    assert services.invitee_for_token("a" * 600) is None


def test_a_token_of_another_poll_or_invitee_is_refused(app, cast, poll):
    other = make_poll(cast, title="Andere Umfrage")
    signer = URLSafeSerializer(app.config["SECRET_KEY"], salt=services.ANSWER_SALT)
    mixed = signer.dumps([other.id, invitee_of(poll, cast.member).id])
    assert services.invitee_for_token(mixed) is None
    assert services.invitee_for_token(signer.dumps([poll.id, 987654])) is None
    assert services.invitee_for_token(signer.dumps({"poll": poll.id})) is None
    assert services.invitee_for_token(signer.dumps([str(poll.id), "1"])) is None


def test_a_token_with_another_salt_or_key_is_refused(app, cast, poll):
    invitee = invitee_of(poll, cast.member)
    payload = [poll.id, invitee.id]
    other_salt = URLSafeSerializer(app.config["SECRET_KEY"], salt="koop.invitations.answer")
    other_key = URLSafeSerializer("another key", salt=services.ANSWER_SALT)
    assert services.invitee_for_token(other_salt.dumps(payload)) is None
    assert services.invitee_for_token(other_key.dumps(payload)) is None


def test_a_token_of_a_deactivated_account_is_refused(cast, poll):
    token = services.answer_token(invitee_of(poll, cast.member))
    cast.member.active = False
    db.session.commit()
    assert services.invitee_for_token(token) is None


# Answers


def test_answers_are_recorded_and_can_be_changed_until_the_deadline(cast, poll):
    answer_all(poll, cast.member, YES, MAYBE, NO, comment=" Erst ab 10:30. ")
    invitee = invitee_of(poll, cast.member)
    assert services.answers_of(invitee) == dict(zip([s.id for s in poll.slots], [YES, MAYBE, NO], strict=True))
    assert invitee.comment == "Erst ab 10:30." and invitee.answered_at is not None
    answer_all(poll, cast.member, NO, NO, YES)
    db.session.expire_all()
    invitee = invitee_of(poll, cast.member)
    assert [answer.choice for answer in sorted(invitee.answers, key=lambda a: a.slot_id)] == [NO, NO, YES]
    assert count_rows(PollAnswer) == 3


def test_every_slot_needs_an_answer(cast, poll):
    invitee = invitee_of(poll, cast.member)
    first, second, third = poll.slots
    with pytest.raises(DomainError) as caught:
        services.answer_poll(invitee, {first.id: YES, third.id: NO})
    assert caught.value.field == f"slot_{second.id}"
    assert count_rows(PollAnswer) == 0


def test_answers_for_slots_of_another_poll_are_refused(cast, poll):
    other = make_poll(cast, title="Andere Umfrage")
    choices = {slot.id: YES for slot in poll.slots} | {other.slots[0].id: NO}
    with pytest.raises(DomainError):
        services.answer_poll(invitee_of(poll, cast.member), choices)
    assert count_rows(PollAnswer) == 0


def test_a_too_long_comment_is_refused(cast, poll):
    with pytest.raises(DomainError) as caught:
        answer_all(poll, cast.member, YES, YES, YES, comment="x" * 1001)
    assert caught.value.field == "comment"


def test_no_answers_after_the_deadline(cast, poll):
    invitee = invitee_of(poll, cast.member)
    choices = {slot.id: YES for slot in poll.slots}
    with pytest.raises(ConflictError) as caught:
        services.answer_poll(invitee, choices, now=poll.deadline + timedelta(seconds=1))
    assert "deadline" in caught.value.message
    services.answer_poll(invitee, choices, now=poll.deadline)  # up to the minute itself
    assert count_rows(PollAnswer) == 3


def test_no_answers_once_closed(cast, poll):
    services.close_poll(cast.organiser, poll, poll.slots[0], services.CloseData(title="Sitzung"))
    with pytest.raises(ConflictError) as caught:
        answer_all(poll, cast.member, YES, YES, YES)
    assert "closed" in caught.value.message
    assert count_rows(PollAnswer) == 0


# Results


def test_results_count_every_slot_and_mark_the_best(cast, poll):
    answer_all(poll, cast.member, YES, MAYBE, NO)
    answer_all(poll, cast.chair, YES, YES, NO)
    answer_all(poll, cast.deputy, MAYBE, YES, NO)
    table = services.results(poll)
    first, second, third = poll.slots
    assert (table.counts[first.id].yes, table.counts[first.id].if_need_be, table.counts[first.id].no) == (2, 1, 0)
    assert (table.counts[second.id].yes, table.counts[second.id].if_need_be) == (2, 1)
    assert table.counts[third.id].no == 3
    assert table.best == {first.id, second.id}  # a tie: both are marked
    assert table.answered == 3 and len(table.rows) == 4
    assert [row.invitee.account.display_name for row in table.rows] == sorted(a.display_name for a in cast.members())
    assert table.row_of(cast.secretary.id).choices == {}


def test_more_yes_beats_more_if_need_be(cast, poll):
    answer_all(poll, cast.member, YES, MAYBE, NO)
    answer_all(poll, cast.chair, NO, MAYBE, YES)
    answer_all(poll, cast.deputy, YES, MAYBE, NO)
    assert services.results(poll).best == {poll.slots[0].id}


def test_if_need_be_breaks_a_tie_of_yes(cast, poll):
    answer_all(poll, cast.member, YES, YES, NO)
    answer_all(poll, cast.chair, NO, MAYBE, NO)
    assert services.results(poll).best == {poll.slots[1].id}


def test_no_best_slot_before_anyone_said_yes_or_if_need_be(cast, poll):
    assert services.results(poll).best == set()
    answer_all(poll, cast.member, NO, NO, NO)
    assert services.results(poll).best == set()


@pytest.mark.parametrize("size", [5, 50])
def test_results_take_three_statements_however_many_invitees(cast, count_statements, size):
    extra = [AccountFactory() for _ in range(size)]
    poll = make_poll(cast, accounts=extra)
    for account in extra[:3]:
        answer_all(poll, account, YES, NO, MAYBE)
    poll_id = poll.id
    db.session.expire_all()
    poll = db.session.get(Poll, poll_id)
    with count_statements() as counter:
        table = services.results(poll)
        names = [(row.invitee.account.display_name, row.invitee.account.organisation.name) for row in table.rows]
    assert len(names) == size + 4
    assert counter.count == 3


def test_the_csv_is_made_for_german_excel_and_defuses_formulas(cast, poll):
    cast.member.display_name = "=HYPERLINK(\"http://evil\")"
    db.session.commit()
    answer_all(poll, cast.member, YES, MAYBE, NO, comment="+49 681 1234")
    content = services.results_csv(poll)
    assert content.startswith(b"\xef\xbb\xbf")
    text = content.decode("utf-8-sig")
    lines = text.split("\r\n")
    assert lines[0].startswith("Name;Organisation;")
    first_local = utc_to_local(poll.slots[0].starts_at, "Europe/Berlin").strftime("%d.%m.%Y %H:%M")
    assert f"{first_local} (Europe/Berlin)" in lines[0]
    row = next(line for line in lines if "HYPERLINK" in line)
    assert row.startswith("'=HYPERLINK") or row.startswith("\"'=HYPERLINK")
    assert "✓ Yes" in row and "(✓) If need be" in row and "✗ No" in row and "'+49 681 1234" in row
    assert any(line.startswith("✓ Yes;;1;0;0") for line in lines)
    assert "Best date" in lines[-2]
    assert "\n" not in text.replace("\r\n", "")


# Reminders


def test_reminders_go_once_to_those_who_have_not_answered_within_the_window(app, cast, poll, outbox):
    answer_all(poll, cast.member, YES, YES, YES)
    before = len(outbox.messages())
    window = poll.deadline - timedelta(hours=47)
    assert services.send_poll_reminders(now=poll.deadline - timedelta(hours=49)) == 0
    assert services.send_poll_reminders(now=window) == 3
    reminders = outbox.messages()[before:]
    assert sorted(m["To"] for m in reminders) == sorted(a.email for a in (cast.chair, cast.deputy, cast.secretary))
    assert all("Reminder" in m["Subject"] or "Erinnerung" in m["Subject"] for m in reminders)
    assert services.answer_url(invitee_of(poll, cast.chair)) in outbox.body(mails_to(reminders, cast.chair)[0])
    assert services.send_poll_reminders(now=window + timedelta(hours=1)) == 0
    db.session.expire_all()
    assert invitee_of(poll, cast.member).reminded_at is None
    assert invitee_of(poll, cast.chair).reminded_at is not None


def test_the_reminder_window_comes_from_the_configuration(app, cast, poll):
    app.config["POLL_REMINDER_HOURS"] = 6
    assert services.send_poll_reminders(now=poll.deadline - timedelta(hours=7)) == 0
    assert services.send_poll_reminders(now=poll.deadline - timedelta(hours=5)) == 4


def test_no_reminders_after_the_deadline_for_closed_polls_or_deactivated_accounts(cast, poll):
    assert services.send_poll_reminders(now=poll.deadline + timedelta(minutes=1)) == 0
    cast.member.active = False
    db.session.commit()
    assert services.send_poll_reminders(now=poll.deadline - timedelta(hours=1)) == 3
    other = make_poll(cast, title="Geschlossen")
    services.close_poll(cast.organiser, other, other.slots[0], services.CloseData(title="Sitzung"))
    assert services.send_poll_reminders(now=other.deadline - timedelta(hours=1)) == 0


# Closing


def test_closing_creates_the_meeting_sends_its_invitations_and_the_result(cast, poll, outbox):
    answer_all(poll, cast.member, YES, NO, NO)
    before = len(outbox.messages())
    slot = poll.slots[1]
    report = services.close_poll(
        cast.secretary, poll, slot,
        services.CloseData(title=" Konstituierende Sitzung ", location="Staatskanzlei, Raum 3",
                           online_url="https://video.example/ag", description="Bitte pünktlich."),
    )
    meeting = report.meeting
    db.session.expire_all()
    meeting = db.session.get(Meeting, meeting.id)
    assert meeting.body_id == cast.body.id and meeting.kind is MeetingKind.MEETING
    assert meeting.title == "Konstituierende Sitzung" and meeting.location == "Staatskanzlei, Raum 3"
    assert meeting.online_url == "https://video.example/ag" and meeting.timezone == "Europe/Berlin"
    assert meeting.starts_at == slot.starts_at and meeting.ends_at == slot.starts_at + timedelta(minutes=120)
    assert [item.title for item in meeting.agenda_items][0] == "Eröffnung und Begrüßung"  # the standard agenda
    poll = db.session.get(Poll, poll.id)
    assert poll.status is PollStatus.CLOSED and poll.chosen_slot_id == slot.id and poll.meeting_id == meeting.id
    assert poll.closed_at is not None
    invited = db.session.scalars(select(Invitation.account_id).where(Invitation.meeting_id == meeting.id)).all()
    assert sorted(invited) == sorted(account.id for account in cast.members())
    new = outbox.messages()[before:]
    for account in cast.members():
        mails = mails_to(new, account)
        assert len(mails) == 2
        assert any(calendar_of(m)["METHOD"] == "REQUEST" for m in mails if m.get_content_type() != "text/plain")
    result = next(m for m in mails_to(new, cast.member) if "Date found" in m["Subject"] or "Termin" in m["Subject"])
    assert "http://localhost/meetings/" in outbox.body(result)


def test_a_standalone_poll_invites_its_people_as_guests(cast, outbox):
    guest = AccountFactory()
    poll = make_poll(cast, body=None, meeting_kind=MeetingKind.KICKOFF, accounts=[cast.outsider, guest])
    report = services.close_poll(cast.organiser, poll, poll.slots[0], services.CloseData(title="Auftakt"))
    invitations = db.session.scalars(select(Invitation).where(Invitation.meeting_id == report.meeting.id)).all()
    assert sorted(i.account_id for i in invitations) == sorted([cast.outsider.id, guest.id])
    assert all(i.is_guest for i in invitations)
    assert report.meeting.body_id is None and report.meeting.kind is MeetingKind.KICKOFF
    assert count_rows(AgendaItem) == 0


def test_closing_twice_is_a_conflict(cast, poll):
    services.close_poll(cast.organiser, poll, poll.slots[0], services.CloseData(title="Sitzung"))
    with pytest.raises(ConflictError):
        services.close_poll(cast.organiser, poll, poll.slots[1], services.CloseData(title="Sitzung"))
    assert count_rows(Meeting) == 1


def test_a_stale_copy_cannot_close_a_closed_poll(cast, poll):
    """Two people closing at the same time: the guarded update lets only the first one through."""
    db.session.execute(
        Poll.__table__.update().where(Poll.id == poll.id).values(status=PollStatus.CLOSED.value, closed_at=utcnow())
    )
    db.session.commit()
    db.session.expire_all()
    poll = db.session.get(Poll, poll.id)
    set_committed_value(poll, "status", PollStatus.OPEN)  # what the second request read before the first closed
    with pytest.raises(ConflictError):
        services.close_poll(cast.organiser, poll, poll.slots[0], services.CloseData(title="Sitzung"))
    assert count_rows(Meeting) == 0


def test_closing_on_a_slot_of_another_poll_is_refused(cast, poll):
    other = make_poll(cast, title="Andere")
    with pytest.raises(DomainError):
        services.close_poll(cast.organiser, poll, other.slots[0], services.CloseData(title="Sitzung"))
    assert count_rows(Meeting) == 0 and db.session.get(Poll, poll.id).status is PollStatus.OPEN


def test_closing_on_a_passed_slot_or_without_title_is_refused(cast, poll, outbox):
    before = len(outbox.messages())
    with pytest.raises(DomainError):
        services.close_poll(cast.organiser, poll, poll.slots[0], services.CloseData(title="Sitzung"),
                            now=poll.slots[0].starts_at + timedelta(minutes=1))
    with pytest.raises(DomainError) as caught:
        services.close_poll(cast.organiser, poll, poll.slots[0], services.CloseData(title=" "))
    assert caught.value.field == "title"
    assert count_rows(Meeting) == 0 and len(outbox.messages()) == before
    assert db.session.get(Poll, poll.id).status is PollStatus.OPEN


def test_short_notice_needs_confirmation_and_writes_nothing_without_it(cast, outbox):
    poll = make_poll(cast, slots=[services.SlotInput(day_ahead(3), time(10, 0), "slots-0")],
                     deadline_day=day_ahead(1))
    before = len(outbox.messages())
    with pytest.raises(DomainError) as caught:
        services.close_poll(cast.organiser, poll, poll.slots[0], services.CloseData(title="Sitzung"))
    assert caught.value.field == "confirm_short_notice"
    assert count_rows(Meeting) == 0 and len(outbox.messages()) == before
    assert db.session.get(Poll, poll.id).status is PollStatus.OPEN
    report = services.close_poll(cast.organiser, poll, poll.slots[0], services.CloseData(title="Sitzung"),
                                 confirm_short_notice=True)
    assert report.invitations.short_notice


def test_close_preview_shows_the_standard_agenda(cast, poll):
    cast.body.standard_agenda = "Begrüßung\nBericht\nVerschiedenes"
    db.session.commit()
    preview = services.close_preview(poll, poll.slots[0])
    assert preview["agenda"] == ["Begrüßung", "Bericht", "Verschiedenes"]
    assert preview["short_notice"] is False and preview["notice_days"] == 7


# Purging


def _closed_days_ago(cast, days: int, title: str) -> Poll:
    poll = make_poll(cast, title=title)
    answer_all(poll, cast.member, YES, NO, MAYBE)
    services.close_poll(cast.organiser, poll, poll.slots[0], services.CloseData(title=title))
    poll.closed_at = utcnow() - timedelta(days=days)
    db.session.commit()
    return poll


def test_polls_closed_more_than_the_retention_period_ago_are_deleted_with_their_answers(cast):
    old = _closed_days_ago(cast, 91, "Alt")
    recent = _closed_days_ago(cast, 89, "Neu")
    still_open = make_poll(cast, title="Offen")
    meeting_id = old.meeting_id
    old_id = old.id
    assert services.purge_polls() == 1
    db.session.expire_all()
    assert db.session.get(Poll, old_id) is None
    assert {poll.id for poll in db.session.scalars(select(Poll))} == {recent.id, still_open.id}
    assert db.session.scalar(select(PollSlot.id).where(PollSlot.poll_id == old_id)) is None
    assert db.session.scalar(select(PollInvitee.id).where(PollInvitee.poll_id == old_id)) is None
    assert count_rows(PollAnswer) == 3  # the recent poll's answers only
    assert db.session.get(Meeting, meeting_id) is not None  # the meeting stays
    assert services.purge_polls() == 0


def test_abandoned_open_polls_are_deleted_too(cast):
    poll = make_poll(cast)
    poll.deadline = utcnow() - timedelta(days=91)
    db.session.commit()
    assert services.purge_polls() == 1
    assert count_rows(Poll) == 0


def test_the_retention_period_comes_from_the_configuration(app, cast):
    _closed_days_ago(cast, 10, "Zehn Tage")
    assert services.purge_polls() == 0
    app.config["POLL_RETENTION_DAYS"] = 7
    assert services.purge_polls() == 1


# Lists and permissions


def test_lists_of_invited_and_managed_polls(cast, poll):
    assert [p.id for p, _invitee in services.invited_polls(cast.member)] == [poll.id]
    assert services.invited_polls(cast.outsider) == []
    managed = lambda account: [p.id for p in db.session.scalars(services.managed_polls_query(account))]  # noqa: E731
    assert managed(cast.organiser) == [poll.id]
    assert managed(cast.secretary) == [poll.id]  # the body's secretary
    assert managed(cast.member) == []
    assert managed(cast.outsider) == []


@pytest.mark.parametrize(
    ("role", "create", "manage", "view"),
    [
        ("outsider", False, False, False),
        ("member", False, False, True),
        ("secretary", True, True, True),
        ("deputy", True, True, True),
        ("chair", True, True, True),
        ("organiser", True, True, True),
        ("admin", True, True, True),
    ],
)
def test_permissions_per_role(cast, poll, role, create, manage, view):
    from app import permissions

    actor = cast.by_role(role)
    assert permissions.can_create_poll(actor, cast.body) is create
    assert permissions.can_start_polls(actor) is create
    assert permissions.can_manage_poll(actor, poll) is manage
    assert permissions.can_view_poll(actor, poll) is view
    assert permissions.can_view_poll_results(actor, poll) is view
    invited = role in {"member", "secretary", "deputy", "chair"}
    assert permissions.can_answer_poll(actor, poll) is invited


def test_only_organisers_create_polls_without_a_body(cast):
    from flask_login import AnonymousUserMixin

    from app import permissions

    assert permissions.can_create_poll(cast.organiser, None) and permissions.can_create_poll(cast.admin, None)
    assert not permissions.can_create_poll(cast.chair, None)
    assert not permissions.can_create_poll(AnonymousUserMixin(), None)
    assert not permissions.can_start_polls(AnonymousUserMixin())


def test_a_body_chair_elsewhere_does_not_manage_this_poll(cast, poll):
    from app import permissions

    elsewhere = MembershipFactory(role=MembershipRole.CHAIR).account
    assert permissions.can_start_polls(elsewhere)
    assert not permissions.can_create_poll(elsewhere, cast.body)
    assert not permissions.can_manage_poll(elsewhere, poll)


def test_the_demo_poll(app):
    from app.demo import seed_demo
    from app.polls.demo import seed_polls

    seed_demo()
    seed_polls()
    poll = db.session.scalars(select(Poll)).one()
    assert poll.body.code == "AGID" and poll.body.parent.code == "ITKR"
    assert len(poll.slots) == 3 and poll.status is PollStatus.OPEN
    table = services.results(poll)
    assert table.answered == 4 and table.best
    seed_polls()  # twice is harmless
    assert count_rows(Poll) == 1
