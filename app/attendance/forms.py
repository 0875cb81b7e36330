"""Forms of attendance: one radio group and one "stands in for" select per expected person, rows of guests, and
the members excluded from an agenda item."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import FieldList, Form, FormField, RadioField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import AnyOf, InputRequired, Length, Optional

from app.attendance.services import (
    MAX_CONFLICT_REASON,
    MAX_GUEST_NAME,
    MAX_GUEST_ORGANISATION,
    MAX_GUESTS,
    AttendanceEntry,
    AttendanceSheet,
    GuestEntry,
)
from app.errors import DomainError
from app.forms import attach_error
from app.invitations.forms import MultiCheckboxField
from app.models import Account, Answer, AttendanceStatus

GUEST_ROWS = 3  # empty guest rows the form offers
MORE_ROWS = 3  # rows the "more guest rows" button adds

STATUS_LABELS = {
    AttendanceStatus.PRESENT: _l("Present"),
    AttendanceStatus.EXCUSED: _l("Excused"),
    AttendanceStatus.ABSENT: _l("Absent"),
}
# Before anything is saved, the answers to the invitation suggest a status; no answer suggests none.
SUGGESTED = {Answer.ACCEPTED: AttendanceStatus.PRESENT, Answer.DECLINED: AttendanceStatus.EXCUSED}


class GuestForm(Form):
    """A guest without an account; an empty row is ignored."""

    name = StringField(_l("Name"), validators=[Optional(), Length(max=MAX_GUEST_NAME)])
    organisation = StringField(_l("Organisation"), validators=[Optional(), Length(max=MAX_GUEST_ORGANISATION)])


class AttendanceFormBase(FlaskForm):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.guest_errors: list[str] = []

    def add_rows(self, count: int = MORE_ROWS) -> None:
        """More empty guest rows, for people without JavaScript; never more than MAX_GUESTS."""
        guests: FieldList = self["guests"]  # type: ignore[assignment]
        for _ in range(min(count, MAX_GUESTS - len(guests.entries))):
            guests.append_entry()

    def entries(self, sheet: AttendanceSheet) -> list[AttendanceEntry]:
        result = []
        for person in sheet.people:
            value = self[f"status_{person.account.id}"].data
            if not value:  # a guest recorded before and now left off
                continue
            stand_in = self[f"for_{person.account.id}"].data if sheet.seats else None
            result.append(AttendanceEntry(person.account.id, AttendanceStatus(value), stand_in or None))
        return result

    def guests_entered(self) -> list[GuestEntry]:
        """The filled guest rows, each naming its row so that an error is shown next to it."""
        return [
            GuestEntry(name=entry.form.name.data or "", organisation=entry.form.organisation.data or "",
                       field=f"guests-{index}")
            for index, entry in enumerate(self["guests"].entries)  # type: ignore[attr-defined]
            if (entry.form.name.data or "").strip() or (entry.form.organisation.data or "").strip()
        ]

    def attach(self, error: DomainError) -> None:
        """Put a service's error next to its person, its guest row, the guest list or the form."""
        parts = (error.field or "").split("-")
        if len(parts) == 3 and parts[0] == "guests" and parts[1].isdigit():
            target = self["guests"].entries[int(parts[1])].form[parts[2]]  # type: ignore[attr-defined]
            target.errors = [*target.errors, error.message]
        elif error.field == "guests":
            self.guest_errors.append(error.message)
        elif error.field and error.field in self:
            self[error.field].errors = [*self[error.field].errors, error.message]
        else:
            attach_error(self, error)


def attendance_form(sheet: AttendanceSheet) -> AttendanceFormBase:
    """A form with a radio group `status_<id>` and, where there are seats, a select `for_<id>` per person, and the
    guest rows; filled with what was saved (or suggested by the answers)."""
    status_choices = [SelectChoice(status.value, text) for status, text in STATUS_LABELS.items()]  # type: ignore[misc]
    values = [status.value for status in STATUS_LABELS]
    nobody = SelectChoice(0, _l("nobody"))  # type: ignore[arg-type]
    seats = [SelectChoice(m.account_id, m.account.display_name) for m in sheet.seats]  # type: ignore[misc]

    class AttendanceForm(AttendanceFormBase):
        guests = FieldList(FormField(GuestForm), min_entries=len(sheet.guests) + GUEST_ROWS, max_entries=MAX_GUESTS)

    defaults: dict[str, Any] = {}
    for person in sheet.people:
        message = _l("Please choose present, excused or absent for %(name)s.", name=person.account.display_name)
        # A guest recorded earlier (neither member nor invited) may be left off: no answer drops them.
        required = [InputRequired(message=message)] if person.required else [Optional()]
        setattr(
            AttendanceForm,
            f"status_{person.account.id}",
            RadioField(choices=status_choices, validate_choice=False, validators=[*required, AnyOf(values, message)]),
        )
        if sheet.seats:
            # Nobody stands in for themselves, so their own seat is not offered.
            choices = [nobody, *(seat for seat in seats if seat.value != person.account.id)]
            setattr(AttendanceForm, f"for_{person.account.id}",
                    SelectField(choices=choices, coerce=int, validate_choice=False, default=0))
        saved = person.attendance
        if saved is not None:
            defaults[f"status_{person.account.id}"] = saved.status.value
            defaults[f"for_{person.account.id}"] = saved.stands_in_for_id or 0
        elif person.invitation is not None and person.invitation.answer in SUGGESTED:
            defaults[f"status_{person.account.id}"] = SUGGESTED[person.invitation.answer].value
    guests = [{"name": g.guest_name, "organisation": g.guest_organisation} for g in sheet.guests]
    return AttendanceForm(guests=guests, **defaults)


class ConflictsForm(FlaskForm):
    account_ids = MultiCheckboxField(
        _l("Members excluded from this item"),
        coerce=int,
        validate_choice=False,  # the service says who may be excluded, with a clearer message
        description=_l("They take no part in the item's discussion and votes, and do not count for its quorum."),
    )
    reason = StringField(
        _l("Reason"),
        description=_l("For example: a personal or financial interest in the matter."),
        validators=[Optional(), Length(max=MAX_CONFLICT_REASON)],
    )


def conflicts_form(members: list[Account], excluded: list[int], reason: str) -> ConflictsForm:
    form = ConflictsForm(account_ids=excluded, reason=reason)
    form.account_ids.choices = [SelectChoice(account.id, account.display_name) for account in members]  # type: ignore[misc]
    return form
