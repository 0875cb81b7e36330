"""Forms of date polls: a new poll with rows of proposed dates, the answers per date, and closing on a date."""

from __future__ import annotations

from datetime import time
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    FieldList,
    Form,
    FormField,
    IntegerField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
    TimeField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import URL, AnyOf, InputRequired, Length, NumberRange, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from app.errors import DomainError
from app.forms import attach_error
from app.i18n import choices
from app.models import MeetingKind, PollChoice, PollSlot
from app.polls.services import MAX_COMMENT, MAX_DURATION, MAX_SLOTS, MIN_DURATION, SlotInput

SLOT_ROWS = 6  # empty rows a new poll starts with
MORE_ROWS = 3  # rows the "add more rows" button adds


class MultiCheckboxField(SelectMultipleField):
    """A multiple choice shown as checkboxes, which work without JavaScript and with the keyboard."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class SlotForm(Form):
    """One row of a proposed date; an empty row is ignored, half a row is an error."""

    day = DateField(_l("Date"), validators=[Optional()])
    start = TimeField(_l("Start time"), validators=[Optional()])

    def validate(self, extra_validators: Any = None) -> bool:
        # Optional() ends the chain of an empty field, so half a row is caught here rather than by a validator.
        valid = super().validate(extra_validators)
        if self.day.data is None and not self.day.errors and self.start.data is not None:
            self.day.errors = [_l("Please enter the date of this start time too.")]
            valid = False
        if self.start.data is None and not self.start.errors and self.day.data is not None:
            self.start.errors = [_l("Please enter a start time for this date too.")]
            valid = False
        return valid


class PollForm(FlaskForm):
    title = StringField(_l("Title"), validators=[InputRequired(), Length(max=200)])
    description = TextAreaField(_l("Description"), validators=[Optional(), Length(max=20000)])
    meeting_kind = SelectField(_l("Kind"), choices=choices(MeetingKind), default=MeetingKind.MEETING.value)
    duration_minutes = IntegerField(
        _l("Duration in minutes"),
        default=120,
        validators=[
            InputRequired(),
            NumberRange(
                min=MIN_DURATION,
                max=MAX_DURATION,
                message=_l("Please enter between %(min)d and %(max)d minutes."),
            ),
        ],
    )
    timezone = SelectField(
        _l("Time zone"),
        default="Europe/Berlin",
        choices=[],
        description=_l("The proposed dates and the deadline are entered in this zone, and shown with it."),
    )
    body_id = SelectField(
        _l("Body"), coerce=int, choices=[], description=_l("Its current members are invited.")
    )
    accounts = MultiCheckboxField(_l("People"), coerce=int, choices=[])
    organisations = MultiCheckboxField(
        _l("Organisations"),
        coerce=int,
        choices=[],
        description=_l("Every active account of a chosen organisation is invited."),
    )
    slots = FieldList(FormField(SlotForm), min_entries=SLOT_ROWS, max_entries=MAX_SLOTS)
    deadline_day = DateField(_l("Answers until: date"), validators=[InputRequired()])
    deadline_time = TimeField(_l("Answers until: time"), default=time(18, 0), validators=[InputRequired()])

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.slot_errors: list[str] = []
        self.invitee_errors: list[str] = []

    def add_rows(self, count: int = MORE_ROWS) -> None:
        """More empty date rows, for people without JavaScript; never more than MAX_SLOTS."""
        for _ in range(min(count, MAX_SLOTS - len(self.slots.entries))):
            self.slots.append_entry()
        # Errors of a form that was not submitted for saving would only confuse.
        for entry in self.slots.entries:
            entry.form.day.errors, entry.form.start.errors = [], []

    def slot_inputs(self) -> list[SlotInput]:
        """The filled rows, each naming its row so that an error is shown next to it."""
        return [
            SlotInput(entry.form.day.data, entry.form.start.data, field=f"slots-{index}")
            for index, entry in enumerate(self.slots.entries)
            if entry.form.day.data is not None and entry.form.start.data is not None
        ]

    def attach(self, error: DomainError) -> None:
        """Put a service's error next to its date row, the list of dates, the invitees or a field."""
        if error.field and error.field.startswith("slots-"):
            index = int(error.field.removeprefix("slots-"))
            day = self.slots.entries[index].form.day
            day.errors = [*day.errors, error.message]
        elif error.field == "slots":
            self.slot_errors.append(error.message)
        elif error.field in ("invitees", "accounts"):
            self.invitee_errors.append(error.message)
        else:
            attach_error(self, error)


CHOICE_LABELS = {
    PollChoice.YES: _l("Yes"),
    PollChoice.IF_NEED_BE: _l("If need be"),
    PollChoice.NO: _l("No"),
}


def answer_form(slots: list[PollSlot], current: dict[int, PollChoice], comment: str) -> FlaskForm:
    """A form with one radio group per slot (named slot_<id>) and a comment, filled with the current answers."""

    class AnswerForm(FlaskForm):
        comment = TextAreaField(
            _l("Comment"),
            validators=[Optional(), Length(max=MAX_COMMENT)],
            description=_l("Optional, for example: only until 15:00."),
        )

    values = [choice.value for choice in CHOICE_LABELS]
    for slot in slots:
        setattr(
            AnswerForm,
            f"slot_{slot.id}",
            RadioField(
                choices=[SelectChoice(choice.value, text) for choice, text in CHOICE_LABELS.items()],  # type: ignore[misc]
                validate_choice=False,
                validators=[
                    InputRequired(message=_l("Please choose yes, if need be or no for this date.")),
                    AnyOf(values, message=_l("Please choose yes, if need be or no for this date.")),
                ],
            ),
        )
    defaults: dict[str, Any] = {f"slot_{slot_id}": choice.value for slot_id, choice in current.items()}
    return AnswerForm(comment=comment, **defaults)


def chosen_answers(form: FlaskForm, slots: list[PollSlot]) -> dict[int, PollChoice]:
    return {slot.id: PollChoice(form[f"slot_{slot.id}"].data) for slot in slots}


class CloseForm(FlaskForm):
    """What the meeting is called and where it takes place; the date comes from the chosen slot."""

    title = StringField(_l("Title of the meeting"), validators=[InputRequired(), Length(max=200)])
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
    confirm_short_notice = BooleanField(_l("Send the invitations anyway, with shortened notice"))
