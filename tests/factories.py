"""factory_boy factories for test data; they commit through the app's session."""

from __future__ import annotations

import factory
from factory.alchemy import SQLAlchemyModelFactory

from app.auth.passwords import hash_password
from app.extensions import db
from app.models import Account, GlobalRole, Organisation, OrganisationKind, OrganisationLevel

PASSWORD = "correct-horse-battery"
_PASSWORD_HASH = hash_password(PASSWORD)  # hashed once: Argon2 is slow on purpose


class BaseFactory(SQLAlchemyModelFactory):
    class Meta:
        abstract = True
        sqlalchemy_session_factory = lambda: db.session  # noqa: E731
        sqlalchemy_session_persistence = "commit"


class OrganisationFactory(BaseFactory):
    class Meta:
        model = Organisation

    name = factory.Sequence(lambda n: f"Gemeinde Beispiel {n}")
    short_name = factory.Sequence(lambda n: f"GB{n}")
    kind = OrganisationKind.MUNICIPALITY
    level = OrganisationLevel.MUNICIPAL


class StateOrganisationFactory(OrganisationFactory):
    name = factory.Sequence(lambda n: f"Ministerium Nummer {n}")
    kind = OrganisationKind.STATE_MINISTRY
    level = OrganisationLevel.STATE


class AccountFactory(BaseFactory):
    class Meta:
        model = Account

    email = factory.Sequence(lambda n: f"person{n}@example.org")
    display_name = factory.Sequence(lambda n: f"Person {n}")
    organisation = factory.SubFactory(OrganisationFactory)
    role = GlobalRole.NONE
    password_hash = _PASSWORD_HASH
    locale = "en"  # English texts in assertions; tests of German choose "de"


class AdminFactory(AccountFactory):
    role = GlobalRole.ADMIN


class OrganiserFactory(AccountFactory):
    role = GlobalRole.ORGANISER
