"""Every permission rule of Koop, as pure predicates used by routes and templates alike.

Each predicate takes the acting account (or an anonymous user) and, where it matters, the object.
"""

from __future__ import annotations

from typing import Any

from app.models import Account, GlobalRole

Actor = Any  # an Account or Flask-Login's AnonymousUserMixin


def _logged_in(actor: Actor) -> bool:
    return bool(getattr(actor, "is_authenticated", False)) and bool(getattr(actor, "active", False))


def is_admin(actor: Actor) -> bool:
    return _logged_in(actor) and actor.role is GlobalRole.ADMIN


def is_organiser(actor: Actor) -> bool:
    """Organisers and admins: the Geschäftsstelle's rights."""
    return _logged_in(actor) and actor.role in (GlobalRole.ORGANISER, GlobalRole.ADMIN)


# Accounts


def can_list_accounts(actor: Actor) -> bool:
    return is_admin(actor)


def can_invite_accounts(actor: Actor) -> bool:
    return is_organiser(actor)


def can_edit_account(actor: Actor, account: Account) -> bool:
    return is_admin(actor)


def can_change_activation(actor: Actor, account: Account) -> bool:
    """Admins (de)activate others, never themselves, so an installation cannot lock out its last admin by mistake."""
    return is_admin(actor) and actor.id != account.id


def can_edit_profile(actor: Actor) -> bool:
    return _logged_in(actor)


# Organisations


def can_view_organisations(actor: Actor) -> bool:
    return _logged_in(actor)


def can_manage_organisations(actor: Actor) -> bool:
    return is_admin(actor)
