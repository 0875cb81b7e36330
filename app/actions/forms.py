"""Forms for action items."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, HiddenField, SelectField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional

from app.actions.services import MAX_DESCRIPTION, ActionItemData, AssigneeChoices
from app.models import ActionItem, ActionItemStatus

# An assignee is one choice of one select: "account-<id>" or "organisation-<id>", so that a form cannot name both.
ACCOUNT, ORGANISATION = "account", "organisation"


def assignee_value(action_item: ActionItem) -> str:
    if action_item.assignee_account_id is not None:
        return f"{ACCOUNT}-{action_item.assignee_account_id}"
    return f"{ORGANISATION}-{action_item.assignee_organisation_id}"


class ActionItemForm(FlaskForm):
    description = TextAreaField(
        _l("What is to be done"), validators=[InputRequired(), Length(max=MAX_DESCRIPTION)]
    )
    assignee = SelectField(
        _l("Assigned to"),
        description=_l("A person (the body's members are listed first) or a whole organisation."),
        choices=[],
        validators=[InputRequired()],
    )
    due_on = DateField(_l("Due date"), validators=[Optional()])

    def offer(self, choices: AssigneeChoices) -> None:
        """Fill the assignee select, grouped: members, other people, organisations."""
        groups = {
            str(_l("Members of the body")): [(f"{ACCOUNT}-{id_}", name) for id_, name in choices.members],
            str(_l("Other people")): [(f"{ACCOUNT}-{id_}", name) for id_, name in choices.others],
            str(_l("Organisations")): [(f"{ORGANISATION}-{id_}", name) for id_, name in choices.organisations],
        }
        # The empty first option stands outside the groups (key None), as HTML wants of a required select.
        self.assignee.choices = {None: [("", str(_l("Please choose")))], **{k: v for k, v in groups.items() if v}}

    def data_for_service(self) -> ActionItemData:
        kind, _sep, raw_id = (self.assignee.data or "").partition("-")
        assignee_id = int(raw_id) if raw_id.isdigit() else None
        return ActionItemData(
            description=self.description.data or "",
            assignee_account_id=assignee_id if kind == ACCOUNT else None,
            assignee_organisation_id=assignee_id if kind == ORGANISATION else None,
            due_on=self.due_on.data,
        )


class StatusForm(FlaskForm):
    status = HiddenField(validators=[InputRequired()])
    next = HiddenField()

    def chosen_status(self) -> ActionItemStatus | None:
        value = self.status.data or ""
        return ActionItemStatus(value) if value in ActionItemStatus._value2member_map_ else None
