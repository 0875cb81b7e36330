"""`flask send-reminders`: each invited person once, the day before, however often cron runs it."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from app.extensions import db
from app.invitations import services
from app.models import Answer, Invitation, MeetingStatus, utcnow
from tests.factories import AccountFactory
from tests.factories_invitations import FutureMeetingFactory, mails_to, make_cast


@pytest.fixture
def cast(app):
    return make_cast()


def invited_meeting(cast, hours_ahead: float, **fields):
    """A meeting starting in some hours, invitations sent (those mails cleared from the count by the caller)."""
    meeting = FutureMeetingFactory(body=cast.body, **fields)
    for account in cast.members():
        db.session.add(Invitation(meeting=meeting, account=account, sent_at=utcnow()))
    meeting.invitations_sent_at = utcnow()
    meeting.starts_at = utcnow() + timedelta(hours=hours_ahead)
    meeting.ends_at = meeting.starts_at + timedelta(hours=2)
    db.session.commit()
    return meeting


def set_answer(meeting, account, answer: Answer) -> None:
    invitation = db.session.scalars(
        select(Invitation).where(Invitation.meeting_id == meeting.id, Invitation.account_id == account.id)
    ).one()
    invitation.answer = answer
    db.session.commit()


def test_everyone_not_declined_is_reminded_once(cast, outbox):
    meeting = invited_meeting(cast, hours_ahead=20, title="Sitzung morgen")
    set_answer(meeting, cast.chair, Answer.DECLINED)
    set_answer(meeting, cast.member, Answer.ACCEPTED)
    assert services.send_reminders() == 3
    messages = outbox.messages()
    assert sorted(m["To"] for m in messages) == sorted(a.email for a in (cast.deputy, cast.secretary, cast.member))
    [english] = mails_to(messages, cast.member)
    assert english["Subject"] == "Reminder: Sitzung morgen"
    text = outbox.body(english)
    assert "Your answer: Accepted" in text
    assert f"http://localhost/invitations/{meeting.id}/reply/" in text
    for _ in range(3):
        assert services.send_reminders() == 0
    assert len(outbox.messages()) == 3
    db.session.expire_all()
    reminded = db.session.scalars(select(Invitation).where(Invitation.reminded_at.is_not(None))).all()
    assert len(reminded) == 3


def test_only_meetings_within_the_window_are_reminded(cast, outbox):
    later = invited_meeting(cast, hours_ahead=30)
    invited_meeting(cast, hours_ahead=-1)  # already running
    assert services.send_reminders() == 0
    assert services.send_reminders(now=utcnow() + timedelta(hours=7)) == 4
    assert {m["To"] for m in outbox.messages()} == {a.email for a in cast.members()}
    assert later.id


def test_the_window_is_configurable(app, cast, outbox):
    invited_meeting(cast, hours_ahead=30)
    app.config["REMINDER_HOURS_BEFORE"] = 48
    assert services.send_reminders() == 4


@pytest.mark.parametrize("status", [MeetingStatus.CANCELLED, MeetingStatus.HELD])
def test_cancelled_and_held_meetings_get_no_reminder(cast, outbox, status):
    invited_meeting(cast, hours_ahead=5, status=status)
    assert services.send_reminders() == 0
    assert outbox.messages() == []


def test_deactivated_accounts_get_no_reminder(cast, outbox):
    invited_meeting(cast, hours_ahead=5)
    cast.deputy.active = False
    db.session.commit()
    assert services.send_reminders() == 3


def test_a_failed_mail_is_tried_again_next_time(cast, outbox, monkeypatch):
    invited_meeting(cast, hours_ahead=5)
    real_send = services.send_to_account

    def flaky(account, *args, **kwargs):
        if account.id == cast.member.id:
            raise ConnectionRefusedError("mail server down")
        return real_send(account, *args, **kwargs)

    monkeypatch.setattr(services, "send_to_account", flaky)
    assert services.send_reminders() == 3
    monkeypatch.setattr(services, "send_to_account", real_send)
    assert services.send_reminders() == 1
    assert len(mails_to(outbox.messages(), cast.member)) == 1


def test_the_command_reports_and_never_sends_twice(runner, cast, outbox):
    invited_meeting(cast, hours_ahead=10)
    guest_meeting = invited_meeting(cast, hours_ahead=12)
    guest = AccountFactory(locale="en")
    db.session.add(Invitation(meeting=guest_meeting, account=guest, is_guest=True))
    db.session.commit()
    first = runner.invoke(args=["send-reminders"])
    assert first.exit_code == 0, first.output
    assert "9 reminder(s) sent." in first.output
    second = runner.invoke(args=["send-reminders"])
    assert second.exit_code == 0 and "0 reminder(s) sent." in second.output
    assert len(outbox.messages()) == 9
    [guest_mail] = mails_to(outbox.messages(), guest)
    assert "You have not answered yet" in outbox.body(guest_mail)
