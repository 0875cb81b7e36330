"""WSGI entry point for gunicorn and `flask run`: the only module-level app."""

from app import create_app

app = create_app()
