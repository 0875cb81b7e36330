"""Forms for bodies and memberships."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, DateField, SelectField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional, Regexp

from app.i18n import choices
from app.models import BodyKind, BodyLevel, MembershipRole, QuorumRule, Visibility

NO_PARENT = 0
PERSONS_ORGANISATION = 0


class BodyForm(FlaskForm):
    name = StringField(_l("Name"), validators=[InputRequired(), Length(max=200)])
    code = StringField(
        _l("Short code"),
        description=_l("2 to 12 capital letters or digits, e.g. ITKR. It appears in decision numbers."),
        validators=[
            InputRequired(),
            Regexp(r"^[A-Z0-9]{2,12}$", message=_l("Use 2 to 12 capital letters (A–Z) or digits.")),
        ],
    )
    kind = SelectField(_l("Kind"), choices=choices(BodyKind))
    level = SelectField(_l("Level"), choices=choices(BodyLevel))
    parent_id = SelectField(_l("Reports to"), coerce=int, choices=[])
    visibility = SelectField(
        _l("Visibility"),
        description=_l(
            "Public: everyone, without login. Internal: every logged-in person. "
            "Confidential: only its members, organisers and administrators."
        ),
        choices=choices(Visibility),
        default=Visibility.INTERNAL.value,
    )
    mandate = TextAreaField(
        _l("Mandate"), description=_l("Markdown: **bold**, lists with -, links."), validators=[Length(max=20000)]
    )
    parity_required = BooleanField(_l("Equal seats for state and municipalities (parity) required"))
    quorum_rule = SelectField(_l("Quorum"), choices=choices(QuorumRule), default=QuorumRule.MORE_THAN_HALF.value)
    founded_on = DateField(_l("Founded on"), validators=[Optional()])
    dissolved_on = DateField(
        _l("Dissolved on"),
        description=_l("From this day on the body is read-only and stays in the history."),
        validators=[Optional()],
    )


class MembershipForm(FlaskForm):
    account_id = SelectField(_l("Person"), coerce=int, choices=[])
    role = SelectField(_l("Role"), choices=choices(MembershipRole), default=MembershipRole.MEMBER.value)
    organisation_id = SelectField(
        _l("On behalf of"),
        description=_l("The organisation the person represents in this body."),
        coerce=int,
        choices=[],
    )
    voting = BooleanField(_l("Has a vote"), default=True, description=_l("Guests never have a vote."))
    start_on = DateField(_l("Member from"), validators=[InputRequired()])
    end_on = DateField(
        _l("Member until"), description=_l("Leave empty while the membership lasts."), validators=[Optional()]
    )


class EndMembershipForm(FlaskForm):
    end_on = DateField(
        _l("Membership ends on"),
        description=_l("From this day on the person no longer belongs to the body."),
        validators=[InputRequired()],
    )
