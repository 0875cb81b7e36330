"""Routes of accounts: the admin list and edit pages, invitations, and the own profile."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app import permissions
from app.accounts import services
from app.accounts.forms import NO_ORGANISATION, AccountForm, ProfileForm
from app.errors import DomainError
from app.extensions import db
from app.forms import attach_error, id_choices
from app.guards import require
from app.i18n import timezone_names
from app.models import Account, GlobalRole
from app.organisations.services import get_organisation, organisation_choices
from app.queries import paginate

bp = Blueprint("accounts", __name__)

STATUS_FILTERS = {"active": True, "inactive": False}


def _load(account_id: int) -> Account:
    return db.get_or_404(Account, account_id)


def _with_organisations(form: AccountForm) -> AccountForm:
    form.organisation_id.choices = id_choices(organisation_choices(), none_label=_("(none)"))
    return form


@bp.route("/")
def index():
    require(permissions.can_list_accounts(current_user))
    role = request.args.get("role", "")
    status = request.args.get("status", "")
    search = request.args.get("q", "")[:100]
    query = services.accounts_query(
        search=search,
        role=GlobalRole(role) if role in GlobalRole._value2member_map_ else None,
        active=STATUS_FILTERS.get(status),
    )
    page = paginate(query, request.args.get("page", 1, type=int))
    return render_template(
        "accounts/index.html", page=page, search=search, role=role, status=status, roles=list(GlobalRole)
    )


@bp.route("/invite", methods=["GET", "POST"])
def invite():
    require(permissions.can_invite_accounts(current_user))
    form = _with_organisations(AccountForm())
    if not permissions.is_admin(current_user):
        del form.role
    if form.validate_on_submit():
        try:
            account = services.invite_account(
                current_user,
                display_name=form.display_name.data,
                email=form.email.data,
                organisation=get_organisation(form.organisation_id.data),
                role=GlobalRole(form.role.data) if form.role else GlobalRole.NONE,
                locale=form.locale.data,
            )
        except DomainError as error:
            attach_error(form, error)
        else:
            flash(_("%(name)s has been invited by email.", name=account.display_name), "success")
            back = "accounts.index" if permissions.can_list_accounts(current_user) else "main.index"
            return redirect(url_for(back))
    return render_template("accounts/invite.html", form=form)


@bp.route("/<int:account_id>/edit", methods=["GET", "POST"])
def edit(account_id: int):
    account = _load(account_id)
    require(permissions.can_edit_account(current_user, account))
    form = _with_organisations(AccountForm(obj=account))
    del form.locale
    if request.method == "GET":
        form.organisation_id.data = account.organisation_id or NO_ORGANISATION
        form.role.data = account.role.value
    if form.validate_on_submit():
        try:
            services.update_account(
                current_user,
                account,
                display_name=form.display_name.data,
                email=form.email.data,
                organisation=get_organisation(form.organisation_id.data),
                role=GlobalRole(form.role.data),
            )
        except DomainError as error:
            attach_error(form, error)
        else:
            flash(_("The account has been saved."), "success")
            return redirect(url_for("accounts.index"))
    return render_template("accounts/edit.html", form=form, account=account)


@bp.route("/<int:account_id>/deactivate", methods=["POST"])
def deactivate(account_id: int):
    return _set_active(account_id, False)


@bp.route("/<int:account_id>/reactivate", methods=["POST"])
def reactivate(account_id: int):
    return _set_active(account_id, True)


def _set_active(account_id: int, active: bool):
    account = _load(account_id)
    require(permissions.can_change_activation(current_user, account))
    services.set_active(current_user, account, active)
    if active:
        flash(_("%(name)s can log in again.", name=account.display_name), "success")
    else:
        flash(_("%(name)s has been deactivated and logged out everywhere.", name=account.display_name), "success")
    return redirect(url_for("accounts.edit", account_id=account.id))


@bp.route("/<int:account_id>/invitation", methods=["POST"])
def resend_invitation(account_id: int):
    account = _load(account_id)
    require(permissions.can_invite_accounts(current_user))
    try:
        services.resend_invitation(current_user, account)
    except DomainError as error:
        flash(error.message, "danger")
    else:
        flash(_("A new invitation has been sent to %(email)s.", email=account.email), "success")
    if permissions.can_edit_account(current_user, account):
        return redirect(url_for("accounts.edit", account_id=account.id))
    return redirect(url_for("main.index"))


@bp.route("/profile", methods=["GET", "POST"])
@login_required
def profile():
    form = ProfileForm(obj=current_user)
    form.timezone.choices = timezone_names()
    if form.validate_on_submit():
        try:
            services.update_profile(current_user, form.display_name.data, form.locale.data, form.timezone.data)
        except DomainError as error:
            attach_error(form, error)
        else:
            flash(_("Your profile has been saved."), "success")
            return redirect(url_for("accounts.profile"))
    return render_template("accounts/profile.html", form=form)
