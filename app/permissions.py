"""Every permission rule of Koop, as pure predicates used by routes and templates alike.

Each predicate takes the acting account (or an anonymous user) and, where it matters, the object.
"""

from __future__ import annotations

from typing import Any

from app.bodies.access import current_roles, invited_meeting_ids
from app.models import Account, Body, GlobalRole, Meeting, MembershipRole, Visibility

Actor = Any  # an Account or Flask-Login's AnonymousUserMixin


def is_logged_in(actor: Actor) -> bool:
    return bool(getattr(actor, "is_authenticated", False)) and bool(getattr(actor, "active", False))


def is_admin(actor: Actor) -> bool:
    return is_logged_in(actor) and actor.role is GlobalRole.ADMIN


def is_organiser(actor: Actor) -> bool:
    """Organisers and admins: the Geschäftsstelle's rights."""
    return is_logged_in(actor) and actor.role in (GlobalRole.ORGANISER, GlobalRole.ADMIN)


# Accounts


def can_list_accounts(actor: Actor) -> bool:
    return is_admin(actor)


def can_invite_accounts(actor: Actor) -> bool:
    return is_organiser(actor)


def can_edit_account(actor: Actor, account: Account) -> bool:
    return is_admin(actor)


def can_change_activation(actor: Actor, account: Account) -> bool:
    """Admins (de)activate others, never themselves, so an installation cannot lock out its last admin by mistake."""
    return is_admin(actor) and actor.id != account.id


def can_edit_profile(actor: Actor) -> bool:
    return is_logged_in(actor)


# Organisations


def can_view_organisations(actor: Actor) -> bool:
    return is_logged_in(actor)


def can_manage_organisations(actor: Actor) -> bool:
    return is_admin(actor)


# Bodies

ROSTER_MANAGING_ROLES = (MembershipRole.CHAIR, MembershipRole.DEPUTY_CHAIR)


def body_role(actor: Actor, body: Body) -> MembershipRole | None:
    """The actor's role in the body if they are a current member, else None."""
    return current_roles(actor).get(body.id) if is_logged_in(actor) else None


def can_view_body(actor: Actor, body: Body) -> bool:
    """Public: everyone; internal: any logged-in account; confidential: current members, organisers, admins."""
    if body.visibility is Visibility.PUBLIC:
        return True
    if body.visibility is Visibility.INTERNAL:
        return is_logged_in(actor)
    return is_organiser(actor) or body_role(actor, body) is not None


def can_create_bodies(actor: Actor) -> bool:
    return is_organiser(actor)


def can_edit_body(actor: Actor, body: Body) -> bool:
    return is_organiser(actor)


def can_manage_roster(actor: Actor, body: Body) -> bool:
    """Organisers, admins and the body's current chair or deputy chair add and end memberships."""
    return is_organiser(actor) or body_role(actor, body) in ROSTER_MANAGING_ROLES


def can_view_body_history(actor: Actor, body: Body) -> bool:
    """The body's managers see its audit entries."""
    return can_view_body(actor, body) and can_manage_roster(actor, body)


def can_view_audit_log(actor: Actor) -> bool:
    return is_admin(actor)


# Meetings and events

SCHEDULING_ROLES = (MembershipRole.CHAIR, MembershipRole.DEPUTY_CHAIR, MembershipRole.SECRETARY)


def can_schedule_meetings(actor: Actor, body: Body) -> bool:
    """A body's chair, deputy chair or secretary, organisers and admins schedule its meetings."""
    return is_organiser(actor) or body_role(actor, body) in SCHEDULING_ROLES


def can_create_events(actor: Actor) -> bool:
    """Standalone kick-off and information events are the organisers' business."""
    return is_organiser(actor)


def can_view_meeting(actor: Actor, meeting: Meeting) -> bool:
    """A body's meeting: whoever sees the body, and invited guests; an event: everyone if public, else logged in."""
    if meeting.body is None:
        return meeting.public or is_logged_in(actor)
    if can_view_body(actor, meeting.body):
        return True
    return is_logged_in(actor) and meeting.id in invited_meeting_ids(actor)


def can_manage_meeting(actor: Actor, meeting: Meeting) -> bool:
    if meeting.body is None:
        return is_organiser(actor)
    return can_schedule_meetings(actor, meeting.body)


def can_see_non_public_items(actor: Actor, meeting: Meeting) -> bool:
    """Non-public agenda items and their attachments: the body's current members, organisers and admins."""
    if is_organiser(actor):
        return True
    return meeting.body is not None and body_role(actor, meeting.body) is not None


# Agendas and attachments

from app.models import AgendaItem, Attachment, MeetingStatus  # noqa: E402 -- kept with the predicates that use them


def can_edit_agenda(actor: Actor, meeting: Meeting) -> bool:
    """The meeting's managers edit its agenda and attachments until it has been held (then it is the record)."""
    return meeting.status is not MeetingStatus.HELD and can_manage_meeting(actor, meeting)


def can_edit_standard_agenda(actor: Actor, body: Body) -> bool:
    """Those who schedule a body's meetings also set the agenda its new meetings start with."""
    return can_view_body(actor, body) and can_schedule_meetings(actor, body)


def can_view_agenda_item(actor: Actor, item: AgendaItem) -> bool:
    """An item is seen with its meeting; a non-public one, or one under a non-public item, only by insiders."""
    if not can_view_meeting(actor, item.meeting):
        return False
    if item.public and (item.parent is None or item.parent.public):
        return True
    return can_see_non_public_items(actor, item.meeting)


def can_view_attachment(actor: Actor, attachment: Attachment) -> bool:
    """The same check as for what the file belongs to: its agenda item, or else its meeting."""
    if attachment.agenda_item is not None:
        return can_view_agenda_item(actor, attachment.agenda_item)
    return can_view_meeting(actor, attachment.meeting)


# Event registration (app/registrations)


def registration_open_to(actor: Actor, meeting: Meeting) -> bool:
    """No organisations chosen: every account; else only people of a chosen organisation."""
    allowed = meeting.registration_organisations
    if not allowed:
        return True
    organisation_id = getattr(actor, "organisation_id", None)
    return organisation_id is not None and any(organisation.id == organisation_id for organisation in allowed)


def can_register(actor: Actor, meeting: Meeting) -> bool:
    """Logged-in people who see the event and whose organisation may register (deadline and seats: the service)."""
    return is_logged_in(actor) and can_view_meeting(actor, meeting) and registration_open_to(actor, meeting)


def can_cancel_registration(actor: Actor, meeting: Meeting) -> bool:
    """Everyone who sees the event may withdraw their own registration."""
    return is_logged_in(actor) and can_view_meeting(actor, meeting)


# Invitations and answers (app/invitations)

from app.models import Invitation  # noqa: E402 -- kept with the predicates that use it


def can_send_invitations(actor: Actor, meeting: Meeting) -> bool:
    """Whoever manages the meeting sends its invitations."""
    return can_manage_meeting(actor, meeting)


def can_answer_invitation(actor: Actor, invitation: Invitation) -> bool:
    """Only the invited person answers (on the meeting page; the mailed link carries its own signature)."""
    return is_logged_in(actor) and invitation.account_id == actor.id


def can_view_answers(actor: Actor, meeting: Meeting) -> bool:
    """Who answered what: the meeting's managers, the body's current members and everyone invited."""
    if not is_logged_in(actor) or not can_view_meeting(actor, meeting):
        return False
    if can_manage_meeting(actor, meeting):
        return True
    if meeting.body is not None and body_role(actor, meeting.body) is not None:
        return True
    return meeting.id in invited_meeting_ids(actor)


# Date polls (app/polls)

from app.models import Poll  # noqa: E402 -- kept with the predicates that use it
from app.polls.access import invited_poll_ids  # noqa: E402


def can_start_polls(actor: Actor) -> bool:
    """Organisers, and whoever is chair, deputy chair or secretary of some body, may open the new-poll page."""
    if is_organiser(actor):
        return True
    return is_logged_in(actor) and any(role in SCHEDULING_ROLES for role in current_roles(actor).values())


def can_create_poll(actor: Actor, body: Body | None) -> bool:
    """A poll for a body: those who schedule its meetings; a poll without a body (an event): organisers."""
    if body is None:
        return is_organiser(actor)
    return can_schedule_meetings(actor, body)


def can_manage_poll(actor: Actor, poll: Poll) -> bool:
    """Organisers, the poll's creator and the body's chair, deputy chair or secretary close it on a date."""
    if is_organiser(actor):
        return True
    if not is_logged_in(actor):
        return False
    if poll.organiser_id is not None and poll.organiser_id == actor.id:
        return True
    return poll.body is not None and body_role(actor, poll.body) in SCHEDULING_ROLES


def is_poll_invitee(actor: Actor, poll: Poll) -> bool:
    return is_logged_in(actor) and poll.id in invited_poll_ids(actor)


def can_view_poll(actor: Actor, poll: Poll) -> bool:
    """The poll page: its managers and everyone invited."""
    return can_manage_poll(actor, poll) or is_poll_invitee(actor, poll)


def can_view_poll_results(actor: Actor, poll: Poll) -> bool:
    """Everyone's answers (and their CSV): the managers and the invitees, as date-poll tools show them."""
    return can_view_poll(actor, poll)


def can_answer_poll(actor: Actor, poll: Poll) -> bool:
    """Only invitees answer, for themselves (the mailed link carries its own signature)."""
    return is_poll_invitee(actor, poll)


# Calendars (app/calendars)


def can_have_personal_feed(actor: Actor) -> bool:
    """Every active account may have a secret personal feed URL (and make a new one, or drop it)."""
    return is_logged_in(actor)


def can_view_body_feed(actor: Actor, body: Body) -> bool:
    """A body's own feed is public and needs no login, so only public bodies have one; members of the others
    subscribe to their personal feed, narrowed to the body if they like."""
    return body.visibility is Visibility.PUBLIC


def can_filter_personal_feed(actor: Actor, body: Body) -> bool:
    """`?body=` narrows a personal feed to one of the person's current bodies, checked on every request."""
    return body_role(actor, body) is not None


def can_view_whole_series(actor: Actor, meeting: Meeting) -> bool:
    """A series download holds every occurrence: for those who see its body (an invited guest of a confidential
    body gets only the meetings they are invited to)."""
    return meeting.series_id is not None and meeting.body is not None and can_view_body(actor, meeting.body)


# Attendance, minutes, decisions and action items (app/attendance, app/minutes, app/decisions, app/actions)

from app.models import ActionItem, Decision, Minutes, MinutesStatus  # noqa: E402 -- kept with the predicates

APPROVING_ROLES = (MembershipRole.CHAIR, MembershipRole.DEPUTY_CHAIR)


def can_record_minutes(actor: Actor, meeting: Meeting) -> bool:
    """The body's secretary, organisers and admins record attendance, minutes, decisions and action items;
    an event without a body is the organisers' business."""
    if is_organiser(actor):
        return True
    return meeting.body is not None and body_role(actor, meeting.body) is MembershipRole.SECRETARY


def can_approve_minutes(actor: Actor, meeting: Meeting) -> bool:
    """Only the body's chair or deputy chair approve (organisers neither, so the record is the body's own);
    an event without a body has no chair, so its organisers approve."""
    if meeting.body is None:
        return is_organiser(actor)
    return body_role(actor, meeting.body) in APPROVING_ROLES


def can_view_minutes(actor: Actor, minutes: Minutes) -> bool:
    """Approved minutes: whoever sees the meeting (non-public items aside). Circulated ones: the body's current
    members too. Drafts: those who write or approve them."""
    meeting = minutes.meeting
    if not can_view_meeting(actor, meeting):
        return False
    if minutes.status is MinutesStatus.APPROVED:
        return True
    if can_record_minutes(actor, meeting) or can_approve_minutes(actor, meeting):
        return True
    return (
        minutes.status is MinutesStatus.CIRCULATED
        and meeting.body is not None
        and body_role(actor, meeting.body) is not None
    )


def can_comment_on_minutes(actor: Actor, minutes: Minutes) -> bool:
    """While minutes are circulated, those who see them comment (the deadline is the service's to check)."""
    return is_logged_in(actor) and minutes.status is MinutesStatus.CIRCULATED and can_view_minutes(actor, minutes)


def can_view_complete_minutes(actor: Actor, minutes: Minutes) -> bool:
    """The complete version, with non-public items: insiders; everyone else gets the public version."""
    return can_view_minutes(actor, minutes) and can_see_non_public_items(actor, minutes.meeting)


def can_view_decision(actor: Actor, decision: Decision) -> bool:
    """In the register: numbered (approved) decisions, public ones of visible items for everyone who sees the
    meeting, non-public ones for insiders."""
    if decision.number is None or not can_view_agenda_item(actor, decision.agenda_item):
        return False
    return decision.public or can_see_non_public_items(actor, decision.agenda_item.meeting)


def can_view_action_items(actor: Actor, body: Body) -> bool:
    """A body's action items are internal work: its current members, organisers and admins."""
    return is_organiser(actor) or body_role(actor, body) is not None


def is_assignee(actor: Actor, action_item: ActionItem) -> bool:
    """The person named, or anyone of the organisation named."""
    if not is_logged_in(actor):
        return False
    if action_item.assignee_account_id is not None:
        return action_item.assignee_account_id == actor.id
    return actor.organisation_id is not None and action_item.assignee_organisation_id == actor.organisation_id


def can_view_action_item(actor: Actor, action_item: ActionItem) -> bool:
    """The body's insiders and the assignees; never someone who cannot see a confidential body, even if their
    organisation is named."""
    if not can_view_body(actor, action_item.body):
        return False
    return can_view_action_items(actor, action_item.body) or is_assignee(actor, action_item)


def can_manage_action_items(actor: Actor, body: Body) -> bool:
    """Create and edit a body's action items: those who record its minutes, and its chair and deputy chair."""
    return is_organiser(actor) or body_role(actor, body) in SCHEDULING_ROLES


def can_change_action_item_status(actor: Actor, action_item: ActionItem) -> bool:
    """Mark done or dropped: the assignees themselves and the body's managers."""
    return can_manage_action_items(actor, action_item.body) or (
        is_assignee(actor, action_item) and can_view_body(actor, action_item.body)
    )


def can_view_minutes_revisions(actor: Actor, meeting: Meeting) -> bool:
    """Earlier versions of the minutes' text, and their diffs: those who write or approve the minutes."""
    return can_record_minutes(actor, meeting) or can_approve_minutes(actor, meeting)


def can_amend_minutes(actor: Actor, meeting: Meeting) -> bool:
    """Correct approved minutes by an amendment: those who write or approve them (the service checks approval)."""
    return can_record_minutes(actor, meeting) or can_approve_minutes(actor, meeting)
