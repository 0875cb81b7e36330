"""Language and time-zone choice, and the translated labels of every enum the interface shows."""

from __future__ import annotations

import enum
from datetime import datetime
from zoneinfo import available_timezones

from flask import Flask, current_app, session
from flask_babel import format_date, format_datetime, get_locale
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from wtforms.fields.choices import SelectChoice

from app.models import GlobalRole, OrganisationKind, OrganisationLevel

LOGIN_REQUIRED_MESSAGE = _l("Please log in to see this page.")

LANGUAGE_NAMES = {"de": "Deutsch", "en": "English"}

LABELS: dict[enum.Enum, object] = {
    OrganisationKind.STATE_MINISTRY: _l("State ministry or authority"),
    OrganisationKind.MUNICIPAL_ASSOCIATION: _l("Municipal association"),
    OrganisationKind.IT_SERVICE_PROVIDER: _l("IT service provider"),
    OrganisationKind.DISTRICT: _l("District"),
    OrganisationKind.MUNICIPALITY: _l("Municipality"),
    OrganisationKind.OTHER: _l("Other"),
    OrganisationLevel.STATE: _l("State"),
    OrganisationLevel.MUNICIPAL: _l("Municipal"),
    OrganisationLevel.OTHER: _l("Other level"),
    GlobalRole.ADMIN: _l("Administrator"),
    GlobalRole.ORGANISER: _l("Organiser"),
    GlobalRole.NONE: _l("No global role"),
}


def label(member: enum.Enum) -> str:
    """The translated name of an enum member."""
    return str(LABELS.get(member, member.value))


def choices(enum_class: type[enum.Enum]) -> list[SelectChoice]:
    """Options for a select field; labels stay lazy so they follow the request's language."""
    return [SelectChoice(member.value, LABELS.get(member, member.value)) for member in enum_class]  # type: ignore[arg-type]


def language_choices() -> list[SelectChoice]:
    return [SelectChoice(code, name) for code, name in LANGUAGE_NAMES.items()]


def select_locale() -> str:
    languages = current_app.config["LANGUAGES"]
    if current_user.is_authenticated and current_user.locale in languages:
        return current_user.locale
    chosen = session.get("locale")
    if chosen in languages:
        return chosen
    return current_app.config["BABEL_DEFAULT_LOCALE"]


def select_timezone() -> str:
    if current_user.is_authenticated and current_user.timezone:
        return current_user.timezone
    return current_app.config["BABEL_DEFAULT_TIMEZONE"]


_TIMEZONES: list[str] | None = None


def timezone_names() -> list[str]:
    """The IANA zone names a person may choose, sorted, computed once per process."""
    global _TIMEZONES
    if _TIMEZONES is None:
        _TIMEZONES = sorted(
            name for name in available_timezones() if "/" in name and not name.startswith(("Etc/", "SystemV/"))
        )
    return _TIMEZONES


def register_filters(app: Flask) -> None:
    @app.template_filter("datetime")
    def _datetime(value: datetime | None, style: str = "medium") -> str:
        return format_datetime(value, style) if value else ""

    @app.template_filter("date")
    def _date(value: datetime | None, style: str = "medium") -> str:
        return format_date(value, style) if value else ""

    app.jinja_env.filters["label"] = label
    app.jinja_env.globals["LANGUAGE_NAMES"] = LANGUAGE_NAMES
    app.jinja_env.globals["current_locale"] = lambda: str(get_locale() or app.config["BABEL_DEFAULT_LOCALE"])
