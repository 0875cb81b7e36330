"""Organisations: the state ministries, districts, municipalities and others that send people to bodies."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.types import UTCDateTime, enum_column, utcnow


class OrganisationKind(enum.StrEnum):
    STATE_MINISTRY = "state_ministry"
    MUNICIPAL_ASSOCIATION = "municipal_association"
    IT_SERVICE_PROVIDER = "it_service_provider"
    DISTRICT = "district"
    MUNICIPALITY = "municipality"
    OTHER = "other"


class OrganisationLevel(enum.StrEnum):
    STATE = "state"
    MUNICIPAL = "municipal"
    OTHER = "other"


class Organisation(db.Model):
    __tablename__ = "organisations"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    short_name: Mapped[str] = mapped_column(String(50), default="")
    kind: Mapped[OrganisationKind] = mapped_column(enum_column(OrganisationKind, "organisation_kind"), index=True)
    level: Mapped[OrganisationLevel] = mapped_column(enum_column(OrganisationLevel, "organisation_level"), index=True)
    ags: Mapped[str | None] = mapped_column(String(8))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id", ondelete="RESTRICT"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    parent: Mapped[Organisation | None] = relationship(remote_side=[id], back_populates="children")
    children: Mapped[list[Organisation]] = relationship(back_populates="parent", order_by="Organisation.name")

    def __repr__(self) -> str:
        return f"<Organisation {self.id} {self.name!r}>"

    def ancestors(self) -> list[Organisation]:
        """The chain of parents, nearest first (stops at a loop, which the services never allow)."""
        chain: list[Organisation] = []
        node = self.parent
        while node is not None and node not in chain and node is not self:
            chain.append(node)
            node = node.parent
        return chain
