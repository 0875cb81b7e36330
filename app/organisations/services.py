"""Use cases of organisations: create, edit, list, and the rules they must keep."""

from __future__ import annotations

import re
from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import Select, select
from sqlalchemy.orm import joinedload

from app.audit import services as audit
from app.errors import DomainError
from app.extensions import db
from app.models import Account, Organisation, OrganisationKind, OrganisationLevel
from app.queries import contains_text

KINDS_WITH_AGS_LENGTH_RULE = (OrganisationKind.DISTRICT, OrganisationKind.MUNICIPALITY)
AGS_PATTERN = re.compile(r"\d{2,8}")


@dataclass
class OrganisationData:
    """The editable fields of an organisation, as typed values."""

    name: str
    short_name: str
    kind: OrganisationKind
    level: OrganisationLevel
    ags: str | None
    parent: Organisation | None


def get_organisation(organisation_id: int | None) -> Organisation | None:
    """The organisation with this id; None for no id (0 or None) or an unknown one."""
    return db.session.get(Organisation, organisation_id) if organisation_id else None


def organisation_choices() -> list[tuple[int, str]]:
    rows = db.session.execute(select(Organisation.id, Organisation.name).order_by(Organisation.name))
    return [(row.id, row.name) for row in rows]


def organisations_query(
    search: str = "", level: OrganisationLevel | None = None, kind: OrganisationKind | None = None
) -> Select:
    query = select(Organisation).options(joinedload(Organisation.parent)).order_by(Organisation.name)
    if search:
        query = query.where(contains_text(Organisation.name, search) | contains_text(Organisation.short_name, search))
    if level is not None:
        query = query.where(Organisation.level == level)
    if kind is not None:
        query = query.where(Organisation.kind == kind)
    return query


def validate_ags(ags: str | None, kind: OrganisationKind) -> str | None:
    """The official key, cleaned: digits only; 2 to 8 of them (the AGS of a state up to a municipality)."""
    if ags is None or not ags.strip():
        return None
    ags = ags.strip()
    if not ags.isdigit() or not ags.isascii():
        raise DomainError(_("The official key (AGS) may contain digits only."), field="ags")
    if not AGS_PATTERN.fullmatch(ags):
        if kind in KINDS_WITH_AGS_LENGTH_RULE:
            raise DomainError(
                _("The official key (AGS) of a district or municipality has 2 to 8 digits."), field="ags"
            )
        raise DomainError(_("The official key (AGS) has 2 to 8 digits."), field="ags")
    return ags


def check_parent(organisation: Organisation | None, parent: Organisation | None) -> None:
    """A parent must not be the organisation itself or one of its descendants."""
    if parent is None or organisation is None:
        return
    node: Organisation | None = parent
    seen: set[int] = set()  # object identities, since new organisations have no id yet
    while node is not None and id(node) not in seen:
        if node is organisation:
            raise DomainError(
                _("The parent would create a loop: an organisation cannot belong to itself or to one of its own."),
                field="parent_id",
            )
        seen.add(id(node))
        node = node.parent


def _check_name_free(name: str, organisation: Organisation | None) -> None:
    existing = db.session.scalars(select(Organisation).where(Organisation.name == name)).one_or_none()
    if existing is not None and existing is not organisation:
        raise DomainError(_("An organisation with this name already exists."), field="name")


def apply(organisation: Organisation, data: OrganisationData) -> Organisation:
    """Check and copy the data onto the organisation; flushes only (the import uses it for many rows)."""
    name = data.name.strip()
    if not name:
        raise DomainError(_("Please enter a name."), field="name")
    _check_name_free(name, organisation)
    check_parent(organisation, data.parent)
    ags = validate_ags(data.ags, data.kind)
    # Only after every check: a refused edit leaves the object untouched.
    organisation.name = name
    organisation.short_name = data.short_name.strip()
    organisation.kind = data.kind
    organisation.level = data.level
    organisation.ags = ags
    organisation.parent = data.parent
    return organisation


def create_organisation(data: OrganisationData, actor: Account | None = None) -> Organisation:
    organisation = Organisation()
    apply(organisation, data)
    db.session.add(organisation)
    audit.record(actor, "create", organisation, summary=organisation.name)
    db.session.commit()
    return organisation


def update_organisation(organisation: Organisation, data: OrganisationData, actor: Account | None = None) -> None:
    before = audit.snapshot(organisation)
    apply(organisation, data)
    audit.record(actor, "update", organisation, before, summary=organisation.name)
    db.session.commit()
