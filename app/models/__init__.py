"""All models, importable from one place (and registered with the metadata that Alembic compares)."""

from app.models.accounts import Account, AccountToken, GlobalRole, TokenPurpose
from app.models.organisations import Organisation, OrganisationKind, OrganisationLevel
from app.models.types import UTCDateTime, utcnow

__all__ = [
    "Account",
    "AccountToken",
    "GlobalRole",
    "Organisation",
    "OrganisationKind",
    "OrganisationLevel",
    "TokenPurpose",
    "UTCDateTime",
    "utcnow",
]
