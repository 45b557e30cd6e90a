"""Bookkeeping about the data itself: the data version caches key on (issue 3).

`data_version` holds one row, written only by the trigger function of `gis.data_version`
(the migration inserts it); no key is needed to find it.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    DateTime,
    LargeBinary,
    Table,
    func,
    text,
)

from gis.models.base import Base

data_version = Table(
    "data_version",
    Base.metadata,
    Column("version", BigInteger, nullable=False, server_default=text("1")),
    Column("changed_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    # Random at every bump (migration 0033): what caches key by beside the number.
    Column("stamp", BigInteger, nullable=False, server_default="0"),
    # Moved by every write but those of sale data alone (migration 0035): what a reader who
    # may not read sale data is answered by.
    Column("public_version", BigInteger, nullable=False, server_default=text("1")),
    Column("public_stamp", BigInteger, nullable=False, server_default="0"),
)

# The key of the opaque land change ids (migration 0026): one row, closed to the reader role,
# read only by the database's own masking function.
vm_secret = Table(
    "vm_secret",
    Base.metadata,
    Column("id", Boolean, primary_key=True, server_default=text("true")),
    Column("key", LargeBinary, nullable=False),
    CheckConstraint("id"),
)
