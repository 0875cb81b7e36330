"""Forms of invitations: choosing guests and confirming short notice, and the three answers."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, SelectField, SelectMultipleField
from wtforms.fields.choices import SelectChoice
from wtforms.widgets import CheckboxInput, ListWidget

from app.models import Answer


class MultiCheckboxField(SelectMultipleField):
    """A multiple choice shown as checkboxes, which work without JavaScript and with the keyboard."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class SendInvitationsForm(FlaskForm):
    guests = MultiCheckboxField(
        _l("Guests"),
        coerce=int,
        description=_l("People who are not members of the body; the members are invited in any case."),
    )
    confirm_short_notice = BooleanField(_l("Send the invitations anyway, with shortened notice"))


ANSWER_CHOICES = [
    SelectChoice(Answer.ACCEPTED.value, _l("Accept")),  # type: ignore[arg-type]
    SelectChoice(Answer.TENTATIVE.value, _l("Tentative")),  # type: ignore[arg-type]
    SelectChoice(Answer.DECLINED.value, _l("Decline")),  # type: ignore[arg-type]
]


class AnswerForm(FlaskForm):
    """Filled by one of three submit buttons named `answer`."""

    answer = SelectField(_l("Answer"), choices=ANSWER_CHOICES)

    def chosen(self) -> Answer:
        return Answer(self.answer.data)
