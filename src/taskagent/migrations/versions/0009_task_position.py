"""tasks.position: the user's manual order (lower first), with an index for `sort=position`

Revision ID: 0009
Revises: 0007 (to be rechained after 0008 when merged)

Existing tasks get their id as position, so the manual order starts as the order they were created in.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("tasks", sa.Column("position", sa.Double(), nullable=False, server_default="0"))
    op.execute("UPDATE tasks SET position = id")
    op.create_index("ix_tasks_owner_position", "tasks", ["owner_id", "position", "id"])


def downgrade() -> None:
    op.drop_index("ix_tasks_owner_position", table_name="tasks")
    with op.batch_alter_table("tasks") as batch:
        batch.drop_column("position")
