"""Koop configuration: every setting comes from an environment variable."""

from __future__ import annotations

import os
from collections.abc import Mapping
from datetime import timedelta
from typing import Any

DEFAULT_SQLITE_URL = "sqlite:///koop.sqlite"  # relative to the instance folder


def _env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


class Config:
    """Settings shared by every environment."""

    ENV_NAME = "production"

    SECRET_KEY = os.environ.get("SECRET_KEY")
    SQLALCHEMY_DATABASE_URI = os.environ.get("DATABASE_URL", DEFAULT_SQLITE_URL)
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}

    # Absolute base URL for links in mails and calendar feeds (no trailing slash).
    BASE_URL = os.environ.get("BASE_URL", "http://127.0.0.1:5000").rstrip("/")

    MAIL_SERVER = os.environ.get("MAIL_SERVER")
    MAIL_PORT = int(os.environ.get("MAIL_PORT", "587"))
    MAIL_USERNAME = os.environ.get("MAIL_USERNAME")
    MAIL_PASSWORD = os.environ.get("MAIL_PASSWORD")
    MAIL_USE_TLS = _env_bool("MAIL_USE_TLS", True)
    MAIL_SENDER = os.environ.get("MAIL_SENDER", "Koop <koop@koop.example>")
    MAIL_OUTBOX = os.environ.get("MAIL_OUTBOX")  # folder for .eml files; default: instance/outbox

    RATELIMIT_STORAGE_URI = os.environ.get("RATELIMIT_STORAGE_URI", "memory://")
    RATELIMIT_HEADERS_ENABLED = True
    # While Redis is down each instance counts on its own rather than failing the login page.
    RATELIMIT_IN_MEMORY_FALLBACK_ENABLED = True
    LOGIN_RATE_LIMIT = os.environ.get("LOGIN_RATE_LIMIT", "10 per minute")

    # Rendered calendar pieces and feeds (app/cache.py): Redis shared by all instances, else in each process.
    CACHE_REDIS_URL = os.environ.get("CACHE_REDIS_URL") or None
    CACHE_KEY_PREFIX = os.environ.get("CACHE_KEY_PREFIX", "koop:")
    CACHE_TTL = int(os.environ.get("CACHE_TTL", str(24 * 3600)))  # seconds an entry is kept in Redis
    CACHE_LOCAL_MAX_BYTES = int(os.environ.get("CACHE_LOCAL_MAX_BYTES", str(32 * 1024 * 1024)))

    BABEL_DEFAULT_LOCALE = "de"
    BABEL_DEFAULT_TIMEZONE = "Europe/Berlin"
    LANGUAGES = ("de", "en")

    ATTACHMENT_FOLDER = os.environ.get("ATTACHMENT_FOLDER")  # default: instance/attachments
    LOG_LEVEL = os.environ.get("LOG_LEVEL", "INFO")
    LOG_REQUESTS = _env_bool("LOG_REQUESTS", True)  # one line per request (app/requestlog.py)
    REMINDER_HOURS_BEFORE = int(os.environ.get("REMINDER_HOURS_BEFORE", "24"))
    POLL_REMINDER_HOURS = int(os.environ.get("POLL_REMINDER_HOURS", "48"))
    POLL_RETENTION_DAYS = int(os.environ.get("POLL_RETENTION_DAYS", "90"))

    INVITATION_VALID_FOR = timedelta(days=7)
    PASSWORD_RESET_VALID_FOR = timedelta(hours=1)

    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = _env_bool("SESSION_COOKIE_SECURE", True)
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_SECURE = SESSION_COOKIE_SECURE
    REMEMBER_COOKIE_DURATION = timedelta(days=14)
    FORCE_HTTPS = _env_bool("FORCE_HTTPS", True)
    TRUSTED_PROXIES = int(os.environ.get("TRUSTED_PROXIES", "0"))

    WTF_CSRF_TIME_LIMIT = None  # tie the token to the session, not to a clock
    MAX_CONTENT_LENGTH = 25 * 1024 * 1024

    @classmethod
    def check(cls, settings: Mapping[str, Any]) -> None:
        """Refuse settings that are unsafe for this environment."""


class DevelopmentConfig(Config):
    """Local development: SQLite, outbox mail, plain HTTP."""

    ENV_NAME = "development"

    SECRET_KEY = os.environ.get("SECRET_KEY", "dev-only-not-secret")
    SESSION_COOKIE_SECURE = _env_bool("SESSION_COOKIE_SECURE", False)
    REMEMBER_COOKIE_SECURE = SESSION_COOKIE_SECURE
    FORCE_HTTPS = _env_bool("FORCE_HTTPS", False)


class TestingConfig(DevelopmentConfig):
    """The test suite: database from TEST_DATABASE_URL, outbox mail, no HTTPS redirect."""

    ENV_NAME = "testing"
    TESTING = True
    SECRET_KEY = "testing-not-secret"  # noqa: S105 - signs only throwaway test sessions, never a real deployment
    SQLALCHEMY_DATABASE_URI = os.environ.get("TEST_DATABASE_URL", "sqlite://")
    RATELIMIT_STORAGE_URI = os.environ.get("TEST_RATELIMIT_STORAGE_URI", "memory://")
    CACHE_REDIS_URL = None  # each test app has a fresh in-process cache; tests/test_cache.py tries Redis
    SESSION_COOKIE_SECURE = False
    REMEMBER_COOKIE_SECURE = False
    FORCE_HTTPS = False
    BASE_URL = "http://localhost"


class ProductionConfig(Config):
    """Production: secrets and the database must come from the environment."""

    @classmethod
    def check(cls, settings: Mapping[str, Any]) -> None:
        if not settings.get("SECRET_KEY"):
            raise RuntimeError("SECRET_KEY must be set in production.")
        if settings.get("SQLALCHEMY_DATABASE_URI") in (None, DEFAULT_SQLITE_URL):
            raise RuntimeError("DATABASE_URL must be set in production (the SQLite default is for development).")


CONFIGS: dict[str, type[Config]] = {
    "development": DevelopmentConfig,
    "testing": TestingConfig,
    "production": ProductionConfig,
}


def config_for(name: str | None = None) -> type[Config]:
    """Pick the configuration class named by KOOP_ENV (default: production, the safe choice)."""
    name = name or os.environ.get("KOOP_ENV", "production")
    try:
        return CONFIGS[name]
    except KeyError:
        raise RuntimeError(f"Unknown KOOP_ENV {name!r}; use one of {', '.join(CONFIGS)}.") from None
