"""Facts about a person that the permission predicates need, each loaded once per account and transaction.

The predicates in app/permissions.py are asked many times per page; the facts behind them (current roles,
invitations) come from one query each. A commit or rollback forgets them, since they may have changed.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from sqlalchemy import event
from sqlalchemy.orm import Session

from app.extensions import db
from app.models import Account

T = TypeVar("T")
_KEY = "koop_access"


def once_per_transaction(fact: str, account: Account, load: Callable[[], T]) -> T:
    """The fact about the account, loaded by `load` on first use in this transaction."""
    cache: dict[tuple[str, int], Any] = db.session.info.setdefault(_KEY, {})
    if (fact, account.id) not in cache:
        cache[(fact, account.id)] = load()
    return cache[(fact, account.id)]


@event.listens_for(Session, "after_commit")
@event.listens_for(Session, "after_soft_rollback")
def _forget(session: Session, *args: Any) -> None:
    session.info.pop(_KEY, None)
