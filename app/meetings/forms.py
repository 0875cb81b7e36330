"""Forms for meetings and events."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    HiddenField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
    TimeField,
)
from wtforms.validators import URL, InputRequired, Length, Optional

from app.i18n import choices
from app.models import MeetingKind, MeetingStatus


class MeetingForm(FlaskForm):
    kind = SelectField(_l("Kind"), choices=choices(MeetingKind), default=MeetingKind.MEETING.value)
    title = StringField(_l("Title"), validators=[InputRequired(), Length(max=200)])
    start_day = DateField(_l("Date"), validators=[InputRequired()])
    start_time = TimeField(_l("Start time"), validators=[Optional()])
    end_day = DateField(_l("Last day"), description=_l("Only for meetings over several days."), validators=[Optional()])
    end_time = TimeField(_l("End time"), validators=[Optional()])
    all_day = BooleanField(_l("All day (no times)"))
    timezone = SelectField(
        _l("Time zone"), description=_l("Start and end are entered in this zone."), default="Europe/Berlin", choices=[]
    )
    location = StringField(_l("Place"), description=_l("Address and room."), validators=[Optional(), Length(max=300)])
    online_url = StringField(
        _l("Online link"),
        description=_l("Video conference link, starting with https://"),
        validators=[
            Optional(),
            Length(max=500),
            URL(require_tld=False, message=_l("Please enter a full web address.")),
        ],
    )
    description = TextAreaField(_l("Description"), validators=[Optional(), Length(max=20000)])
    public = BooleanField(_l("Public event: everyone can see its page, without login"))
    linked_bodies = SelectMultipleField(_l("Bodies this event starts"), coerce=int, choices=[], validators=[Optional()])


class StatusForm(FlaskForm):
    status = HiddenField(validators=[InputRequired()])
    reason = StringField(_l("Reason for the cancellation"), validators=[Optional(), Length(max=500)])

    def chosen_status(self) -> MeetingStatus | None:
        value = self.status.data or ""
        return MeetingStatus(value) if value in MeetingStatus._value2member_map_ else None
