"""Forms of logging in, setting and resetting passwords."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField
from wtforms.validators import Email, EqualTo, InputRequired, Length

from app.auth.passwords import MIN_PASSWORD_LENGTH


class LoginForm(FlaskForm):
    email = EmailField(
        _l("Email address"), validators=[InputRequired(), Length(max=254)], render_kw={"autocomplete": "username"}
    )
    password = PasswordField(
        _l("Password"), validators=[InputRequired(), Length(max=1000)], render_kw={"autocomplete": "current-password"}
    )
    remember = BooleanField(_l("Stay logged in on this device"))


class RequestResetForm(FlaskForm):
    email = EmailField(
        _l("Email address"),
        validators=[InputRequired(), Length(max=254), Email(check_deliverability=False)],
        render_kw={"autocomplete": "email"},
    )


class SetPasswordForm(FlaskForm):
    password = PasswordField(
        _l("New password"),
        render_kw={"autocomplete": "new-password"},
        description=_l("At least %(count)d characters.", count=MIN_PASSWORD_LENGTH),
        validators=[
            InputRequired(),
            # Two checks: WTForms' own "between 10 and 1000 characters" hides the bound that matters.
            Length(
                min=MIN_PASSWORD_LENGTH,
                message=_l("The password must have at least %(count)d characters.", count=MIN_PASSWORD_LENGTH),
            ),
            Length(max=1000),
        ],
    )
    confirm = PasswordField(
        _l("Repeat the new password"),
        render_kw={"autocomplete": "new-password"},
        validators=[InputRequired(), EqualTo("password", message=_l("The two passwords differ."))],
    )
