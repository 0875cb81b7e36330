"""Language and time-zone choice, and the translated labels of every enum the interface shows."""

from __future__ import annotations

import enum
from datetime import datetime, timedelta
from zoneinfo import available_timezones

from flask import Flask, current_app, has_request_context, session
from flask_babel import format_date, format_datetime, format_time, get_locale, get_timezone
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from wtforms.fields.choices import SelectChoice

from app.models import (
    Answer,
    BodyKind,
    BodyLevel,
    GlobalRole,
    MeetingKind,
    MeetingStatus,
    MembershipRole,
    OrganisationKind,
    OrganisationLevel,
    PollChoice,
    PollStatus,
    QuorumRule,
    RegistrationStatus,
    SeriesFrequency,
    Visibility,
)

LOGIN_REQUIRED_MESSAGE = _l("Please log in to see this page.")

LANGUAGE_NAMES = {"de": "Deutsch", "en": "English"}

# Keyed by enum class first: StrEnum members of different enums with the same value compare equal.
LABELS: dict[type[enum.Enum], dict[str, object]] = {
    OrganisationKind: {
        "state_ministry": _l("State ministry or authority"),
        "municipal_association": _l("Municipal association"),
        "it_service_provider": _l("IT service provider"),
        "district": _l("District"),
        "municipality": _l("Municipality"),
        "other": _l("Other"),
    },
    OrganisationLevel: {"state": _l("State"), "municipal": _l("Municipal"), "other": _l("Other level")},
    GlobalRole: {"admin": _l("Administrator"), "organiser": _l("Organiser"), "none": _l("No global role")},
    BodyKind: {
        "steering_council": _l("Steering council"),
        "project_group": _l("Project group"),
        "working_group": _l("Working group"),
        "other": _l("Other body"),
    },
    BodyLevel: {"state": _l("State level"), "municipal": _l("Municipal level"), "joint": _l("Joint")},
    QuorumRule: {
        "more_than_half": _l("More than half of the voting members"),
        "at_least_half": _l("At least half of the voting members"),
        "at_least_two_thirds": _l("At least two thirds of the voting members"),
        "at_least_three_quarters": _l("At least three quarters of the voting members"),
    },
    Visibility: {"public": _l("Public"), "internal": _l("Internal"), "confidential": _l("Confidential")},
    MeetingKind: {
        "meeting": _l("Meeting"),
        "kickoff": _l("Kick-off event"),
        "information_event": _l("Information event"),
        "workshop": _l("Workshop"),
    },
    MeetingStatus: {
        "planned": _l("Planned"),
        "confirmed": _l("Confirmed"),
        "held": _l("Held"),
        "cancelled": _l("Cancelled"),
    },
    SeriesFrequency: {
        "weekly": _l("Weekly"),
        "monthly_nth_weekday": _l("Monthly on a weekday"),
        "monthly_day": _l("Monthly on a day of the month"),
    },
    RegistrationStatus: {"registered": _l("Registered"), "waiting": _l("Waiting list"), "cancelled": _l("Cancelled")},
    Answer: {
        "open": _l("No answer yet"),
        "accepted": _l("Accepted"),
        "tentative": _l("Tentative"),
        "declined": _l("Declined"),
    },
    PollStatus: {"open": _l("Open"), "closed": _l("Closed")},
    PollChoice: {"yes": _l("Yes"), "if_need_be": _l("If need be"), "no": _l("No")},
    MembershipRole: {
        "chair": _l("Chair"),
        "deputy_chair": _l("Deputy chair"),
        "secretary": _l("Secretary"),
        "member": _l("Member"),
        "substitute": _l("Substitute"),
        "guest": _l("Guest"),
    },
}


AUDIT_ACTIONS = {
    "create": _l("created"),
    "update": _l("changed"),
    "end": _l("ended"),
    "deactivate": _l("deactivated"),
    "reactivate": _l("reactivated"),
    "invite": _l("invited"),
    "record_attendance": _l("recorded attendance"),
    "set_conflicts": _l("recorded conflicts of interest"),
}
AUDIT_OBJECTS = {
    "account": _l("Account"),
    "organisation": _l("Organisation"),
    "body": _l("Body"),
    "membership": _l("Membership"),
}


def _label_of(member: enum.Enum) -> object:
    return LABELS.get(type(member), {}).get(member.value, member.value)


def label(member: enum.Enum) -> str:
    """The translated name of an enum member."""
    return str(_label_of(member))


def choices(enum_class: type[enum.Enum]) -> list[SelectChoice]:
    """Options for a select field; labels stay lazy so they follow the request's language."""
    return [SelectChoice(member.value, _label_of(member)) for member in enum_class]  # type: ignore[arg-type]


def language_choices() -> list[SelectChoice]:
    return [SelectChoice(code, name) for code, name in LANGUAGE_NAMES.items()]


def select_locale() -> str:
    if not has_request_context():  # mails and commands choose their language with force_locale
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    languages = current_app.config["LANGUAGES"]
    if current_user.is_authenticated and current_user.locale in languages:
        return current_user.locale
    chosen = session.get("locale")
    if chosen in languages:
        return chosen
    return current_app.config["BABEL_DEFAULT_LOCALE"]


def select_timezone() -> str:
    if has_request_context() and current_user.is_authenticated and current_user.timezone:
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


def meeting_when(meeting) -> str:
    """When a meeting takes place, in the viewer's zone with the zone named; all-day ones by their local dates."""
    if meeting.all_day:
        from app.meetings.times import utc_to_local

        first = utc_to_local(meeting.starts_at, meeting.timezone).date()
        last = utc_to_local(meeting.ends_at, meeting.timezone).date() - timedelta(days=1)
        if first == last:
            return format_date(first, "full")
        return f"{format_date(first, 'medium')} – {format_date(last, 'medium')}"
    start_day = format_date(meeting.starts_at, "full")
    zone_name = str(get_timezone())
    end = format_time(meeting.ends_at, "short")
    if format_date(meeting.ends_at, "short") != format_date(meeting.starts_at, "short"):
        end = f"{format_date(meeting.ends_at, 'full')}, {end}"
    return f"{start_day}, {format_time(meeting.starts_at, 'short')} – {end} ({zone_name})"


def register_filters(app: Flask) -> None:
    from app.markdown import render_markdown

    @app.template_filter("datetime")
    def _datetime(value: datetime | None, style: str = "medium") -> str:
        return format_datetime(value, style) if value else ""

    @app.template_filter("time")
    def _time(value: datetime | None, style: str = "short") -> str:
        return format_time(value, style) if value else ""

    @app.template_filter("date")
    def _date(value: datetime | None, style: str = "medium") -> str:
        return format_date(value, style) if value else ""

    app.jinja_env.filters["label"] = label
    app.jinja_env.filters["when"] = meeting_when
    app.jinja_env.filters["markdown"] = render_markdown
    app.jinja_env.globals["audit_action"] = lambda action: str(AUDIT_ACTIONS.get(action, action))
    app.jinja_env.globals["audit_object"] = lambda object_type: str(AUDIT_OBJECTS.get(object_type, object_type))
    app.jinja_env.globals["LANGUAGE_NAMES"] = LANGUAGE_NAMES
    app.jinja_env.globals["current_locale"] = lambda: str(get_locale() or app.config["BABEL_DEFAULT_LOCALE"])
