"""A test client that gives every request its own app context, as a real server does.

The `app` fixture keeps one app context pushed for the whole test, and Flask reuses a pushed context of the
same app for each test request. Then `g` (Flask-Login's current user, Flask-Babel's locale) and the
database session leak from one request into the next, even between two clients. Tests that use several
clients, log in as different people, or switch the language need this client.
"""

from __future__ import annotations

from flask.testing import FlaskClient


class IsolatedClient(FlaskClient):
    def open(self, *args, **kwargs):
        # Redirects that the client follows come back through open() and get a context of their own too.
        with self.application.app_context():
            return super().open(*args, **kwargs)
