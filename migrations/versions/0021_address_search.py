"""The address lookup by trigrams: `GET /addresses?q=…` at the size of a municipality.

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-01 11:45:00

`gis.registers.dar.search` finds every address whose text (vejnavn, husnummer, postnummer,
postnrnavn) holds each word of the query (ILIKE '%word%'). Without an index that is a scan
of every address: 330 ms for 100,000 (Odense has about 95,000). The text becomes a stored
generated column, `search_text`, with a trigram GIN index (pg_trgm, a trusted extension of
PostgreSQL's contrib) that answers ILIKE.

`address` is a plan table (migration 0010): the column goes on `address_version` too, plain
there (the version table's trigger computes it), and `vm_version_table_refresh` rebuilds its
triggers and views.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0021"
down_revision: str | None = "0020"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SEARCH_TEXT = (
    "vejnavn || ' ' || husnummer || ' ' || coalesce(postnummer::text, '') || ' ' "
    "|| coalesce(postnrnavn, '')"
)
VIEWS = ("plan_view", "plan_recorded", "plan_scenario")


def upgrade() -> None:
    op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    op.execute(
        f"ALTER TABLE address ADD COLUMN search_text text GENERATED ALWAYS AS ({SEARCH_TEXT}) "
        "STORED"
    )
    op.execute("ALTER TABLE address_version ADD COLUMN search_text text")
    op.execute("UPDATE address_version SET search_text = " + SEARCH_TEXT)
    op.execute("SELECT vm_version_table_refresh('address')")
    for schema in VIEWS:  # made again: the reader's privileges, as migration 0014 set them
        op.execute(f"ALTER VIEW {schema}.address SET (security_invoker = true)")
    op.execute("CREATE INDEX address_search ON address USING gin (search_text gin_trgm_ops)")


def downgrade() -> None:
    op.execute("DROP INDEX address_search")
    for schema in VIEWS:
        op.execute(f"DROP VIEW {schema}.address")
    op.execute("ALTER TABLE address DROP COLUMN search_text")
    op.execute("ALTER TABLE address_version DROP COLUMN search_text")
    op.execute("SELECT vm_version_table_refresh('address', 'address', 'id')")
    for schema in VIEWS:
        op.execute(f"ALTER VIEW {schema}.address SET (security_invoker = true)")
    op.execute("DROP EXTENSION IF EXISTS pg_trgm")
