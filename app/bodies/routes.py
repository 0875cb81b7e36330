"""Routes of bodies: the tree, a body's page and history, create and edit, and its roster."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import format_date
from flask_babel import gettext as _
from flask_login import current_user

from app import permissions
from app.bodies import services
from app.bodies.forms import (
    NO_PARENT,
    PERSONS_ORGANISATION,
    BodyForm,
    EndMembershipForm,
    MembershipForm,
)
from app.clock import today
from app.errors import DomainError
from app.extensions import db
from app.forms import attach_error, id_choices
from app.guards import require
from app.loaders import load_body
from app.meetings.services import body_meetings_query, upcoming_meetings
from app.models import Body, BodyKind, BodyLevel, Membership, MembershipRole, QuorumRule, Visibility
from app.organisations.services import get_organisation, organisation_choices
from app.queries import paginate

bp = Blueprint("bodies", __name__)


def _load_membership(body: Body, membership_id: int) -> Membership:
    membership = db.get_or_404(Membership, membership_id)
    if membership.body_id != body.id:
        abort(404)
    return membership


@bp.route("/")
def index():
    kind = request.args.get("kind", "")
    level = request.args.get("level", "")
    mine = request.args.get("mine") == "1" and current_user.is_authenticated
    nodes = services.visible_tree(
        current_user,
        kind=BodyKind(kind) if kind in BodyKind._value2member_map_ else None,
        level=BodyLevel(level) if level in BodyLevel._value2member_map_ else None,
        mine=mine,
    )
    return render_template(
        "bodies/index.html",
        nodes=nodes,
        kind=kind,
        level=level,
        mine=mine,
        kinds=list(BodyKind),
        levels=list(BodyLevel),
    )


@bp.route("/<body_code>")
def detail(body_code: str):
    body = load_body(body_code)
    show_former = request.args.get("former") == "1"
    roster = services.roster(body, include_former=show_former)
    parent = body.parent if body.parent is not None and permissions.can_view_body(current_user, body.parent) else None
    return render_template(
        "bodies/detail.html",
        body=body,
        roster=roster,
        show_former=show_former,
        parity=services.parity_of(roster.current) if body.parity_required else None,
        children=services.visible_children(current_user, body),
        parent=parent,
        dissolved=body.is_dissolved(today()),
        upcoming=upcoming_meetings(body_meetings_query(body, upcoming=True)),
    )


@bp.route("/<body_code>/meetings")
def meetings(body_code: str):
    body = load_body(body_code)
    past = request.args.get("past") == "1"
    page = paginate(body_meetings_query(body, upcoming=not past), request.args.get("page", 1, type=int))
    return render_template("bodies/meetings.html", body=body, page=page, past=past)


@bp.route("/<body_code>/history")
def history(body_code: str):
    body = load_body(body_code)
    require(permissions.can_view_body_history(current_user, body))
    return render_template("bodies/history.html", body=body, entries=services.body_history(body))


def _body_form(body: Body | None) -> BodyForm:
    form = BodyForm(obj=body)
    form.parent_id.choices = id_choices(services.body_choices(exclude=body), none_label=_("(none)"))
    if request.method == "GET" and body is not None:
        form.parent_id.data = body.parent_id or NO_PARENT
        form.kind.data = body.kind.value
        form.level.data = body.level.value
        form.visibility.data = body.visibility.value
        form.quorum_rule.data = body.quorum_rule.value
    return form


def _body_data(form: BodyForm) -> services.BodyData:
    return services.BodyData(
        name=form.name.data,
        code=form.code.data,
        kind=BodyKind(form.kind.data),
        level=BodyLevel(form.level.data),
        parent=services.get_body_by_id(form.parent_id.data),
        mandate=form.mandate.data or "",
        visibility=Visibility(form.visibility.data),
        parity_required=form.parity_required.data,
        quorum_rule=QuorumRule(form.quorum_rule.data),
        founded_on=form.founded_on.data,
        dissolved_on=form.dissolved_on.data,
    )


@bp.route("/create", methods=["GET", "POST"])
def create():
    require(permissions.can_create_bodies(current_user))
    form = _body_form(None)
    if request.method == "GET" and request.args.get("parent", type=int):
        form.parent_id.data = request.args.get("parent", type=int)
    if form.validate_on_submit():
        try:
            body = services.create_body(current_user, _body_data(form))
        except DomainError as error:
            attach_error(form, error)
        else:
            flash(_("The body %(name)s has been created.", name=body.name), "success")
            return redirect(url_for("bodies.detail", body_code=body.code))
    return render_template("bodies/form.html", form=form, body=None)


@bp.route("/<body_code>/edit", methods=["GET", "POST"])
def edit(body_code: str):
    body = load_body(body_code)
    require(permissions.can_edit_body(current_user, body))
    services.ensure_not_dissolved(body)
    form = _body_form(body)
    if form.validate_on_submit():
        try:
            services.update_body(current_user, body, _body_data(form))
        except DomainError as error:
            attach_error(form, error)
        else:
            flash(_("The body has been saved."), "success")
            return redirect(url_for("bodies.detail", body_code=body.code))
    return render_template("bodies/form.html", form=form, body=body)


def _membership_form(body: Body, membership: Membership | None) -> MembershipForm:
    form = MembershipForm(obj=membership)
    form.account_id.choices = id_choices(services.account_choices())
    form.organisation_id.choices = id_choices(organisation_choices(), none_label=_("The person's own organisation"))
    if request.method == "GET":
        if membership is None:
            form.start_on.data = today()
        else:
            form.role.data = membership.role.value
            form.organisation_id.data = membership.organisation_id or PERSONS_ORGANISATION
    return form


def _membership_data(form: MembershipForm) -> services.MembershipData:
    return services.MembershipData(
        account=services.get_account(form.account_id.data),
        role=MembershipRole(form.role.data),
        organisation=get_organisation(form.organisation_id.data),
        voting=form.voting.data,
        start_on=form.start_on.data,
        end_on=form.end_on.data,
    )


@bp.route("/<body_code>/members/add", methods=["GET", "POST"])
def add_member(body_code: str):
    body = load_body(body_code)
    require(permissions.can_manage_roster(current_user, body))
    services.ensure_not_dissolved(body)
    form = _membership_form(body, None)
    if form.validate_on_submit():
        try:
            membership = services.add_membership(current_user, body, _membership_data(form))
        except DomainError as error:
            attach_error(form, error)
        else:
            flash(_("%(name)s has been added.", name=membership.account.display_name), "success")
            return redirect(url_for("bodies.detail", body_code=body.code))
    roster = services.roster(body)
    parity = services.parity_of(roster.current) if body.parity_required else None
    return render_template("bodies/membership_form.html", form=form, body=body, membership=None, parity=parity)


@bp.route("/<body_code>/members/<int:membership_id>/edit", methods=["GET", "POST"])
def edit_member(body_code: str, membership_id: int):
    body = load_body(body_code)
    membership = _load_membership(body, membership_id)
    require(permissions.can_manage_roster(current_user, body))
    services.ensure_not_dissolved(body)
    form = _membership_form(body, membership)
    end_form = EndMembershipForm(end_on=today())
    if form.validate_on_submit():
        try:
            services.update_membership(current_user, membership, _membership_data(form))
        except DomainError as error:
            attach_error(form, error)
        else:
            flash(_("The membership has been saved."), "success")
            return redirect(url_for("bodies.detail", body_code=body.code))
    roster = services.roster(body)
    parity = services.parity_of(roster.current) if body.parity_required else None
    return render_template(
        "bodies/membership_form.html", form=form, end_form=end_form, body=body, membership=membership, parity=parity
    )


@bp.route("/<body_code>/members/<int:membership_id>/end", methods=["POST"])
def end_member(body_code: str, membership_id: int):
    body = load_body(body_code)
    membership = _load_membership(body, membership_id)
    require(permissions.can_manage_roster(current_user, body))
    form = EndMembershipForm()
    if form.validate_on_submit():
        try:
            services.end_membership(current_user, membership, form.end_on.data)
        except DomainError as error:
            flash(error.message, "danger")
            return redirect(url_for("bodies.edit_member", body_code=body.code, membership_id=membership.id))
        flash(
            _(
                "The membership of %(name)s ends on %(date)s.",
                name=membership.account.display_name,
                date=format_date(form.end_on.data),
            ),
            "success",
        )
        return redirect(url_for("bodies.detail", body_code=body.code))
    flash(_("Please enter a valid end date."), "danger")
    return redirect(url_for("bodies.edit_member", body_code=body.code, membership_id=membership.id))
