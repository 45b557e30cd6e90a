"""The plan as a record (migration 0010): scenarios, changes, and when each row was recorded.

Every plan table carries `recorded_from` (when its current row was recorded) and `change_id`
(the change that recorded it), set by triggers whoever writes. Superseded rows and the rows
of scenarios other than the adopted plan live in `<table>_version`, which the database
generates from the plan table (`vm_version_table`), so they are not modelled here; a test
holds each version table to its plan table's columns.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    text,
)
from sqlalchemy.orm import Mapped, declared_attr, mapped_column

from gis.models.base import Base

CHANGE_KINDS = ("edit", "create", "delete", "restore", "adopt", "import", "load", "sql")


class Scenario(Base):
    """A named line of the plan; id 1, `vedtaget`, is the adopted plan."""

    __tablename__ = "scenario"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(Text)
    description: Mapped[str | None] = mapped_column(Text)
    base_recorded: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=text("clock_timestamp()")
    )
    created_by: Mapped[str | None] = mapped_column(Text)
    adopted_change_id: Mapped[int | None] = mapped_column(
        BigInteger, ForeignKey("plan_change.id", name="scenario_adopted_change", use_alter=True)
    )

    __table_args__ = (CheckConstraint("slug ~ '^[a-z0-9][a-z0-9-]*$'", name="scenario_slug_check"),)


class PlanChange(Base):
    """One change of the plan: an edit, a restore, an adoption, an import."""

    __tablename__ = "plan_change"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    scenario_id: Mapped[int] = mapped_column(ForeignKey("scenario.id", ondelete="CASCADE"))
    actor: Mapped[str] = mapped_column(Text)
    role: Mapped[str | None] = mapped_column(Text)
    kind: Mapped[str] = mapped_column(String(16))
    note: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (
        CheckConstraint(
            "kind IN (" + ", ".join(f"'{k}'" for k in CHANGE_KINDS) + ")",
            name="plan_change_kind_check",
        ),
        Index("plan_change_recorded", "recorded_at"),
    )


class Recorded:
    """Mixin of every plan table: when its row was recorded, and by which change."""

    recorded_from: Mapped[datetime] = mapped_column(DateTime(timezone=True))

    @declared_attr
    def change_id(cls) -> Mapped[int | None]:  # noqa: N805 (SQLAlchemy's declared_attr)
        return mapped_column(BigInteger, ForeignKey("plan_change.id"))
