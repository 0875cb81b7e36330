"""Forms of the minutes: the text with one field per agenda item, circulation, comments and amendments."""

from __future__ import annotations

from collections.abc import Iterable

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, IntegerField, SelectField, TextAreaField
from wtforms.validators import InputRequired, Length, NumberRange
from wtforms.widgets import HiddenInput

from app.agendas.services import NumberedItem
from app.minutes.services import MAX_COMMENT, MAX_REASON, MAX_TEXT

TOO_LONG = _l("At most %(max)d characters, please. Long material belongs in an attachment.")


def item_field_name(item_id: int) -> str:
    return f"item_{item_id}"


class MinutesForm(FlaskForm):
    """The general notes and a hidden version; `minutes_form` adds one field per agenda item."""

    general_notes = TextAreaField(
        _l("General notes"),
        validators=[Length(max=MAX_TEXT, message=TOO_LONG)],
        description=_l("Markdown: **bold**, *italic*, lists with -, links. HTML is removed."),
    )
    version = IntegerField(widget=HiddenInput(), validators=[InputRequired(), NumberRange(min=1)])

    _item_names: list[str] = []  # set by minutes_form

    def item_fields(self) -> list:
        return [self[name] for name in self._item_names]

    def item_notes(self) -> dict[int, str]:
        """The notes posted, by item id; an item whose field was not posted (added to the agenda since the form
        was loaded) is left out, so its notes stay as they are."""
        return {
            int(name.removeprefix("item_")): self[name].data or "" for name in self._item_names if self[name].raw_data
        }


def minutes_form(items: Iterable[NumberedItem], **data) -> MinutesForm:
    """A minutes form with a notes field for each of the items (labelled with the item's number and title)."""
    entries = list(items)

    class Form(MinutesForm):
        pass

    for entry in entries:
        setattr(
            Form,
            item_field_name(entry.id),
            TextAreaField(
                _("Item %(number)s: %(title)s", number=entry.number, title=entry.title),
                validators=[Length(max=MAX_TEXT, message=TOO_LONG)],
            ),
        )
    Form._item_names = [item_field_name(entry.id) for entry in entries]
    return Form(data=data) if data else Form()


class BeginForm(FlaskForm):
    """Only the CSRF token: beginning the minutes, approving them."""


class CirculateForm(FlaskForm):
    comments_until = DateField(
        _l("Comments until"),
        validators=[InputRequired(message=_l("Please enter the last day for comments."))],
        description=_l("The members can comment up to and including this day."),
    )


class CommentForm(FlaskForm):
    agenda_item = SelectField(_l("On"), coerce=int, default=0)
    text = TextAreaField(
        _l("Your comment"),
        validators=[
            InputRequired(message=_l("Please enter your comment.")),
            Length(max=MAX_COMMENT, message=TOO_LONG),
        ],
    )


class AmendmentForm(FlaskForm):
    agenda_item = SelectField(_l("Corrects"), coerce=int, default=0)
    reason = TextAreaField(
        _l("Reason"),
        validators=[
            InputRequired(message=_l("Please give the reason for the amendment.")),
            Length(max=MAX_REASON, message=TOO_LONG),
        ],
    )
    text = TextAreaField(
        _l("Corrected text"),
        validators=[
            InputRequired(message=_l("Please enter the corrected text.")),
            Length(max=MAX_TEXT, message=TOO_LONG),
        ],
        description=_l("Markdown, as in the minutes."),
    )


def item_choices(items: Iterable[NumberedItem], whole: str) -> list[tuple[int, str]]:
    """Options for "which item": the minutes as a whole (0), then each item the viewer sees."""
    return [(0, whole)] + [
        (entry.id, _("Item %(number)s: %(title)s", number=entry.number, title=entry.title)) for entry in items
    ]
