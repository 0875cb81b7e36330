"""Import organisations from a CSV file with the columns name, short_name, kind, level, parent, ags.

All or nothing: every row is checked first, and a file with a bad row imports nothing. Rows are matched by
name, so importing the same file twice creates nothing new.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field

from flask_babel import gettext as _
from sqlalchemy import select

from app.audit import services as audit
from app.errors import DomainError
from app.extensions import db
from app.models import Organisation, OrganisationKind, OrganisationLevel
from app.organisations.services import OrganisationData, apply, validate_ags

COLUMNS = ("name", "short_name", "kind", "level", "parent", "ags")


@dataclass
class ImportReport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[str] = field(default_factory=list)


class ImportFailed(Exception):
    def __init__(self, errors: list[str]) -> None:
        super().__init__("\n".join(errors))
        self.errors = errors


@dataclass
class _Row:
    line: int
    name: str
    short_name: str
    kind: OrganisationKind
    level: OrganisationLevel
    parent_name: str
    ags: str | None


def import_organisations(text: str) -> ImportReport:
    """Import the CSV text; raises ImportFailed listing every bad row by line number, importing nothing."""
    rows, errors = _parse(text)
    existing = {o.name: o for o in db.session.scalars(select(Organisation))}
    known_names = set(existing) | {row.name for row in rows}
    for row in rows:
        if row.parent_name and row.parent_name not in known_names:
            errors.append(_("Line %(line)d: unknown parent %(parent)r.", line=row.line, parent=row.parent_name))
        if row.parent_name == row.name:
            errors.append(_("Line %(line)d: an organisation cannot be its own parent.", line=row.line))
    if errors:
        raise ImportFailed(errors)

    report = ImportReport()
    by_name = dict(existing)
    with db.session.no_autoflush:
        for row in rows:  # first pass: every organisation exists, so parents can refer to later rows
            if row.name not in by_name:
                by_name[row.name] = Organisation(name=row.name)
                db.session.add(by_name[row.name])
                report.created += 1
        touched: list[tuple[Organisation, audit.Snapshot | None]] = []
        for row in rows:
            organisation = by_name[row.name]
            touched.append((organisation, audit.snapshot(organisation) if row.name in existing else None))
            try:
                apply(
                    organisation,
                    OrganisationData(
                        name=row.name,
                        short_name=row.short_name,
                        kind=row.kind,
                        level=row.level,
                        ags=row.ags,
                        parent=by_name.get(row.parent_name) if row.parent_name else None,
                    ),
                )
            except DomainError as error:
                errors.append(_("Line %(line)d: %(message)s", line=row.line, message=error.message))
    if errors:
        db.session.rollback()
        raise ImportFailed(errors)
    db.session.flush()  # parent ids of new organisations exist only now
    for organisation, before in touched:
        if before is not None:
            if audit.snapshot(organisation) == before:
                report.unchanged += 1
                continue
            report.updated += 1
        audit.record(None, "update" if before else "create", organisation, before, summary=organisation.name)
    db.session.commit()
    return report


def _parse(text: str) -> tuple[list[_Row], list[str]]:
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    if reader.fieldnames is None or [name.strip() for name in reader.fieldnames] != list(COLUMNS):
        return [], [_("Line 1: the columns must be: %(columns)s.", columns=", ".join(COLUMNS))]
    rows: list[_Row] = []
    errors: list[str] = []
    seen: dict[str, int] = {}
    for record in reader:
        line = reader.line_num
        if None in record or any(value is None for value in record.values()):
            errors.append(_("Line %(line)d: wrong number of columns.", line=line))
            continue
        values = {key.strip(): value.strip() for key, value in record.items()}
        try:
            row = _Row(
                line=line,
                name=_required(values["name"], 200, "name"),
                short_name=_limited(values["short_name"], 50, "short_name"),
                kind=_member(OrganisationKind, values["kind"], "kind"),
                level=_member(OrganisationLevel, values["level"], "level"),
                parent_name=values["parent"],
                ags=None,
            )
            row.ags = validate_ags(values["ags"], row.kind)
        except DomainError as error:
            errors.append(_("Line %(line)d: %(message)s", line=line, message=error.message))
            continue
        if row.name in seen:
            errors.append(
                _(
                    "Line %(line)d: %(name)r appears already in line %(first)d.",
                    line=line,
                    name=row.name,
                    first=seen[row.name],
                )
            )
            continue
        seen[row.name] = line
        rows.append(row)
    return rows, errors


def _required(value: str, max_length: int, column: str) -> str:
    if not value:
        raise DomainError(_("the column %(column)s is empty.", column=column))
    return _limited(value, max_length, column)


def _limited(value: str, max_length: int, column: str) -> str:
    if len(value) > max_length:
        raise DomainError(_("the column %(column)s is longer than %(max)d characters.", column=column, max=max_length))
    return value


def _member(enum_class, value: str, column: str):
    try:
        return enum_class(value)
    except ValueError:
        allowed = ", ".join(member.value for member in enum_class)
        message = _(
            "%(value)r is not a valid %(column)s (allowed: %(allowed)s).", value=value, column=column, allowed=allowed
        )
        raise DomainError(message) from None
