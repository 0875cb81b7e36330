"""The schema comes only from migrations: they must match the models, and they must run down and up again."""

from __future__ import annotations

from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask import current_app
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect

from app import create_app
from app.extensions import db

MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"


def _compare_options() -> dict:
    """The comparison settings of migrations/env.py, so this test sees what `flask db migrate` would see."""
    options = dict(current_app.extensions["migrate"].configure_args)
    options.setdefault("compare_type", True)
    options.setdefault("render_as_batch", True)
    return options


def test_models_and_migrations_match(app):
    with db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts=_compare_options())
        differences = compare_metadata(context, db.metadata)
    assert differences == [], (
        "The models differ from the migrations; run `flask db migrate` and review the new revision:\n"
        + "\n".join(map(repr, differences))
    )


def test_test_database_is_at_the_single_head(app):
    script = ScriptDirectory(str(MIGRATIONS))
    heads = script.get_heads()
    assert len(heads) == 1, f"the migrations have several heads: {heads}"
    with db.engine.connect() as connection:
        assert MigrationContext.configure(connection).get_current_heads() == tuple(heads)


def test_upgrade_downgrade_upgrade_on_a_fresh_sqlite_file(tmp_path):
    url = f"sqlite:///{tmp_path / 'roundtrip.sqlite'}"
    app = create_app("testing", {"SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        upgrade()
        tables = set(inspect(db.engine).get_table_names())
        assert set(db.metadata.tables) <= tables

        downgrade(revision="base")
        assert set(inspect(db.engine).get_table_names()) <= {"alembic_version"}

        upgrade()
        assert set(db.metadata.tables) <= set(inspect(db.engine).get_table_names())
        with db.engine.connect() as connection:
            context = MigrationContext.configure(connection, opts=_compare_options())
            assert compare_metadata(context, db.metadata) == []
        db.session.remove()
        db.engine.dispose()
