"""Forms for accounts and profiles."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, SelectField, StringField
from wtforms.validators import Email, InputRequired, Length

from app.i18n import choices, language_choices
from app.models import GlobalRole

NO_ORGANISATION = 0


class AccountForm(FlaskForm):
    """Invite a person, or (for admins) edit an account."""

    display_name = StringField(_l("Name"), validators=[InputRequired(), Length(max=120)])
    email = EmailField(
        _l("Email address"),
        description=_l("The person logs in with this address."),
        validators=[InputRequired(), Length(max=254), Email(check_deliverability=False)],
    )
    organisation_id = SelectField(_l("Organisation"), coerce=int, choices=[])
    role = SelectField(_l("Global role"), choices=choices(GlobalRole), default=GlobalRole.NONE.value)
    locale = SelectField(_l("Language of the invitation"), choices=language_choices(), default="de")


class ProfileForm(FlaskForm):
    display_name = StringField(_l("Name"), validators=[InputRequired(), Length(max=120)])
    locale = SelectField(_l("Language"), choices=language_choices())
    timezone = SelectField(_l("Time zone"), description=_l("Times are shown in this zone."), choices=[])
