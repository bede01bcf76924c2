"""PostgreSQL indexes for two kinds of task-list pages that read and sorted all of a user's matching tasks:
the due-date orders (an expression: undated tasks last, both ways) and the tag filter (containment in the
JSON list; the index also gives the planner the statistics to choose a plan)

Revision ID: 0013
Revises: 0012
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The expressions exactly as TaskRepository writes them (the planner matches indexes to the query's text).
_DUE_UP = "coalesce(due_date, '9999-12-31T00:00:00+00:00'::timestamptz)"
_DUE_DOWN = "coalesce(due_date, '0001-01-01T00:00:00+00:00'::timestamptz)"


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return  # SQLite: one user's list is small enough to sort, and it has no containment operator
    op.execute(f"CREATE INDEX ix_tasks_owner_due_up ON tasks (owner_id, ({_DUE_UP}), id)")
    op.execute(f"CREATE INDEX ix_tasks_owner_due_down ON tasks (owner_id, ({_DUE_DOWN}), id)")
    op.execute("CREATE INDEX ix_tasks_tags ON tasks USING gin ((tags::jsonb) jsonb_path_ops)")


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for name in ("ix_tasks_tags", "ix_tasks_owner_due_down", "ix_tasks_owner_due_up"):
        op.execute(f"DROP INDEX {name}")
