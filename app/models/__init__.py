"""All models, importable from one place (and registered with the metadata that Alembic compares)."""

from app.models.accounts import Account, AccountToken, GlobalRole, TokenPurpose
from app.models.audit import AuditEntry
from app.models.bodies import (
    QUORUM_SHARES,
    ROLE_ORDER,
    Body,
    BodyKind,
    BodyLevel,
    Membership,
    MembershipRole,
    QuorumRule,
    Visibility,
)
from app.models.meetings import (
    AgendaItem,
    Answer,
    Attachment,
    Invitation,
    Meeting,
    MeetingKind,
    MeetingSeries,
    MeetingStatus,
    Registration,
    RegistrationStatus,
    SeriesFrequency,
)
from app.models.organisations import Organisation, OrganisationKind, OrganisationLevel
from app.models.polls import Poll, PollAnswer, PollChoice, PollInvitee, PollSlot, PollStatus
from app.models.types import UTCDateTime, utcnow

__all__ = [
    "QUORUM_SHARES",
    "ROLE_ORDER",
    "QuorumRule",
    "Account",
    "AccountToken",
    "AgendaItem",
    "Answer",
    "Attachment",
    "Invitation",
    "Meeting",
    "MeetingKind",
    "MeetingSeries",
    "MeetingStatus",
    "Registration",
    "RegistrationStatus",
    "SeriesFrequency",
    "AuditEntry",
    "Body",
    "BodyKind",
    "BodyLevel",
    "Membership",
    "MembershipRole",
    "Visibility",
    "GlobalRole",
    "Organisation",
    "Poll",
    "PollAnswer",
    "PollChoice",
    "PollInvitee",
    "PollSlot",
    "PollStatus",
    "OrganisationKind",
    "OrganisationLevel",
    "TokenPurpose",
    "UTCDateTime",
    "utcnow",
]
