"""A database role for every reader who may not see confidential data: `vm_public`.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-01 11:10:00

Confidentiality is enforced by the database, not only by the paths that read: the platform's
connections start as `vm_public` (the `role` session option, `gis.db.make_engine`), and only
a request whose reader may read confidential data, and a write, take the login role back for
their own transaction (`SET LOCAL ROLE NONE`, `gis.db.elevate`). A path that forgets to leave
a confidential column out meets "permission denied", not the column.

What `vm_public` may not read:
- `parcel_sale` and `parcel_sale_version` (price, buyer, option holder, the sale dates), except
  which change wrote a plot's sale row (`parcel_id`, `change_id`, `superseded_by`), which the
  platform needs to withhold those changes' times from a public history;
- of `sale_status_change`, when a change was made (`changed_at`: it is the offered, option or
  sold date), by whom and why (`actor`, `note`); the view `sale_status_history` gives the year;
- `api_token` (token hashes, names, roles).
Everything else, in `public` and the plan version schemas, it may read; tables made by later
migrations too (default privileges): a table holding confidential data must be revoked here
as these are (`gis.land.confidential.CONFIDENTIAL_TABLES` declares them; a test holds the
database to that declaration).

The plan version views (`plan_view`, `plan_recorded`, `plan_scenario`, migration 0010) check
the privileges of the reader, not of their owner (`security_invoker`): `plan_view.parcel_sale`
is as closed as `parcel_sale`. A view made again by `vm_version_table_refresh` loses that
option; the same test asks every plan version view of a confidential table as `vm_public`.

The role is cluster-wide (another database of the cluster may use it): the downgrade takes
its privileges in this database away and leaves the role.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SCHEMAS = "public, plan_view, plan_recorded, plan_scenario"
VERSION_SCHEMAS = ("plan_view", "plan_recorded", "plan_scenario")


def _views(invoker: bool) -> str:
    return f"""
    DO $$
    DECLARE v record;
    BEGIN
        FOR v IN SELECT n.nspname, c.relname FROM pg_class c
                 JOIN pg_namespace n ON n.oid = c.relnamespace
                 WHERE c.relkind = 'v'
                   AND n.nspname IN ('plan_view', 'plan_recorded', 'plan_scenario')
        LOOP
            EXECUTE format('ALTER VIEW %I.%I SET (security_invoker = {str(invoker).lower()})',
                           v.nspname, v.relname);
        END LOOP;
    END $$;
    """


def upgrade() -> None:
    op.execute(
        """
        DO $$
        BEGIN
            IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'vm_public') THEN
                CREATE ROLE vm_public NOLOGIN;
            END IF;
        END $$;
        """
    )
    # The login role (the one the platform connects as) must be able to become it.
    op.execute("GRANT vm_public TO CURRENT_USER")
    op.execute(f"GRANT USAGE ON SCHEMA {SCHEMAS} TO vm_public")
    op.execute(f"GRANT SELECT ON ALL TABLES IN SCHEMA {SCHEMAS} TO vm_public")
    op.execute(f"ALTER DEFAULT PRIVILEGES IN SCHEMA {SCHEMAS} GRANT SELECT ON TABLES TO vm_public")
    op.execute(_views(True))
    op.execute(
        """
        REVOKE SELECT ON parcel_sale, parcel_sale_version, api_token, sale_status_change,
                         plan_view.parcel_sale, plan_recorded.parcel_sale,
                         plan_scenario.parcel_sale
            FROM vm_public;
        GRANT SELECT (parcel_id, change_id) ON parcel_sale TO vm_public;
        GRANT SELECT (parcel_id, change_id, superseded_by) ON parcel_sale_version TO vm_public;
        GRANT SELECT (id, parcel_id, from_status, to_status, change_id)
            ON sale_status_change TO vm_public;
        """
    )
    # The sale-status history as anyone may see it: the statuses, their order (`seq`, 1 for a
    # parcel's first change, in commit order) and the year of each change in the plan's own
    # clock (the year is public anyway, as a plot's sale_year). A view runs with its owner's
    # rights: `changed_at` stays closed.
    op.execute(
        """
        CREATE VIEW sale_status_history AS
        SELECT id, parcel_id, from_status, to_status,
               extract(year FROM changed_at AT TIME ZONE 'Europe/Copenhagen')::integer
                   AS changed_year,
               row_number() OVER (PARTITION BY parcel_id ORDER BY changed_at, id)::integer
                   AS seq
        FROM sale_status_change;
        GRANT SELECT ON sale_status_history TO vm_public;
        """
    )


def downgrade() -> None:
    op.execute("DROP VIEW sale_status_history")
    op.execute(_views(False))
    op.execute(
        f"ALTER DEFAULT PRIVILEGES IN SCHEMA {SCHEMAS} REVOKE SELECT ON TABLES FROM vm_public"
    )
    op.execute(
        "REVOKE SELECT (parcel_id, change_id) ON parcel_sale FROM vm_public;"
        "REVOKE SELECT (parcel_id, change_id, superseded_by) ON parcel_sale_version FROM vm_public;"
        "REVOKE SELECT (id, parcel_id, from_status, to_status, change_id) ON sale_status_change"
        " FROM vm_public"
    )
    op.execute(f"REVOKE SELECT ON ALL TABLES IN SCHEMA {SCHEMAS} FROM vm_public")
    op.execute(f"REVOKE USAGE ON SCHEMA {SCHEMAS} FROM vm_public")
