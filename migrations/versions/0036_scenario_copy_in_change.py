"""A scenario's row recorded in this very change keeps only its last state, a copy too.

A scenario takes a feature over at its first edit: its rows are copied into the version
tables (`gis.editing.store.fork`). The copies now keep the change that wrote what they hold
(only their recorded time is the copying change's), so that taking a plot over moves no
version a reader who may not read sale data sees when the edit changes its sale data alone.
The version tables' trigger (migration 0010) kept a superseded state as history unless the
row was stamped by this very change (`change_id`); a copy, made by this change but stamped
with an older one, would leave a state that was never in the plan for any time: closed as
soon as it was recorded. The test is now the recorded time as well: a row recorded in this
change keeps only its last state, as a row it stamped always did.

Patched in the generator (`vm_version_views_refresh`, for tables versioned later) and in
each version table's trigger function it made.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0036"
down_revision: str | None = "0035"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OLD = "IF OLD.change_id IS DISTINCT FROM vm_change_id() THEN"
NEW = (
    "IF OLD.change_id IS DISTINCT FROM vm_change_id()\n"
    "                   AND OLD.recorded_from IS DISTINCT FROM vm_change_time() THEN"
)
# Where the generator writes the version table's function: the only place it names `deleted`
# among the history row's columns.
GENERATOR_TAIL = (
    "\n                    INSERT INTO %I (scenario_id, recorded_to, superseded_by, deleted,"
)

PATCH = r"""
DO $$
DECLARE
    f regprocedure;
    src text;
    patched text;
BEGIN
    src := pg_get_functiondef('vm_version_views_refresh(text, text, text)'::regprocedure);
    patched := replace(src, $r$@FROM@$r$ || $r$@TAIL@$r$, $r$@TO@$r$ || $r$@TAIL@$r$);
    IF patched = src THEN
        RAISE EXCEPTION 'vm_version_views_refresh is not the generator this migration patches';
    END IF;
    EXECUTE patched;
    FOR f IN SELECT p.oid::regprocedure FROM pg_proc p
              WHERE p.proname LIKE 'vm\_record\_%\_version' AND p.pronargs = 0 LOOP
        src := pg_get_functiondef(f);
        patched := replace(src, $r$@FROM@$r$, $r$@TO@$r$);
        IF patched = src THEN
            RAISE EXCEPTION '% is not a version table''s trigger function as generated', f;
        END IF;
        EXECUTE patched;
    END LOOP;
END $$;
"""


def _patch(frm: str, to: str) -> str:
    return PATCH.replace("@FROM@", frm).replace("@TO@", to).replace("@TAIL@", GENERATOR_TAIL)


def upgrade() -> None:
    op.execute(_patch(OLD, NEW))


def downgrade() -> None:
    op.execute(_patch(NEW, OLD))
