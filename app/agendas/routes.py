"""Routes of agendas: a meeting's agenda page, adding, editing, deleting and moving items, standard agendas."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app import permissions
from app.agendas import services
from app.agendas.forms import ItemForm, StandardAgendaForm
from app.agendas.loaders import load_item
from app.bodies.services import ensure_not_dissolved
from app.errors import DomainError
from app.forms import attach_error
from app.guards import require
from app.loaders import load_body, load_meeting
from app.models import AgendaItem, Meeting
from app.urls import safe_next_url

bp = Blueprint("agendas", __name__)


def _back(meeting: Meeting, item: AgendaItem | None = None) -> str:
    """Where an agenda change returns to: the page it came from (if on this site), else the agenda page."""
    target = safe_next_url(request.form.get("next")) or url_for("agendas.detail", meeting_id=meeting.id)
    return f"{target}#item-{item.id}" if item is not None and "#" not in target else target


def _item_data(form: ItemForm) -> services.ItemData:
    return services.ItemData(
        title=form.title.data or "",
        description=form.description.data or "",
        public=bool(form.public.data),
        presenter=form.presenter.data or "",
        planned_minutes=form.planned_minutes.data,
    )


@bp.route("/<int:meeting_id>")
def detail(meeting_id: int):
    meeting = load_meeting(meeting_id)
    return render_template(
        "agendas/detail.html",
        meeting=meeting,
        items=services.numbered_agenda(meeting, current_user),
        can_edit=permissions.can_edit_agenda(current_user, meeting),
    )


@bp.route("/<int:meeting_id>/items/add", methods=["GET", "POST"])
def create(meeting_id: int):
    meeting = load_meeting(meeting_id)
    require(permissions.can_manage_meeting(current_user, meeting))
    services.ensure_editable(meeting)
    parent_id = request.args.get("parent", type=int)
    parent = load_item(meeting, parent_id) if parent_id is not None else None
    form = ItemForm()
    if form.validate_on_submit():
        try:
            item = services.add_item(current_user, meeting, _item_data(form), parent)
        except DomainError as error:
            attach_error(form, error)
        else:
            flash(_("The item %(title)s has been added.", title=item.title), "success")
            return redirect(_back(meeting, item))
    return render_template("agendas/item_form.html", form=form, meeting=meeting, item=None, parent=parent)


@bp.route("/<int:meeting_id>/items/<int:item_id>/edit", methods=["GET", "POST"])
def edit(meeting_id: int, item_id: int):
    meeting = load_meeting(meeting_id)
    item = load_item(meeting, item_id)
    require(permissions.can_manage_meeting(current_user, meeting))
    services.ensure_editable(meeting)
    form = ItemForm(obj=item)
    if form.validate_on_submit():
        try:
            services.update_item(current_user, item, _item_data(form))
        except DomainError as error:
            attach_error(form, error)
        else:
            flash(_("The item has been saved."), "success")
            return redirect(_back(meeting, item))
    return render_template(
        "agendas/item_form.html",
        form=form,
        meeting=meeting,
        item=item,
        parent=item.parent,
        attachments=services.item_attachments(item),
    )


@bp.route("/<int:meeting_id>/items/<int:item_id>/delete", methods=["POST"])
def delete(meeting_id: int, item_id: int):
    meeting = load_meeting(meeting_id)
    item = load_item(meeting, item_id)
    require(permissions.can_manage_meeting(current_user, meeting))
    title = item.title
    services.delete_item(current_user, item)
    flash(_("The item %(title)s has been deleted.", title=title), "success")
    return redirect(url_for("agendas.detail", meeting_id=meeting.id))


def _move(meeting_id: int, item_id: int, direction: str):
    meeting = load_meeting(meeting_id)
    item = load_item(meeting, item_id)
    require(permissions.can_manage_meeting(current_user, meeting))
    services.move_item(current_user, item, "up" if direction == "up" else "down")
    return redirect(_back(meeting, item))


@bp.route("/<int:meeting_id>/items/<int:item_id>/up", methods=["POST"])
def move_up(meeting_id: int, item_id: int):
    return _move(meeting_id, item_id, "up")


@bp.route("/<int:meeting_id>/items/<int:item_id>/down", methods=["POST"])
def move_down(meeting_id: int, item_id: int):
    return _move(meeting_id, item_id, "down")


@bp.route("/standard/<body_code>", methods=["GET", "POST"])
def standard(body_code: str):
    body = load_body(body_code)
    require(permissions.can_edit_standard_agenda(current_user, body))
    ensure_not_dissolved(body)
    form = StandardAgendaForm()
    if request.method == "GET":
        form.standard_agenda.data = "\n".join(services.standard_agenda(body))
    if form.validate_on_submit():
        try:
            services.update_standard_agenda(current_user, body, form.standard_agenda.data or "")
        except DomainError as error:
            attach_error(form, error)
        else:
            flash(_("The standard agenda has been saved."), "success")
            return redirect(url_for("bodies.detail", body_code=body.code))
    return render_template("agendas/standard.html", form=form, body=body, default_agenda=services.DEFAULT_AGENDA)
