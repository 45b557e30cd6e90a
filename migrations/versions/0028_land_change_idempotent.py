"""An opaque change id stays as it is when made opaque again.

Revision ID: 0028
Revises: 0027
Create Date: 2026-12-01 13:50:00

Migration 0026's `vm_mask_change` makes a land row's change id opaque for a reader who may
not read sale data: in the land tables' version views, and now also where a read of the
adopted plan as it stands (the tables themselves) takes a feature's version
(`vm_land_change`, `gis.ogc.features.item_version`). A read of another version takes it
from those views, whose ids are opaque already: made opaque a second time it would be
another tag for the same version. An opaque id (at or above 2^62, never a change id) is now
given back as it is.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0028"
down_revision: str | None = "0027"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

MASK = r"""
CREATE OR REPLACE FUNCTION vm_mask_change(c bigint) RETURNS bigint LANGUAGE sql STABLE
PARALLEL SAFE SECURITY DEFINER SET search_path = pg_catalog, public AS $$
    SELECT CASE WHEN c >= 4611686018427387904 THEN c ELSE
           (('x' || encode(substr(sha256(s.key || convert_to(c::text, 'UTF8')), 1, 8), 'hex'))
            ::bit(64)::bigint & 4611686018427387903) | 4611686018427387904 END
    FROM public.vm_secret s WHERE c IS NOT NULL
$$;
"""

# Migration 0026's, as it was.
OLD_MASK = r"""
CREATE OR REPLACE FUNCTION vm_mask_change(c bigint) RETURNS bigint LANGUAGE sql STABLE
PARALLEL SAFE SECURITY DEFINER SET search_path = pg_catalog, public AS $$
    SELECT (('x' || encode(substr(sha256(s.key || convert_to(c::text, 'UTF8')), 1, 8), 'hex'))
            ::bit(64)::bigint & 4611686018427387903) | 4611686018427387904
    FROM public.vm_secret s WHERE c IS NOT NULL
$$;
"""


def upgrade() -> None:
    op.execute(MASK)


def downgrade() -> None:
    op.execute(OLD_MASK)
