"""Routes of date polls: list, create, the poll page with its results, answering (logged in or by the mailed
link), the CSV of the results, and closing on a date."""

from __future__ import annotations

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_required

from app import permissions
from app.bodies.services import account_choices, get_body_by_id
from app.errors import ConflictError, DomainError
from app.forms import attach_error, id_choices
from app.guards import require
from app.i18n import timezone_names
from app.loaders import load_body
from app.models import MeetingKind, Poll, PollInvitee, Visibility
from app.polls import services
from app.polls.forms import CloseForm, PollForm, answer_form, chosen_answers
from app.queries import paginate

bp = Blueprint("polls", __name__)

# The signed link is a secret: it must not reach search engines or shared caches (the app-wide same-origin
# referrer policy keeps it from other sites).
PRIVATE_HEADERS = {"X-Robots-Tag": "noindex", "Cache-Control": "private, no-store"}


def load_poll(poll_id: int) -> Poll:
    """The poll, or 404; the login page for anonymous visitors; 403 for others (404 for a confidential body's)."""
    poll = services.get_poll(poll_id)
    if poll is None:
        abort(404)
    if not permissions.can_view_poll(current_user, poll):
        if current_user.is_authenticated and poll.body is not None and poll.body.visibility is Visibility.CONFIDENTIAL:
            abort(404)
        require(False)
    return poll


@bp.route("/")
@login_required
def index():
    page = paginate(services.managed_polls_query(current_user), request.args.get("page", 1, type=int))
    return render_template(
        "polls/index.html",
        invited=services.invited_polls(current_user),
        page=page,
        may_create=permissions.can_start_polls(current_user),
        deadline_text=lambda poll: services.local_text(poll.deadline, poll.timezone),
    )


def _poll_form() -> PollForm:
    form = PollForm()
    form.timezone.choices = timezone_names()
    bodies = services.body_choices(current_user)
    none_label = _("No body: an event for the people and organisations chosen below")
    form.body_id.choices = id_choices(bodies, none_label if permissions.can_create_poll(current_user, None) else None)
    form.accounts.choices = id_choices(account_choices())
    form.organisations.choices = id_choices(services.organisation_choices())
    return form


def _poll_data(form: PollForm) -> services.PollData:
    return services.PollData(
        title=form.title.data or "",
        description=form.description.data or "",
        meeting_kind=MeetingKind(form.meeting_kind.data),
        duration_minutes=form.duration_minutes.data,
        timezone=form.timezone.data,
        slots=form.slot_inputs(),
        deadline_day=form.deadline_day.data,
        deadline_time=form.deadline_time.data,
        body=get_body_by_id(form.body_id.data),
        accounts=services.accounts_by_ids(form.accounts.data or []),
        organisations=services.organisations_by_ids(form.organisations.data or []),
    )


@bp.route("/create", methods=["GET", "POST"])
def create():
    require(permissions.can_start_polls(current_user))
    form = _poll_form()
    if request.method == "GET":
        body_code = request.args.get("body", "")
        body = load_body(body_code) if body_code else None
        if body is not None:
            require(permissions.can_create_poll(current_user, body))
            form.body_id.data = body.id
            form.title.data = _("First meeting of %(body)s", body=body.name)
    elif "more_rows" in request.form:
        form.add_rows()
        return render_template("polls/form.html", form=form)
    if form.validate_on_submit():
        data = _poll_data(form)
        require(permissions.can_create_poll(current_user, data.body))
        try:
            poll = services.create_poll(current_user, data)
        except DomainError as error:
            form.attach(error)
        else:
            count = len(poll.invitees)
            flash(ngettext("The poll has been created and %(num)d invitation sent.",
                           "The poll has been created and %(num)d invitations sent.", count), "success")
            return redirect(url_for("polls.detail", poll_id=poll.id))
    return render_template("polls/form.html", form=form)


@bp.route("/<int:poll_id>")
def detail(poll_id: int):
    poll = load_poll(poll_id)
    table = services.results(poll) if permissions.can_view_poll_results(current_user, poll) else None
    row = table.row_of(current_user.id) if table is not None else None
    return render_template(
        "polls/detail.html",
        poll=poll,
        results=table,
        my_row=row,
        when=lambda slot: services.slot_text(poll, slot, current_user.timezone),
        deadline=services.local_text(poll.deadline, poll.timezone),
        slot_short=lambda slot: services.slot_short(poll, slot),
        choices=services.CHOICE_ORDER,
        choice_text=services.choice_text,
        answerable=_answerable(poll),
        may_manage=permissions.can_manage_poll(current_user, poll),
    )


def _answerable(poll: Poll) -> bool:
    try:
        services.ensure_answerable(poll)
    except ConflictError:
        return False
    return True


def _answer_page(invitee: PollInvitee, done_url: str, via_link: bool):
    """The answer form for one invitee; a closed poll or a passed deadline is a 409 page."""
    poll = invitee.poll
    services.ensure_answerable(poll)
    slots = list(poll.slots)
    form = answer_form(slots, services.answers_of(invitee), invitee.comment)
    if form.validate_on_submit():
        try:
            services.answer_poll(invitee, chosen_answers(form, slots), form.comment.data or "")
        except DomainError as error:
            attach_error(form, error)
        else:
            flash(_("Thank you. Your answers have been saved; you can change them until the deadline."), "success")
            return redirect(done_url), 303
    reader_zone = invitee.account.timezone or poll.timezone
    return render_template(
        "polls/answer.html",
        poll=poll,
        invitee=invitee,
        form=form,
        slots=slots,
        when=lambda slot: services.slot_text(poll, slot, reader_zone),
        deadline=services.local_text(poll.deadline, poll.timezone),
        symbols=services.SYMBOLS,
        via_link=via_link,
    )


@bp.route("/<int:poll_id>/answer", methods=["GET", "POST"])
def answer(poll_id: int):
    poll = load_poll(poll_id)
    require(permissions.can_answer_poll(current_user, poll))
    invitee = services.my_invitee(poll, current_user)
    if invitee is None:  # pragma: no cover - can_answer_poll found the invitation
        abort(403)
    return _answer_page(invitee, url_for("polls.detail", poll_id=poll.id), via_link=False)


@bp.route("/answer/<token>", methods=["GET", "POST"])
def answer_by_link(token: str):
    """The link in the mail: answer without logging in; the signature names the poll and the invitee."""
    invitee = services.invitee_for_token(token)
    if invitee is None:
        return render_template("polls/invalid_link.html"), 404, PRIVATE_HEADERS
    response = _answer_page(invitee, url_for("polls.answer_by_link", token=token), via_link=True)
    if isinstance(response, tuple):
        return (*response, PRIVATE_HEADERS)
    return response, 200, PRIVATE_HEADERS


@bp.route("/<int:poll_id>/results.csv")
def results_csv(poll_id: int):
    poll = load_poll(poll_id)
    require(permissions.can_view_poll_results(current_user, poll))
    response = Response(services.results_csv(poll), mimetype="text/csv")
    response.headers["Content-Type"] = "text/csv; charset=utf-8"
    response.headers["Content-Disposition"] = f'attachment; filename="poll-{poll.id}.csv"'
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.route("/<int:poll_id>/close/<int:slot_id>", methods=["GET", "POST"])
def close(poll_id: int, slot_id: int):
    poll = load_poll(poll_id)
    require(permissions.can_manage_poll(current_user, poll))
    slot = services.get_slot(poll, slot_id)
    if slot is None:
        abort(404)
    services.ensure_open(poll)
    form = CloseForm()
    if request.method == "GET":
        form.title.data = poll.title
        form.description.data = poll.description
    preview = services.close_preview(poll, slot)
    if form.validate_on_submit():
        try:
            report = services.close_poll(
                current_user,
                poll,
                slot,
                services.CloseData(
                    title=form.title.data or "",
                    location=form.location.data or "",
                    online_url=form.online_url.data or "",
                    description=form.description.data or "",
                ),
                confirm_short_notice=bool(form.confirm_short_notice.data),
            )
        except DomainError as error:
            attach_error(form, error)
        else:
            count = len(report.invitations.invited)
            flash(ngettext("The poll is closed. The meeting has been created and %(num)d invitation sent.",
                           "The poll is closed. The meeting has been created and %(num)d invitations sent.", count),
                  "success")
            return redirect(url_for("meetings.detail", meeting_id=report.meeting.id))
    return render_template(
        "polls/close.html",
        poll=poll,
        slot=slot,
        form=form,
        when=services.slot_text(poll, slot, current_user.timezone),
        **preview,
    )
