"""Routes for logging in and out, accepting invitations and resetting passwords."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from app.auth import services
from app.auth.forms import LoginForm, RequestResetForm, SetPasswordForm
from app.errors import DomainError
from app.extensions import limiter
from app.forms import attach_error
from app.urls import safe_next_url

bp = Blueprint("auth", __name__)


def _login_limit() -> str:
    return current_app.config["LOGIN_RATE_LIMIT"]


def _failed_attempt(response) -> bool:  # only failed attempts count towards the limit
    return request.method == "POST" and response.status_code != 302


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"], deduct_when=_failed_attempt)
def login():
    if current_user.is_authenticated:
        return redirect(url_for("main.index"))
    form = LoginForm()
    if form.validate_on_submit():
        try:
            account = services.authenticate(form.email.data, form.password.data)
        except DomainError as error:
            attach_error(form, error)
        else:
            login_user(account, remember=form.remember.data)
            return redirect(safe_next_url(request.args.get("next")) or url_for("main.index"))
    return render_template("auth/login.html", form=form)


@bp.route("/logout", methods=["POST"])
@login_required
def logout():
    logout_user()
    flash(_("You have been logged out."), "success")
    return redirect(url_for("auth.login"))


@bp.route("/reset", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"])
def request_reset():
    form = RequestResetForm()
    if form.validate_on_submit():
        services.request_password_reset(form.email.data)
        # The same answer whether the address is known or not, so the page reveals no accounts.
        flash(_("If an account exists for this address, we have sent it a link to set a new password."), "info")
        return redirect(url_for("auth.login"))
    return render_template("auth/request_reset.html", form=form)


@bp.route("/reset/<token>", methods=["GET", "POST"])
def reset_password(token: str):
    if services.reset_account(token) is None:
        return _invalid_link()
    form = SetPasswordForm()
    if form.validate_on_submit():
        try:
            services.reset_password(token, form.password.data)
        except DomainError as error:
            attach_error(form, error)
        else:
            logout_user()
            flash(_("Your password has been changed. Please log in."), "success")
            return redirect(url_for("auth.login"))
    return render_template("auth/set_password.html", form=form, purpose="reset")


@bp.route("/invitation/<token>", methods=["GET", "POST"])
def accept_invitation(token: str):
    account = services.invitation_account(token)
    if account is None:
        return _invalid_link()
    form = SetPasswordForm()
    if form.validate_on_submit():
        try:
            services.accept_invitation(token, form.password.data)
        except DomainError as error:
            attach_error(form, error)
        else:
            logout_user()
            flash(_("Welcome to Koop! Your password is set; please log in."), "success")
            return redirect(url_for("auth.login"))
    return render_template("auth/set_password.html", form=form, purpose="invitation", account=account)


def _invalid_link():
    # Unknown, forged, expired and used links get the same answer: nothing to learn from guessing.
    return render_template("auth/invalid_link.html"), 404
