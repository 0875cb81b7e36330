"""Routes of app/actions: creating and editing action items, closing and reopening them, a person's list and a
body's list."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app import permissions
from app.actions import services
from app.actions.forms import ActionItemForm, StatusForm, assignee_value
from app.bodies.services import ensure_not_dissolved
from app.clock import today
from app.errors import DomainError
from app.forms import attach_error
from app.guards import require
from app.loaders import load_body, load_meeting
from app.models import ActionItem, ActionItemStatus, Visibility
from app.queries import paginate
from app.urls import safe_next_url

bp = Blueprint("actions", __name__)

# The lists' status filter: open items unless another status or "all" is chosen.
ALL = "all"


def load_action_item(action_item_id: int) -> ActionItem:
    """The item, or 404; an item of a confidential body the viewer cannot see is 404 as well (not even its
    existence shows), one of an internal body asks anonymous visitors to log in."""
    action_item = services.get_action_item(action_item_id)
    if action_item is None:
        abort(404)
    if not permissions.can_view_body(current_user, action_item.body):
        if action_item.body.visibility is Visibility.CONFIDENTIAL:
            abort(404)
        require(False)
    return action_item


def _status_filter() -> tuple[str, ActionItemStatus | None]:
    """The chosen filter value and the status it stands for (None: all); anything unknown means open."""
    value = request.args.get("status", ActionItemStatus.OPEN.value)
    if value == ALL:
        return ALL, None
    if value not in ActionItemStatus._value2member_map_:
        value = ActionItemStatus.OPEN.value
    return value, ActionItemStatus(value)


def _back(default: str) -> str:
    return safe_next_url(request.values.get("next")) or default


@bp.route("/")
def index():
    require(permissions.is_logged_in(current_user))
    chosen, status = _status_filter()
    day = today()
    page = paginate(services.my_action_items_query(current_user, day, status), request.args.get("page", 1, type=int))
    return render_template("actions/index.html", page=page, today=day, chosen=chosen)


@bp.route("/bodies/<body_code>")
def body(body_code: str):
    body = load_body(body_code)
    require(permissions.can_view_action_items(current_user, body))
    chosen, status = _status_filter()
    day = today()
    page = paginate(services.body_action_items_query(body, day, status), request.args.get("page", 1, type=int))
    return render_template("actions/body.html", body=body, page=page, today=day, chosen=chosen)


@bp.route("/new", methods=["GET", "POST"])
def create():
    meeting_id = request.args.get("meeting", type=int)
    if meeting_id is None:
        abort(404)
    meeting = load_meeting(meeting_id)
    source = services.get_source(meeting, request.args.get("item", type=int), request.args.get("decision", type=int))
    if meeting.body is None or source is None:
        abort(404)
    agenda_item, decision = source
    if agenda_item is not None and not permissions.can_view_agenda_item(current_user, agenda_item):
        abort(404)  # a hidden non-public item is not there, as on the agenda
    require(permissions.can_manage_action_items(current_user, meeting.body))
    services.ensure_takes_items(meeting)
    form = ActionItemForm()
    form.offer(services.assignee_choices(meeting.body))
    if form.validate_on_submit():
        try:
            services.create_action_item(
                current_user, meeting, form.data_for_service(), today(), agenda_item=agenda_item, decision=decision
            )
        except DomainError as error:
            attach_error(form, error)
        else:
            flash(_("The action item has been added."), "success")
            return redirect(_back(url_for("actions.body", body_code=meeting.body.code)))
    return render_template(
        "actions/form.html",
        form=form,
        meeting=meeting,
        agenda_item=agenda_item,
        decision=decision,
        action_item=None,
        cancel=_back(url_for("meetings.detail", meeting_id=meeting.id)),
    )


@bp.route("/<int:action_item_id>/edit", methods=["GET", "POST"])
def edit(action_item_id: int):
    action_item = load_action_item(action_item_id)
    require(permissions.can_manage_action_items(current_user, action_item.body))
    ensure_not_dissolved(action_item.body)
    form = ActionItemForm(obj=action_item)
    form.offer(services.assignee_choices(action_item.body, action_item))
    if request.method == "GET":
        form.assignee.data = assignee_value(action_item)
    if form.validate_on_submit():
        try:
            services.update_action_item(current_user, action_item, form.data_for_service(), today())
        except DomainError as error:
            attach_error(form, error)
        else:
            flash(_("The action item has been saved."), "success")
            return redirect(_back(url_for("actions.body", body_code=action_item.body.code)))
    return render_template(
        "actions/form.html",
        form=form,
        meeting=action_item.meeting,
        agenda_item=action_item.agenda_item,
        decision=action_item.decision,
        action_item=action_item,
        cancel=_back(url_for("actions.body", body_code=action_item.body.code)),
    )


@bp.route("/<int:action_item_id>/status", methods=["POST"])
def status(action_item_id: int):
    action_item = load_action_item(action_item_id)
    require(permissions.can_change_action_item_status(current_user, action_item))
    form = StatusForm()
    chosen = form.chosen_status() if form.validate_on_submit() else None
    if chosen is None:
        abort(400)
    if services.change_status(current_user, action_item, chosen):
        messages = {
            ActionItemStatus.DONE: _("The action item is done."),
            ActionItemStatus.DROPPED: _("The action item has been dropped."),
            ActionItemStatus.OPEN: _("The action item is open again."),
        }
        flash(messages[chosen], "success")
    return redirect(_back(url_for("actions.index")))
