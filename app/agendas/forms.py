"""Forms for agenda items and a body's standard agenda."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, IntegerField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length, NumberRange, Optional

from app.agendas.services import MAX_DESCRIPTION, MAX_PLANNED_MINUTES, MAX_PRESENTER, MAX_TITLE


class ItemForm(FlaskForm):
    title = StringField(_l("Title"), validators=[InputRequired(), Length(max=MAX_TITLE)])
    description = TextAreaField(
        _l("Description"),
        description=_l("Markdown: **bold**, lists with -, links."),
        validators=[Optional(), Length(max=MAX_DESCRIPTION)],
    )
    public = BooleanField(_l("Public item"), default=True)
    presenter = StringField(_l("Presented by"), validators=[Optional(), Length(max=MAX_PRESENTER)])
    planned_minutes = IntegerField(
        _l("Planned minutes"),
        validators=[
            Optional(),
            NumberRange(min=1, max=MAX_PLANNED_MINUTES, message=_l("Please enter a number of minutes from 1 to 1440.")),
        ],
    )


class StandardAgendaForm(FlaskForm):
    standard_agenda = TextAreaField(
        _l("Standard agenda"),
        description=_l("One item per line. Leave it empty to use the default agenda."),
        validators=[Length(max=20000)],
    )
