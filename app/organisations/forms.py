"""Forms for organisations."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField
from wtforms.validators import InputRequired, Length, Optional, Regexp

from app.i18n import choices
from app.models import OrganisationKind, OrganisationLevel

NO_PARENT = 0


class OrganisationForm(FlaskForm):
    name = StringField(_l("Name"), validators=[InputRequired(), Length(max=200)])
    short_name = StringField(_l("Short name"), validators=[Optional(), Length(max=50)])
    kind = SelectField(_l("Kind"), choices=choices(OrganisationKind))
    level = SelectField(_l("Level"), choices=choices(OrganisationLevel))
    ags = StringField(
        _l("Official key (AGS)"),
        description=_l("Digits only: 2 to 8 digits, e.g. 10041 for the Regionalverband Saarbrücken."),
        validators=[Optional(), Length(max=8), Regexp(r"^\d*$", message=_l("Digits only, please."))],
    )
    parent_id = SelectField(
        _l("Belongs to"), description=_l("For a municipality: its district."), coerce=int, choices=[]
    )
