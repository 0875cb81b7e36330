"""Routes of invitations: send them, answer on the meeting page, answer through the signed link in the mail."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import get_locale, ngettext
from flask_babel import gettext as _
from flask_login import current_user

from app import permissions
from app.errors import ConflictError, DomainError
from app.forms import attach_error, id_choices
from app.guards import require
from app.i18n import label
from app.invitations import services
from app.invitations.forms import AnswerForm, SendInvitationsForm
from app.loaders import load_meeting

bp = Blueprint("invitations", __name__)

# The signed link is a secret: it must reach neither search engines nor shared caches. (Other sites never see it
# in a Referer: the app-wide policy is same-origin.)
PRIVATE_HEADERS = {"X-Robots-Tag": "noindex", "Cache-Control": "private, no-store"}


@bp.route("/<int:meeting_id>/send", methods=["GET", "POST"])
def send(meeting_id: int):
    meeting = load_meeting(meeting_id)
    require(permissions.can_send_invitations(current_user, meeting))
    services.check_invitable(meeting)
    form = SendInvitationsForm()
    form.guests.choices = id_choices(services.guest_choices(meeting))
    if form.validate_on_submit():
        try:
            report = services.send_invitations(
                current_user,
                meeting,
                services.accounts_by_ids(form.guests.data or []),
                confirm_short_notice=bool(form.confirm_short_notice.data),
            )
        except ConflictError:
            raise
        except DomainError as error:
            attach_error(form, error)
        else:
            if not report.invited:
                flash(_("Everyone has been invited already; no mail was sent."), "info")
            else:
                count = len(report.invited)
                flash(ngettext("%(num)d invitation has been sent.", "%(num)d invitations have been sent.", count),
                      "success")
            if report.short_notice:
                flash(_("The notice period of %(days)d days was shortened; the invitations say so.",
                        days=report.notice_days), "warning")
            return redirect(url_for("meetings.detail", meeting_id=meeting.id))
    return render_template(
        "invitations/send.html",
        meeting=meeting,
        form=form,
        members=services.uninvited_members(meeting),
        short_notice=services.notice_shortened(meeting),
        notice_days=services.notice_days(meeting),
        already_sent=meeting.invitations_sent_at is not None,
    )


@bp.route("/<int:meeting_id>/answer", methods=["POST"])
def answer(meeting_id: int):
    meeting = load_meeting(meeting_id)
    invitation = services.my_invitation(meeting, current_user)
    require(invitation is not None and permissions.can_answer_invitation(current_user, invitation))
    form = AnswerForm()
    if not form.validate_on_submit():
        abort(400)
    services.answer_invitation(invitation, form.chosen())
    flash(_("Your answer has been saved: %(answer)s.", answer=label(form.chosen())), "success")
    return redirect(url_for("meetings.detail", meeting_id=meeting.id))


@bp.route("/<int:meeting_id>/reply/<token>", methods=["GET", "POST"])
def reply(meeting_id: int, token: str):
    """The link in the mail: answer without logging in; the signature names the invitation and its person."""
    invitation = services.invitation_for_token(meeting_id, token)
    if invitation is None:
        return render_template("invitations/invalid_link.html"), 404, PRIVATE_HEADERS
    form = AnswerForm()
    if request.method == "POST":
        if not form.validate_on_submit():
            abort(400)
        services.answer_invitation(invitation, form.chosen())
        flash(_("Thank you. Your answer has been saved: %(answer)s.", answer=label(form.chosen())), "success")
        return redirect(url_for("invitations.reply", meeting_id=meeting_id, token=token)), 303, PRIVATE_HEADERS
    account, meeting = invitation.account, invitation.meeting
    return (
        render_template(
            "invitations/reply.html",
            invitation=invitation,
            meeting=meeting,
            form=form,
            when=services.when_text(meeting, str(get_locale()), account.timezone or meeting.timezone),
            answerable=services.answerable(meeting),
        ),
        200,
        PRIVATE_HEADERS,
    )
