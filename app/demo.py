"""Demo data for development: real Saarland organisations and one account per role."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from app.auth.passwords import hash_password
from app.extensions import db
from app.models import Account, GlobalRole, Organisation
from app.organisations.importer import import_organisations

DATA_FOLDER = Path(__file__).parent / "data"
DEMO_PASSWORD = "koop-demo"
DEMO_ACCOUNTS = (
    # email, name, organisation short name, global role
    ("admin@koop.example", "Anna Admin", "eGo-Saar", GlobalRole.ADMIN),
    ("organiser@koop.example", "Olaf Organisator", "MIBS", GlobalRole.ORGANISER),
    ("chair@koop.example", "Clara Vorsitz", "MIBS", GlobalRole.NONE),
    ("secretary@koop.example", "Sven Schriftführer", "eGo-Saar", GlobalRole.NONE),
    ("member@koop.example", "Mia Mitglied", "SSGT", GlobalRole.NONE),
)


def seed_demo() -> None:
    """Load the demo data; safe to run twice (existing rows are kept)."""
    import_organisations((DATA_FOLDER / "saarland-organisations.csv").read_text(encoding="utf-8"))
    organisations = {o.short_name: o for o in db.session.scalars(select(Organisation))}
    password_hash = hash_password(DEMO_PASSWORD)
    existing = set(db.session.scalars(select(Account.email)))
    for email, name, organisation, role in DEMO_ACCOUNTS:
        if email in existing:
            continue
        db.session.add(
            Account(
                email=email,
                display_name=name,
                organisation=organisations.get(organisation),
                role=role,
                password_hash=password_hash,
            )
        )
    db.session.commit()
