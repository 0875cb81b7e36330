"""Tests that run Koop as real processes: two gunicorn instances on one PostgreSQL and one Redis (.ci/run)."""
