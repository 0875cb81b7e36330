"""Routes of organisations: list with filters, detail, create and edit."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app import permissions
from app.errors import DomainError
from app.extensions import db
from app.forms import attach_error, id_choices
from app.guards import require
from app.models import Organisation, OrganisationKind, OrganisationLevel
from app.organisations import services
from app.organisations.forms import NO_PARENT, OrganisationForm
from app.queries import paginate

bp = Blueprint("organisations", __name__)


def _load(organisation_id: int) -> Organisation:
    return db.get_or_404(Organisation, organisation_id)


def _form_for(organisation: Organisation | None) -> OrganisationForm:
    form = OrganisationForm(obj=organisation)
    others = [row for row in services.organisation_choices() if organisation is None or row[0] != organisation.id]
    form.parent_id.choices = id_choices(others, none_label=_("(none)"))
    if request.method == "GET" and organisation is not None:
        form.parent_id.data = organisation.parent_id or NO_PARENT
        form.kind.data = organisation.kind.value
        form.level.data = organisation.level.value
    return form


def _data(form: OrganisationForm) -> services.OrganisationData:
    return services.OrganisationData(
        name=form.name.data,
        short_name=form.short_name.data or "",
        kind=OrganisationKind(form.kind.data),
        level=OrganisationLevel(form.level.data),
        ags=form.ags.data,
        parent=services.get_organisation(form.parent_id.data),
    )


@bp.route("/")
def index():
    require(permissions.can_view_organisations(current_user))
    search = request.args.get("q", "")[:100]
    level = request.args.get("level", "")
    kind = request.args.get("kind", "")
    query = services.organisations_query(
        search=search,
        level=OrganisationLevel(level) if level in OrganisationLevel._value2member_map_ else None,
        kind=OrganisationKind(kind) if kind in OrganisationKind._value2member_map_ else None,
    )
    page = paginate(query, request.args.get("page", 1, type=int))
    return render_template(
        "organisations/index.html",
        page=page,
        search=search,
        level=level,
        kind=kind,
        levels=list(OrganisationLevel),
        kinds=list(OrganisationKind),
    )


@bp.route("/<int:organisation_id>")
def detail(organisation_id: int):
    require(permissions.can_view_organisations(current_user))
    organisation = _load(organisation_id)
    return render_template("organisations/detail.html", organisation=organisation)


@bp.route("/create", methods=["GET", "POST"])
def create():
    require(permissions.can_manage_organisations(current_user))
    form = _form_for(None)
    if form.validate_on_submit():
        try:
            organisation = services.create_organisation(_data(form), actor=current_user)
        except DomainError as error:
            attach_error(form, error)
        else:
            flash(_("%(name)s has been created.", name=organisation.name), "success")
            return redirect(url_for("organisations.detail", organisation_id=organisation.id))
    return render_template("organisations/form.html", form=form, organisation=None)


@bp.route("/<int:organisation_id>/edit", methods=["GET", "POST"])
def edit(organisation_id: int):
    organisation = _load(organisation_id)
    require(permissions.can_manage_organisations(current_user))
    form = _form_for(organisation)
    if form.validate_on_submit():
        try:
            services.update_organisation(organisation, _data(form), actor=current_user)
        except DomainError as error:
            attach_error(form, error)
        else:
            flash(_("%(name)s has been saved.", name=organisation.name), "success")
            return redirect(url_for("organisations.detail", organisation_id=organisation.id))
    return render_template("organisations/form.html", form=form, organisation=organisation)
