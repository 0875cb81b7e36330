"""Configuration: production refuses unsafe settings; an unknown environment name fails clearly."""

from __future__ import annotations

import pytest

from app import create_app
from config import DEFAULT_SQLITE_URL, ProductionConfig, config_for

POSTGRES_URL = "postgresql+psycopg://koop@db.example/koop"


def test_production_refuses_to_start_without_secret_key():
    with pytest.raises(RuntimeError, match="SECRET_KEY must be set"):
        create_app("production", {"SECRET_KEY": None, "SQLALCHEMY_DATABASE_URI": POSTGRES_URL})


def test_production_refuses_an_empty_secret_key():
    with pytest.raises(RuntimeError, match="SECRET_KEY must be set"):
        create_app("production", {"SECRET_KEY": "", "SQLALCHEMY_DATABASE_URI": POSTGRES_URL})


def test_production_refuses_the_default_sqlite_database():
    with pytest.raises(RuntimeError, match="DATABASE_URL must be set"):
        create_app("production", {"SECRET_KEY": "a-real-secret", "SQLALCHEMY_DATABASE_URI": DEFAULT_SQLITE_URL})


def test_production_starts_with_a_secret_and_a_database():
    app = create_app("production", {"SECRET_KEY": "a-real-secret", "SQLALCHEMY_DATABASE_URI": POSTGRES_URL})
    assert app.config["ENV_NAME"] == "production"
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["SESSION_COOKIE_HTTPONLY"] is True
    assert app.config["SESSION_COOKIE_SAMESITE"] == "Lax"
    assert app.config["REMEMBER_COOKIE_SECURE"] is True
    assert not app.testing


def test_production_is_the_default_environment(monkeypatch):
    monkeypatch.delenv("KOOP_ENV", raising=False)
    assert config_for() is ProductionConfig
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app(None, {"SECRET_KEY": None, "SQLALCHEMY_DATABASE_URI": POSTGRES_URL})


def test_unknown_koop_env_fails_clearly(monkeypatch):
    monkeypatch.setenv("KOOP_ENV", "staging")
    with pytest.raises(RuntimeError, match=r"Unknown KOOP_ENV 'staging'; use one of development, testing, production"):
        create_app()


def test_unknown_config_name_fails_clearly():
    with pytest.raises(RuntimeError, match="Unknown KOOP_ENV 'prod'"):
        create_app("prod")


def test_development_puts_a_relative_sqlite_file_into_the_instance_folder():
    app = create_app("development", {"SQLALCHEMY_DATABASE_URI": DEFAULT_SQLITE_URL})
    assert app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite:////")
    assert app.config["SQLALCHEMY_DATABASE_URI"].endswith("/instance/koop.sqlite")
    assert app.config["SESSION_COOKIE_SECURE"] is False


def test_testing_config(app):
    assert app.config["ENV_NAME"] == "testing"
    assert app.testing
    assert app.config["LOGIN_RATE_LIMIT"] == "10 per minute"
