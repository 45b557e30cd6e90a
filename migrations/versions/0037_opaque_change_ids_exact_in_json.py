"""Opaque change ids fit a JSON number every client reads exactly.

Every change id a reader who may not read sale data is shown is opaque now (not only a land
row's): a history's `change.id`, a scenario's adoption, an import's change. Migration 0026
put them at or above 2**62, beyond the 2**53 up to which a JSON number is an exact integer
in JavaScript and in every client that reads numbers as doubles (RFC 7493, I-JSON): the web
viewer restored a version by an id it had rounded, and was answered 404. They are now the
keyed hash's low 52 bits with bit 52 set: at or above 2**52, below 2**53. A real change id
(a sequence number) does not come near 2**52; an opaque id is still its own opaque id.

Tags and ids handed out before read as stale once (a 412, or a 404 for a restore): read
again. Nothing stores an opaque id.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0037"
down_revision: str | None = "0036"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

HASH = r"""
CREATE OR REPLACE FUNCTION vm_hash_change(c bigint, key bytea) RETURNS bigint LANGUAGE sql
STABLE PARALLEL SAFE AS $$
    SELECT CASE WHEN c >= @MIN@ THEN c ELSE
           (('x' || encode(substr(sha256(key || convert_to(c::text, 'UTF8')), 1, 8), 'hex'))
            ::bit(64)::bigint & @LOW@) | @MIN@ END
$$;
"""


def _hash(bits: int) -> str:
    return HASH.replace("@MIN@", str(2**bits)).replace("@LOW@", str(2**bits - 1))


def upgrade() -> None:
    op.execute(_hash(52))


def downgrade() -> None:
    op.execute(_hash(62))
