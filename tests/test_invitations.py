"""The invitation services without HTTP: sending, notice period, update and cancellation mails, answers, tokens."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from app.errors import ConflictError, DomainError
from app.extensions import db
from app.invitations import services
from app.meetings import services as meetings
from app.meetings.times import utc_to_local
from app.models import AgendaItem, Answer, Invitation, Meeting, MeetingStatus, MembershipRole, utcnow
from tests.factories import AccountFactory
from tests.factories_bodies import MembershipFactory, count_rows
from tests.factories_invitations import FutureMeetingFactory, calendar_of, local_start, mails_to, make_cast


@pytest.fixture(autouse=True)
def request_context(app):
    """Service messages are translated, and the locale selector reads the request (see app/i18n.py)."""
    with app.test_request_context():
        yield


@pytest.fixture
def cast(app):
    return make_cast()


@pytest.fixture
def meeting(cast):
    meeting = FutureMeetingFactory(body=cast.body, title="Sitzung; Haushalt, Planung")
    db.session.add_all([
        AgendaItem(meeting=meeting, position=1, title="Eröffnung und Begrüßung", public=True),
        AgendaItem(meeting=meeting, position=2, title="Personalangelegenheit Meier", public=False),
        AgendaItem(meeting=meeting, position=3, title="Verschiedenes", public=True),
    ])
    db.session.commit()
    return meeting


def data_of(meeting: Meeting, **overrides) -> meetings.MeetingData:
    start = utc_to_local(meeting.starts_at, meeting.timezone)
    end = utc_to_local(meeting.ends_at, meeting.timezone)
    values = dict(
        kind=meeting.kind, title=meeting.title, start_day=start.date(), start_time=start.time(), end_day=end.date(),
        end_time=end.time(), timezone=meeting.timezone, location=meeting.location, online_url=meeting.online_url,
        description=meeting.description,
    )
    values.update(overrides)
    return meetings.MeetingData(**values)


# Sending


def test_every_current_member_and_each_guest_is_invited_and_mailed_an_ics(cast, meeting, outbox):
    guest = AccountFactory(display_name="Gabi Gast")
    report = services.send_invitations(cast.secretary, meeting, [guest])

    rows = db.session.scalars(select(Invitation).where(Invitation.meeting_id == meeting.id))
    invited = {invitation.account_id: invitation for invitation in rows}
    assert set(invited) == {a.id for a in cast.members()} | {guest.id}
    assert invited[guest.id].is_guest and not invited[cast.member.id].is_guest
    assert all(i.answer is Answer.OPEN and i.sent_at is not None for i in invited.values())
    assert len(report.invited) == 5 and not report.short_notice
    assert meeting.invitations_sent_at is not None

    messages = outbox.messages()
    assert sorted(m["To"] for m in messages) == sorted(a.email for a in [*cast.members(), guest])
    for account in [*cast.members(), guest]:
        [message] = mails_to(messages, account)
        calendar = calendar_of(message)
        assert str(calendar["METHOD"]) == "REQUEST"
        [event] = calendar.walk("VEVENT")
        assert str(event["UID"]) == meeting.uid
        assert event["SEQUENCE"] == meeting.sequence
        assert str(event["ATTENDEE"]) == f"mailto:{account.email}"
        assert event["ATTENDEE"].params["CN"] == account.display_name
        assert event["ATTENDEE"].params["PARTSTAT"] == "NEEDS-ACTION"
        assert event["ATTENDEE"].params["RSVP"] == "TRUE"
        assert event["DTSTART"].params["TZID"] == "Europe/Berlin"
        assert str(event["SUMMARY"]) == "Sitzung; Haushalt, Planung"
        [zone] = calendar.walk("VTIMEZONE")
        assert str(zone["TZID"]) == "Europe/Berlin"
        assert zone.walk("DAYLIGHT")[0]["RRULE"]["BYDAY"] == ["-1SU"]
        assert b"RDATE" not in zone.to_ical()


def test_the_mail_carries_agenda_reply_link_and_language(cast, meeting, outbox):
    guest = AccountFactory(locale="de")
    services.send_invitations(cast.secretary, meeting, [guest])
    [english] = mails_to(outbox.messages(), cast.member)  # Mia reads English
    assert english["Subject"] == "Invitation: Sitzung; Haushalt, Planung"
    text = outbox.body(english)
    assert "Item 1 Eröffnung und Begrüßung" in text
    assert "Item 2 Personalangelegenheit Meier" in text  # members see non-public items
    assert f"http://localhost/invitations/{meeting.id}/reply/" in text
    assert f"http://localhost/meetings/{meeting.id}" in text
    assert "(Europe/Berlin)" in text
    assert "shortened" not in text
    [guest_mail] = mails_to(outbox.messages(), guest)
    guest_text = outbox.body(guest_mail)
    assert "Personalangelegenheit" not in guest_text  # a guest is no member
    assert "Personalangelegenheit" not in str(calendar_of(guest_mail).walk("VEVENT")[0]["DESCRIPTION"])
    assert "Personalangelegenheit" in str(calendar_of(english).walk("VEVENT")[0]["DESCRIPTION"])


def test_former_members_and_deactivated_accounts_are_not_invited(cast, meeting, outbox):
    former = MembershipFactory(body=cast.body, start_on=date(2020, 1, 1), end_on=date(2021, 1, 1)).account
    inactive = MembershipFactory(body=cast.body, account=AccountFactory(active=False)).account
    services.send_invitations(cast.secretary, meeting, [])
    emails = {m["To"] for m in outbox.messages()}
    assert former.email not in emails and inactive.email not in emails
    assert len(emails) == 4


def test_sending_again_invites_only_people_not_yet_invited(cast, meeting, outbox):
    services.send_invitations(cast.secretary, meeting, [])
    first_sent = meeting.invitations_sent_at
    newcomer = MembershipFactory(body=cast.body, role=MembershipRole.MEMBER).account
    guest = AccountFactory()
    report = services.send_invitations(cast.secretary, meeting, [guest, cast.member])  # a member as "guest" too
    assert {i.account_id for i in report.invited} == {newcomer.id, guest.id}
    assert len(outbox.messages()) == 4 + 2
    assert count_rows(Invitation) == 6
    assert meeting.invitations_sent_at == first_sent
    again = services.send_invitations(cast.secretary, meeting, [guest])
    assert again.invited == [] and len(outbox.messages()) == 6


def test_a_deactivated_guest_is_refused(cast, meeting, outbox):
    with pytest.raises(DomainError) as caught:
        services.send_invitations(cast.secretary, meeting, [AccountFactory(active=False)])
    assert caught.value.field == "guests"
    assert count_rows(Invitation) == 0 and outbox.messages() == []


@pytest.mark.parametrize("status", [MeetingStatus.CANCELLED, MeetingStatus.HELD])
def test_no_invitations_for_a_cancelled_or_held_meeting(cast, status, outbox):
    meeting = FutureMeetingFactory(body=cast.body, status=status)
    with pytest.raises(ConflictError):
        services.send_invitations(cast.secretary, meeting, [])
    assert count_rows(Invitation) == 0 and outbox.messages() == []


def test_no_invitations_for_a_meeting_that_is_over(cast, outbox):
    meeting = FutureMeetingFactory(body=cast.body, starts_at=utcnow() - timedelta(days=2),
                                   ends_at=utcnow() - timedelta(days=2) + timedelta(hours=1))
    with pytest.raises(ConflictError):
        services.send_invitations(cast.secretary, meeting, [])


# Notice period


def test_short_notice_needs_confirmation_and_writes_nothing_without_it(cast, outbox):
    meeting = FutureMeetingFactory(body=cast.body, starts_at=local_start(3))
    assert services.notice_shortened(meeting)
    with pytest.raises(DomainError) as caught:
        services.send_invitations(cast.secretary, meeting, [])
    assert caught.value.field == "confirm_short_notice"
    assert "7 days" in caught.value.message
    assert count_rows(Invitation) == 0 and outbox.messages() == [] and meeting.invitations_sent_at is None


def test_confirmed_short_notice_is_noted_in_the_mail(cast, outbox):
    meeting = FutureMeetingFactory(body=cast.body, starts_at=local_start(3))
    report = services.send_invitations(cast.secretary, meeting, [], confirm_short_notice=True)
    assert report.short_notice and report.notice_days == 7
    [english] = mails_to(outbox.messages(), cast.member)
    assert "the notice period of 7 days has been shortened" in outbox.body(english)


def test_the_bodys_own_notice_period_counts(app):
    cast = make_cast(notice_days=3)
    in_five_days = FutureMeetingFactory(body=cast.body, starts_at=local_start(5))
    assert not services.notice_shortened(in_five_days)
    assert services.notice_shortened(FutureMeetingFactory(body=cast.body, starts_at=local_start(2)))


def test_standalone_events_have_no_notice_period(app):
    event = FutureMeetingFactory(body=None, starts_at=local_start(1))
    assert services.notice_days(event) is None and not services.notice_shortened(event)


# Changes and cancellations


def test_a_change_of_time_mails_an_update_with_the_same_uid_and_a_higher_sequence(cast, meeting, outbox):
    services.send_invitations(cast.secretary, meeting, [])
    first = {m["To"]: calendar_of(m).walk("VEVENT")[0] for m in outbox.messages()}
    members_invitation = db.session.scalars(
        select(Invitation).where(Invitation.meeting_id == meeting.id, Invitation.account_id == cast.member.id)
    ).one()
    services.answer_invitation(members_invitation, Answer.ACCEPTED)

    start = utc_to_local(meeting.starts_at, meeting.timezone)
    meetings.update_meeting(cast.secretary, meeting, data_of(meeting, start_time=start.time().replace(hour=14),
                                                             end_time=start.time().replace(hour=16)))
    updates = outbox.messages()[4:]
    assert sorted(m["To"] for m in updates) == sorted(a.email for a in cast.members())
    for message in updates:
        calendar = calendar_of(message)
        assert str(calendar["METHOD"]) == "REQUEST"
        [event] = calendar.walk("VEVENT")
        before = first[message["To"]]
        assert str(event["UID"]) == str(before["UID"]) == meeting.uid
        assert event["SEQUENCE"] > before["SEQUENCE"]
        assert event["DTSTART"].dt.hour == 14
    [english] = mails_to(updates, cast.member)
    assert english["Subject"] == "Changed: Sitzung; Haushalt, Planung"
    assert calendar_of(english).walk("VEVENT")[0]["ATTENDEE"].params["PARTSTAT"] == "ACCEPTED"
    assert "Your answer so far: Accepted" in outbox.body(english)


def test_a_change_no_calendar_sees_sends_no_mail(cast, meeting, outbox):
    services.send_invitations(cast.secretary, meeting, [])
    meetings.update_meeting(cast.secretary, meeting, data_of(meeting, description="Neue Beschreibung"))
    assert len(outbox.messages()) == 4


def test_changes_before_the_invitations_were_sent_mail_nobody(cast, meeting, outbox):
    meetings.update_meeting(cast.secretary, meeting, data_of(meeting, title="Neuer Titel"))
    meetings.change_status(cast.secretary, meeting, MeetingStatus.CANCELLED)
    assert outbox.messages() == []


def test_cancelling_mails_method_cancel(cast, meeting, outbox):
    services.send_invitations(cast.secretary, meeting, [AccountFactory()])
    sequence = meeting.sequence
    meetings.change_status(cast.secretary, meeting, MeetingStatus.CANCELLED, reason="Beschlussunfähig")
    cancels = outbox.messages()[5:]
    assert len(cancels) == 5
    for message in cancels:
        calendar = calendar_of(message)
        assert str(calendar["METHOD"]) == "CANCEL"
        [event] = calendar.walk("VEVENT")
        assert str(event["UID"]) == meeting.uid
        assert event["SEQUENCE"] == sequence + 1
        assert str(event["STATUS"]) == "CANCELLED"
        assert str(event["SUMMARY"]) == "Sitzung; Haushalt, Planung"
        assert str(event["ATTENDEE"]) == f"mailto:{message['To']}"
    [english] = mails_to(cancels, cast.member)
    assert english["Subject"] == "Cancelled: Sitzung; Haushalt, Planung"
    assert "Reason: Beschlussunfähig" in outbox.body(english)


def test_confirming_mails_an_update_and_marking_as_held_mails_nothing(cast, outbox):
    meeting = FutureMeetingFactory(body=cast.body, status=MeetingStatus.PLANNED)
    services.send_invitations(cast.secretary, meeting, [])
    meetings.change_status(cast.secretary, meeting, MeetingStatus.CONFIRMED)
    updates = outbox.messages()[4:]
    assert len(updates) == 4
    assert str(calendar_of(updates[0]).walk("VEVENT")[0]["STATUS"]) == "CONFIRMED"
    meeting.starts_at = utcnow() - timedelta(hours=3)
    meeting.ends_at = utcnow() - timedelta(hours=1)
    db.session.commit()
    meetings.change_status(cast.secretary, meeting, MeetingStatus.HELD)
    assert len(outbox.messages()) == 8


# Answers


def invitation_of(meeting: Meeting, account) -> Invitation:
    return db.session.scalars(
        select(Invitation).where(Invitation.meeting_id == meeting.id, Invitation.account_id == account.id)
    ).one()


@pytest.mark.parametrize("answer", [Answer.ACCEPTED, Answer.TENTATIVE, Answer.DECLINED])
def test_an_answer_is_recorded(cast, meeting, answer):
    services.send_invitations(cast.secretary, meeting, [])
    invitation = invitation_of(meeting, cast.member)
    services.answer_invitation(invitation, answer)
    db.session.expire_all()
    invitation = invitation_of(meeting, cast.member)
    assert invitation.answer is answer and invitation.answered_at is not None


def test_open_is_no_answer(cast, meeting):
    services.send_invitations(cast.secretary, meeting, [])
    with pytest.raises(DomainError):
        services.answer_invitation(invitation_of(meeting, cast.member), Answer.OPEN)


@pytest.mark.parametrize("status", [MeetingStatus.CANCELLED, MeetingStatus.HELD])
def test_a_cancelled_or_held_meeting_takes_no_answers(cast, meeting, status):
    services.send_invitations(cast.secretary, meeting, [])
    invitation = invitation_of(meeting, cast.member)
    meeting.status = status
    db.session.commit()
    with pytest.raises(ConflictError):
        services.answer_invitation(invitation, Answer.ACCEPTED)
    db.session.expire_all()
    assert invitation_of(meeting, cast.member).answer is Answer.OPEN


def test_my_invitation(cast, meeting):
    services.send_invitations(cast.secretary, meeting, [])
    assert services.my_invitation(meeting, cast.member).account_id == cast.member.id
    assert services.my_invitation(meeting, cast.outsider) is None


# Signed links


def test_the_answer_token_names_exactly_one_invitation(cast, meeting):
    other_meeting = FutureMeetingFactory(body=cast.body)
    services.send_invitations(cast.secretary, meeting, [])
    services.send_invitations(cast.secretary, other_meeting, [])
    mine = invitation_of(meeting, cast.member)
    token = services.answer_token(mine)
    assert services.invitation_for_token(meeting.id, token) is mine
    assert services.invitation_for_token(other_meeting.id, token) is None  # the link of another meeting
    assert services.invitation_for_token(meeting.id, token[:-2] + "xx") is None  # forged signature
    assert services.invitation_for_token(meeting.id, "") is None
    assert services.invitation_for_token(meeting.id, "a" * 600) is None
    # A correctly signed payload that pairs the invitation with someone else
    forged = services._serializer().dumps([mine.id, cast.chair.id])
    assert services.invitation_for_token(meeting.id, forged) is None
    assert services.invitation_for_token(meeting.id, services._serializer().dumps(["x", 1])) is None
    assert services.invitation_for_token(meeting.id, services._serializer().dumps({"id": mine.id})) is None


def test_a_token_of_a_deactivated_account_is_refused(cast, meeting):
    services.send_invitations(cast.secretary, meeting, [])
    token = services.answer_token(invitation_of(meeting, cast.member))
    cast.member.active = False
    db.session.commit()
    assert services.invitation_for_token(meeting.id, token) is None


def test_a_token_signed_with_another_key_is_refused(app, cast, meeting):
    services.send_invitations(cast.secretary, meeting, [])
    token = services.answer_token(invitation_of(meeting, cast.member))
    app.config["SECRET_KEY"] = "another-key"
    assert services.invitation_for_token(meeting.id, token) is None


# Who answered what


def test_answers_for_lists_everyone_by_name_in_one_statement(cast, meeting, count_statements):
    services.send_invitations(cast.secretary, meeting, [])
    services.answer_invitation(invitation_of(meeting, cast.chair), Answer.DECLINED)
    db.session.expire_all()
    meeting = db.session.get(Meeting, meeting.id)
    with count_statements() as counter:
        invitations = services.answers_for(meeting)
        rows = [(i.account.display_name, i.account.organisation.name, i.answer, i.meeting.title) for i in invitations]
    assert counter.count == 1
    assert [row[0] for row in rows] == ["Chris Chair", "Dana Deputy", "Mia Müller", "Sam Secretary"]
    assert rows[0][2] is Answer.DECLINED
    assert services.answer_counts(invitations)[Answer.OPEN] == 3


@pytest.mark.parametrize("size", [10, 200])
def test_answers_for_runs_one_statement_for_10_or_200_invitees(app, count_statements, size):
    meeting = FutureMeetingFactory()
    people = AccountFactory.create_batch(size)
    db.session.add_all(Invitation(meeting=meeting, account=person, answer=Answer.ACCEPTED) for person in people)
    db.session.commit()
    db.session.expire_all()
    meeting = db.session.get(Meeting, meeting.id)
    with count_statements() as counter:
        invitations = services.answers_for(meeting)
        names = [(i.account.display_name, i.account.organisation.short_name if i.account.organisation else "")
                 for i in invitations]
    assert len(names) == size
    assert counter.count == 1


def test_an_occurrence_of_a_series_is_invited_under_the_series_uid(cast, outbox):
    from app.models import MeetingSeries, SeriesFrequency

    start = local_start(14)
    series = MeetingSeries(body=cast.body, frequency=SeriesFrequency.WEEKLY, interval=2, weekdays="TU",
                           first_day=start.date(), start_time="10:00", duration_minutes=120, occurrence_count=5)
    meeting = FutureMeetingFactory(body=cast.body, series=series, original_start=start, starts_at=start)
    services.send_invitations(cast.secretary, meeting, [])
    [event] = calendar_of(outbox.last()).walk("VEVENT")
    assert str(event["UID"]) == series.uid != meeting.uid
    assert event["RECURRENCE-ID"].dt == start
    assert event["RECURRENCE-ID"].params["TZID"] == "Europe/Berlin"


def test_with_nobody_new_to_invite_no_confirmation_is_asked(cast, outbox):
    meeting = FutureMeetingFactory(body=cast.body, starts_at=local_start(3))
    services.send_invitations(cast.secretary, meeting, [], confirm_short_notice=True)
    report = services.send_invitations(cast.secretary, meeting, [])
    assert report.invited == [] and not report.short_notice
    assert len(outbox.messages()) == 4
