"""Forms of event registration."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, DateField, IntegerField, SelectMultipleField, TimeField
from wtforms.validators import NumberRange, Optional


class RegistrationSettingsForm(FlaskForm):
    registration_enabled = BooleanField(_l("Registration is open"))
    capacity = IntegerField(
        _l("Capacity"),
        description=_l("Seats in total. Leave empty for no limit."),
        validators=[Optional(), NumberRange(min=1, max=100000, message=_l("Please enter a number of at least 1."))],
    )
    deadline_day = DateField(
        _l("Registration deadline (day)"),
        description=_l("In the time zone of the event. Leave empty to take registrations until the event starts."),
        validators=[Optional()],
    )
    deadline_time = TimeField(_l("Registration deadline (time)"), validators=[Optional()])
    organisations = SelectMultipleField(
        _l("Who may register"),
        description=_l("Choose organisations to open registration to their people only. None chosen: every account."),
        coerce=int,
        choices=[],
        validators=[Optional()],
    )
    seats_per_organisation = IntegerField(
        _l("Seats per organisation"),
        description=_l(
            "At most this many people of one organisation get a seat; others wait. Leave empty for no limit."
        ),
        validators=[Optional(), NumberRange(min=1, max=100000, message=_l("Please enter a number of at least 1."))],
    )
