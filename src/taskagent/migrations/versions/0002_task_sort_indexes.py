"""indexes for the list's sort orders

Revision ID: 0002
Revises: 0001

`GET /tasks` pages by keyset in (sort column, id) order within one owner's tasks. Only created_at had an
index in that order: every other sort read and sorted all of the owner's tasks for each page of 50.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INDEXES = {
    "ix_tasks_owner_updated": ["owner_id", "updated_at", "id"],
    "ix_tasks_owner_priority": ["owner_id", "priority_rank", "id"],
    "ix_tasks_owner_title": ["owner_id", "title", "id"],
}


def upgrade() -> None:
    for name, columns in INDEXES.items():
        op.create_index(name, "tasks", columns)


def downgrade() -> None:
    for name in INDEXES:
        op.drop_index(name, table_name="tasks")
