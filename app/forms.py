"""Form pieces shared by several blueprints."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import Field
from wtforms.fields.choices import SelectChoice

from app.errors import DomainError


def attach_error(form: FlaskForm, error: DomainError) -> None:
    """Put a service's error message on the field it names, or on the form as a whole."""
    field: Field | None = getattr(form, error.field, None) if error.field else None
    if field is not None and isinstance(field, Field):
        field.errors = [*field.errors, error.message]  # type: ignore[list-item]
    else:
        form.form_errors.append(error.message)


def id_choices(rows: list[tuple[int, str]], none_label: str | None = None) -> list[SelectChoice]:
    """Options for a select of database rows, optionally led by a "none" option with value 0."""
    options = [SelectChoice(0, none_label)] if none_label is not None else []  # type: ignore[arg-type]
    return options + [SelectChoice(id_, name) for id_, name in rows]  # type: ignore[arg-type]
