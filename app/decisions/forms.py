"""The form of a decision."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, NumberRange, Optional

from app.decisions.display import OUTCOME_LABELS
from app.decisions.services import MAX_TEXT, MAX_TITLE, MAX_VOTES

VOTES_MESSAGE = _l("Please enter a whole number from 0 to %(max)d, or leave it empty.", max=MAX_VOTES)


def _votes(label: str) -> IntegerField:
    return IntegerField(label, validators=[Optional(), NumberRange(min=0, max=MAX_VOTES, message=VOTES_MESSAGE)])


class DecisionForm(FlaskForm):
    title = StringField(_l("Title"), validators=[InputRequired(), Length(max=MAX_TITLE)])
    text = TextAreaField(
        _l("Text of the decision"),
        description=_l("Markdown: **bold**, lists with -, links."),
        validators=[Optional(), Length(max=MAX_TEXT)],
    )
    outcome = SelectField(
        _l("Outcome"),
        choices=[SelectChoice(outcome.value, label) for outcome, label in OUTCOME_LABELS.items()],  # type: ignore[arg-type]
    )
    votes_yes = _votes(_l("Votes in favour"))
    votes_no = _votes(_l("Votes against"))
    votes_abstain = _votes(_l("Abstentions"))
    public = BooleanField(
        _l("Public decision"),
        description=_l("Public decisions appear in the public register once the minutes are approved."),
        default=True,
    )
