"""Use cases of invitations: send them, mail changes and cancellations, record answers, send reminders."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_time
from flask import current_app
from flask_babel import gettext as _
from itsdangerous import BadData, URLSafeSerializer
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import contains_eager, joinedload
from sqlalchemy.orm.attributes import set_committed_value

from app import permissions
from app.bodies.services import roster
from app.calendars.ical import CalendarSettings, invitation_ics, numbered_agenda
from app.errors import ConflictError, DomainError
from app.extensions import db
from app.mail import Attachment, send_to_account
from app.models import Account, Answer, Invitation, Meeting, MeetingStatus, utcnow

log = logging.getLogger("koop.invitations")

ANSWER_SALT = "koop.invitations.answer"
ANSWERS = (Answer.ACCEPTED, Answer.TENTATIVE, Answer.DECLINED)
CLOSED = (MeetingStatus.CANCELLED, MeetingStatus.HELD)
DEFAULT_NOTICE_DAYS = 7
DEFAULT_REMINDER_HOURS = 24


@dataclass
class SendReport:
    """What send_invitations did."""

    invited: list[Invitation] = field(default_factory=list)
    short_notice: bool = False
    notice_days: int | None = None


# Loading


def my_invitation(meeting: Meeting, actor: Any) -> Invitation | None:
    """The actor's invitation to the meeting, or None (also for anonymous visitors)."""
    if not permissions.is_logged_in(actor):
        return None
    invitation = db.session.scalars(
        select(Invitation).where(Invitation.meeting_id == meeting.id, Invitation.account_id == actor.id)
    ).one_or_none()
    if invitation is not None:
        set_committed_value(invitation, "meeting", meeting)
        set_committed_value(invitation, "account", actor)
    return invitation


def answers_for(meeting: Meeting) -> list[Invitation]:
    """Everyone invited, with their accounts and organisations, by name: one statement however many."""
    invitations = list(
        db.session.scalars(
            select(Invitation)
            .join(Invitation.account)
            .outerjoin(Account.organisation)
            .options(contains_eager(Invitation.account).contains_eager(Account.organisation))
            .where(Invitation.meeting_id == meeting.id)
            .order_by(func.lower(Account.display_name), Invitation.id)
        ).unique()
    )
    for invitation in invitations:
        set_committed_value(invitation, "meeting", meeting)
    return invitations


def answer_counts(invitations: list[Invitation]) -> dict[Answer, int]:
    """How many gave each answer (no query: counts the list answers_for returned)."""
    counts = {answer: 0 for answer in Answer}
    for invitation in invitations:
        counts[invitation.answer] += 1
    return counts


def guest_choices(meeting: Meeting) -> list[tuple[int, str]]:
    """Active accounts that may be invited as guests: not current members and not invited yet."""
    members = {membership.account_id for membership in _current_members(meeting)}
    invited = set(db.session.scalars(select(Invitation.account_id).where(Invitation.meeting_id == meeting.id)))
    rows = db.session.execute(
        select(Account.id, Account.display_name, Account.email)
        .where(Account.active.is_(True))
        .order_by(func.lower(Account.display_name), Account.id)
    )
    return [(row.id, f"{row.display_name} <{row.email}>") for row in rows if row.id not in members | invited]


def accounts_by_ids(ids: list[int]) -> list[Account]:
    """The accounts chosen in a form, in one query."""
    if not ids:
        return []
    return list(db.session.scalars(select(Account).where(Account.id.in_(ids)).order_by(Account.id)))


def uninvited_members(meeting: Meeting) -> list[Account]:
    """Current members of the meeting's body who have no invitation yet."""
    invited = set(db.session.scalars(select(Invitation.account_id).where(Invitation.meeting_id == meeting.id)))
    return [m.account for m in _current_members(meeting) if m.account_id not in invited and m.account.active]


def _current_members(meeting: Meeting) -> list:
    if meeting.body is None:
        return []
    return roster(meeting.body).current


# Notice period


def notice_days(meeting: Meeting) -> int | None:
    """The body's notice period (Ladungsfrist) in days; standalone events have none."""
    if meeting.body is None:
        return None
    return meeting.body.notice_days if meeting.body.notice_days is not None else DEFAULT_NOTICE_DAYS


def notice_shortened(meeting: Meeting, now: datetime | None = None) -> bool:
    """True when invitations sent now reach people later than the body's notice period asks."""
    days = notice_days(meeting)
    if days is None:
        return False
    return meeting.starts_at - (now or utcnow()) < timedelta(days=days)


def check_invitable(meeting: Meeting) -> None:
    """Invitations go out only for meetings that are still to come."""
    if meeting.status is MeetingStatus.CANCELLED:
        raise ConflictError(_("This meeting has been cancelled; invitations can no longer be sent."))
    if meeting.status is MeetingStatus.HELD or meeting.ends_at <= utcnow():
        raise ConflictError(_("This meeting is over; invitations can no longer be sent."))


# Sending


def send_invitations(
    actor: Account, meeting: Meeting, guests: list[Account], confirm_short_notice: bool = False
) -> SendReport:
    """Invite every current member of the body and the chosen guests who are not invited yet, and mail each
    the agenda with an .ics (METHOD:REQUEST).

    Sending later than the body's notice period needs `confirm_short_notice`; the mails then say that the
    notice was shortened. Sending again invites only the people not invited before.
    """
    check_invitable(meeting)
    for guest in guests:
        if not guest.active:
            raise DomainError(_("%(name)s cannot be invited: the account is deactivated.", name=guest.display_name),
                              field="guests")
    invited_ids = set(db.session.scalars(select(Invitation.account_id).where(Invitation.meeting_id == meeting.id)))
    members = [m.account for m in _current_members(meeting) if m.account.active]
    member_ids = {account.id for account in members}
    people: list[tuple[Account, bool]] = []
    for account, is_guest in [(a, False) for a in members] + [(g, True) for g in guests if g.id not in member_ids]:
        if account.id not in invited_ids:
            invited_ids.add(account.id)
            people.append((account, is_guest))
    now = utcnow()
    days = notice_days(meeting)
    report = SendReport(short_notice=bool(people) and notice_shortened(meeting, now), notice_days=days)
    if not people:
        return report
    if report.short_notice and not confirm_short_notice:
        raise DomainError(
            _("The meeting starts in less than the notice period of %(days)d days. Please confirm that you want "
              "to send the invitations with shortened notice.", days=days),
            field="confirm_short_notice",
        )
    for account, is_guest in people:
        invitation = Invitation(meeting=meeting, account=account, is_guest=is_guest, answer=Answer.OPEN, sent_at=now)
        db.session.add(invitation)
        report.invited.append(invitation)
    try:
        db.session.flush()
    except IntegrityError:  # someone else sent invitations to the same people at the same moment
        db.session.rollback()
        raise ConflictError(_("Invitations for this meeting are being sent by someone else. Please try again.")) \
            from None
    for invitation in report.invited:
        _mail(invitation, "invitation_request", inviter=actor, short_notice=report.short_notice, notice_days=days)
    if meeting.invitations_sent_at is None:
        meeting.invitations_sent_at = now
    db.session.commit()
    return report


def notify_change(meeting: Meeting) -> None:
    """Mail everyone already invited an update (METHOD:REQUEST, same UID, higher SEQUENCE) or, for a
    cancelled meeting, a cancellation (METHOD:CANCEL); flushes only.

    The meeting services call it exactly when a calendar must see a change; before the invitations were sent
    it does nothing.
    """
    if meeting.invitations_sent_at is None:
        return
    invitations = list(
        db.session.scalars(
            select(Invitation)
            .options(joinedload(Invitation.account))
            .where(Invitation.meeting_id == meeting.id)
            .order_by(Invitation.id)
        )
    )
    template = "invitation_cancel" if meeting.is_cancelled else "invitation_update"
    now = utcnow()
    for invitation in invitations:
        if not invitation.account.active:
            continue
        set_committed_value(invitation, "meeting", meeting)
        _mail(invitation, template, cancel=meeting.is_cancelled)
        invitation.sent_at = now
    db.session.flush()


def _mail(invitation: Invitation, template: str, cancel: bool = False, **context: Any) -> None:
    meeting, account = invitation.meeting, invitation.account
    language = account.locale or current_app.config["BABEL_DEFAULT_LOCALE"]
    may_see_all = permissions.can_see_non_public_items(account, meeting)
    settings = CalendarSettings.from_config(current_app.config)
    ics = invitation_ics(meeting, invitation, settings, cancel=cancel, language=language,
                         include_non_public=may_see_all)
    method = "CANCEL" if cancel else "REQUEST"
    attachment = Attachment(
        filename="invite.ics",
        content=ics,
        maintype="text",
        subtype="calendar",
        params={"method": method, "charset": "utf-8"},
    )
    send_to_account(
        account,
        template,
        attachments=(attachment,),
        meeting=meeting,
        invitation=invitation,
        when=when_text(meeting, language, account.timezone or meeting.timezone),
        agenda=[(number, item.title) for number, item in numbered_agenda(meeting.agenda_items, may_see_all)],
        meeting_url=settings.meeting_url(meeting),
        reply_url=reply_url(invitation),
        **context,
    )


# Answers


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=ANSWER_SALT)


def answer_token(invitation: Invitation) -> str:
    """The signed part of the answer link in the mail: it names the invitation and its person."""
    return _serializer().dumps([invitation.id, invitation.account_id])


def reply_url(invitation: Invitation) -> str:
    """The absolute answer link of the mails (BASE_URL: mails are also sent outside requests, by cron)."""
    base = current_app.config["BASE_URL"].rstrip("/")
    return f"{base}/invitations/{invitation.meeting_id}/reply/{answer_token(invitation)}"


def invitation_for_token(meeting_id: int, token: str) -> Invitation | None:
    """The invitation an answer link names, or None for a forged link, one of another meeting or person,
    or a deactivated account."""
    if not token or len(token) > 500:
        return None
    try:
        payload = _serializer().loads(token)
    except BadData:
        return None
    if not (isinstance(payload, list) and len(payload) == 2 and all(type(part) is int for part in payload)):
        return None
    invitation_id, account_id = payload
    invitation = db.session.scalars(
        select(Invitation)
        .options(joinedload(Invitation.account), joinedload(Invitation.meeting))
        .where(Invitation.id == invitation_id)
    ).one_or_none()
    if invitation is None or invitation.meeting_id != meeting_id or invitation.account_id != account_id:
        return None
    if not invitation.account.active:
        return None
    return invitation


def answerable(meeting: Meeting) -> bool:
    """Answers are taken until the meeting is cancelled or held."""
    return meeting.status not in CLOSED


def answer_invitation(invitation: Invitation, answer: Answer) -> None:
    """Record accepted, declined or tentative; a cancelled or held meeting takes no more answers."""
    if answer not in ANSWERS:
        raise DomainError(_("Please choose accepted, tentative or declined."), field="answer")
    meeting = invitation.meeting
    if meeting.status is MeetingStatus.CANCELLED:
        raise ConflictError(_("This meeting has been cancelled; it takes no more answers."))
    if meeting.status is MeetingStatus.HELD:
        raise ConflictError(_("This meeting has been held; it takes no more answers."))
    invitation.answer = answer
    invitation.answered_at = utcnow()
    db.session.commit()


# Reminders


def send_reminders(now: datetime | None = None) -> int:
    """Remind once everyone invited (and not declined) to a meeting that starts within REMINDER_HOURS_BEFORE.

    Safe to run as often as cron likes: a reminded invitation is never reminded again, and concurrent runs
    skip each other's rows on PostgreSQL. A mail that fails is tried again by the next run.
    """
    now = now or utcnow()
    hours = current_app.config.get("REMINDER_HOURS_BEFORE", DEFAULT_REMINDER_HOURS)
    invitations = list(
        db.session.scalars(
            select(Invitation)
            .join(Invitation.meeting)
            .options(contains_eager(Invitation.meeting), joinedload(Invitation.account))
            .where(
                Invitation.reminded_at.is_(None),
                Invitation.answer != Answer.DECLINED,
                Meeting.status.in_((MeetingStatus.PLANNED, MeetingStatus.CONFIRMED)),
                Meeting.starts_at > now,
                Meeting.starts_at <= now + timedelta(hours=float(hours)),
            )
            .order_by(Meeting.starts_at, Invitation.id)
            .with_for_update(skip_locked=True, of=Invitation)
        ).unique()
    )
    settings = CalendarSettings.from_config(current_app.config)
    sent = 0
    for invitation in invitations:
        account, meeting = invitation.account, invitation.meeting
        if not account.active:
            continue
        language = account.locale or current_app.config["BABEL_DEFAULT_LOCALE"]
        try:
            send_to_account(
                account,
                "invitation_reminder",
                meeting=meeting,
                invitation=invitation,
                when=when_text(meeting, language, account.timezone or meeting.timezone),
                meeting_url=settings.meeting_url(meeting),
                reply_url=reply_url(invitation),
            )
        except OSError:  # smtplib's errors are OSErrors: leave this one for the next run
            log.exception("reminder for invitation %s could not be sent", invitation.id)
            continue
        invitation.reminded_at = now
        sent += 1
    db.session.commit()
    return sent


# Texts


def when_text(meeting: Meeting, locale: str, zone_name: str) -> str:
    """The meeting's time for a reader: in their zone with the zone named; all-day meetings as dates."""
    locale = (locale or "de")[:2]
    if meeting.all_day:
        home = ZoneInfo(meeting.timezone)
        first: date = meeting.starts_at.astimezone(home).date()
        last: date = (meeting.ends_at.astimezone(home) - timedelta(seconds=1)).date()
        if first == last:
            return format_date(first, "full", locale=locale)
        return f"{format_date(first, 'full', locale=locale)} – {format_date(last, 'full', locale=locale)}"
    try:
        zone = ZoneInfo(zone_name)
    except (ValueError, KeyError):
        zone, zone_name = ZoneInfo(meeting.timezone), meeting.timezone
    start, end = meeting.starts_at.astimezone(zone), meeting.ends_at.astimezone(zone)
    start_day = format_date(start.date(), "full", locale=locale)
    start_time = format_time(start, "short", tzinfo=zone, locale=locale)
    end_time = format_time(end, "short", tzinfo=zone, locale=locale)
    if start.date() == end.date():
        return f"{start_day}, {start_time} – {end_time} ({zone_name})"
    end_day = format_date(end.date(), "full", locale=locale)
    return f"{start_day}, {start_time} – {end_day}, {end_time} ({zone_name})"
