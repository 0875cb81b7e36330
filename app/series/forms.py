"""Forms for meeting series: the rule, "this and all following", and ending a series early."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    DateField,
    IntegerField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
    TimeField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import URL, InputRequired, Length, Optional

from app.models import SeriesFrequency
from app.series.services import WEEKDAYS, weekday_names

FREQUENCY_LABELS = {
    SeriesFrequency.WEEKLY.value: _l("Weekly: every n weeks on chosen weekdays"),
    SeriesFrequency.MONTHLY_NTH_WEEKDAY.value: _l("Monthly on a weekday, e.g. the second Tuesday"),
    SeriesFrequency.MONTHLY_DAY.value: _l("Monthly on a day of the month, e.g. the 15th"),
}
NTH_LABELS = {1: _l("first"), 2: _l("second"), 3: _l("third"), 4: _l("fourth"), -1: _l("last")}
ENDS_UNTIL, ENDS_COUNT = "until", "count"


def _weekday_choices() -> list[SelectChoice]:
    names = weekday_names()
    return [SelectChoice(code, names[code]) for code in WEEKDAYS]  # type: ignore[arg-type]


def _online_url_field() -> StringField:
    return StringField(
        _l("Online link"),
        description=_l("Video conference link, starting with https://"),
        validators=[
            Optional(),
            Length(max=500),
            URL(require_tld=False, message=_l("Please enter a full web address.")),
        ],
    )


class SeriesForm(FlaskForm):
    title = StringField(_l("Title"), validators=[InputRequired(), Length(max=200)])
    frequency = RadioField(
        _l("Repeats"),
        choices=[SelectChoice(value, label) for value, label in FREQUENCY_LABELS.items()],  # type: ignore[arg-type]
        default=SeriesFrequency.WEEKLY.value,
    )
    interval = IntegerField(
        _l("Every how many weeks or months"),
        description=_l("1 for every week (or month), 2 for every other one, up to 12."),
        default=1,
        validators=[InputRequired(message=_l("Please enter a whole number from 1 to 12."))],
    )
    weekdays = SelectMultipleField(_l("On these weekdays"), choices=[], validators=[Optional()])
    nth = SelectField(
        _l("Which one in the month"),
        coerce=int,
        choices=[SelectChoice(value, label) for value, label in NTH_LABELS.items()],  # type: ignore[arg-type]
        default=1,
    )
    nth_weekday = SelectField(_l("Weekday"), choices=[], default="MO")
    month_day = IntegerField(
        _l("Day of the month"),
        description=_l(
            "For a monthly series on a day of the month: from 1 to 31. Months without this day are skipped: "
            "the 31st skips February, April, June, September and November."
        ),
        validators=[Optional()],
    )
    first_day = DateField(_l("First meeting on or after"), validators=[InputRequired()])
    start_time = TimeField(_l("Start time"), validators=[InputRequired()])
    end_time = TimeField(_l("End time"), validators=[InputRequired()])
    timezone = SelectField(
        _l("Time zone"),
        description=_l("The meetings keep their local time when the clocks change."),
        default="Europe/Berlin",
        choices=[],
    )
    ends = RadioField(
        _l("Ends"),
        choices=[
            SelectChoice(ENDS_UNTIL, _l("On a last day")),  # type: ignore[arg-type]
            SelectChoice(ENDS_COUNT, _l("After a number of meetings")),  # type: ignore[arg-type]
        ],
        default=ENDS_UNTIL,
    )
    until_on = DateField(
        _l("Last day"), description=_l("When the series ends on a last day."), validators=[Optional()]
    )
    occurrence_count = IntegerField(
        _l("Number of meetings"),
        description=_l("When the series ends after a number of meetings: at most 100."),
        validators=[Optional()],
    )
    location = StringField(_l("Place"), description=_l("Address and room."), validators=[Optional(), Length(max=300)])
    online_url = _online_url_field()
    description = TextAreaField(_l("Description"), validators=[Optional(), Length(max=20000)])

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.weekdays.choices = _weekday_choices()
        self.nth_weekday.choices = _weekday_choices()


class FollowingForm(FlaskForm):
    title = StringField(_l("Title"), validators=[InputRequired(), Length(max=200)])
    start_time = TimeField(_l("Start time"), validators=[InputRequired()])
    end_time = TimeField(_l("End time"), validators=[InputRequired()])
    location = StringField(_l("Place"), description=_l("Address and room."), validators=[Optional(), Length(max=300)])
    online_url = _online_url_field()


class EndForm(FlaskForm):
    last_day = DateField(
        _l("Last day of the series"),
        description=_l(
            "Meetings after this day are deleted; those whose invitations were already sent are cancelled instead."
        ),
        validators=[InputRequired()],
    )
