"""Reminders on tasks (tasks.reminders, next_reminder_at, reminded_until) and the notifications they send

Revision ID: 0010
Revises: 0009
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("tasks", sa.Column("reminders", sa.JSON(), nullable=False, server_default="[]"))
    op.add_column("tasks", sa.Column("next_reminder_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column("tasks", sa.Column("reminded_until", sa.DateTime(timezone=True), nullable=True))
    op.create_index("ix_tasks_next_reminder", "tasks", ["next_reminder_at"])
    op.create_table(
        "notifications",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=False),
        sa.Column("task_id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("due_date", sa.DateTime(timezone=True), nullable=True),
        sa.Column("remind_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("late", sa.Boolean(), nullable=False),
        sa.Column("read_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["owner_id"], ["users.id"], name=op.f("fk_notifications_owner_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notifications")),
        sa.UniqueConstraint("task_id", "remind_at", name="uq_notifications_task_remind_at"),
    )
    op.create_index("ix_notifications_owner", "notifications", ["owner_id", "id"])


def downgrade() -> None:
    op.drop_index("ix_notifications_owner", table_name="notifications")
    op.drop_table("notifications")
    op.drop_index("ix_tasks_next_reminder", table_name="tasks")
    with op.batch_alter_table("tasks") as batch:
        batch.drop_column("reminded_until")
        batch.drop_column("next_reminder_at")
        batch.drop_column("reminders")
