"""initial schema

Revision ID: 0001
Revises:
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import taskagent.db

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "users",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=False),
        sa.Column("password_hash", sa.String(length=255), nullable=False),
        sa.Column("timezone", sa.String(length=64), nullable=False),
        sa.Column("created_at", taskagent.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_users")),
    )
    # Emails are unique without regard to case.
    op.create_index("uq_users_email_lower", "users", [sa.text("lower(email)")], unique=True)
    op.create_table(
        "tasks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column(
            "status",
            sa.Enum("pending", "in_progress", "completed", name="taskstatus", native_enum=False, length=16),
            nullable=False,
        ),
        sa.Column(
            "priority",
            sa.Enum("low", "normal", "high", "urgent", name="taskpriority", native_enum=False, length=16),
            nullable=False,
        ),
        sa.Column("priority_rank", sa.Integer(), nullable=False),
        sa.Column("due_date", taskagent.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("tags", sa.JSON(), nullable=False),
        sa.Column("parent_id", sa.Integer(), nullable=True),
        sa.Column("estimate_minutes", sa.Integer(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", taskagent.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", taskagent.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("completed_at", taskagent.db.UTCDateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "estimate_minutes IS NULL OR estimate_minutes >= 0", name=op.f("ck_tasks_estimate_non_negative")
        ),
        sa.ForeignKeyConstraint(
            ["owner_id"], ["users.id"], name=op.f("fk_tasks_owner_id_users"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["parent_id"], ["tasks.id"], name=op.f("fk_tasks_parent_id_tasks"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tasks")),
    )
    with op.batch_alter_table("tasks", schema=None) as batch_op:
        batch_op.create_index("ix_tasks_owner_created", ["owner_id", "created_at", "id"], unique=False)
        batch_op.create_index("ix_tasks_owner_due", ["owner_id", "due_date"], unique=False)
        batch_op.create_index("ix_tasks_owner_status", ["owner_id", "status"], unique=False)
        batch_op.create_index("ix_tasks_parent", ["parent_id"], unique=False)

    op.create_table(
        "threads",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=False),
        sa.Column("task_id", sa.Integer(), nullable=True),
        sa.Column("title", sa.String(length=200), nullable=True),
        sa.Column("status", sa.JSON(), nullable=False),
        sa.Column("metadata", sa.JSON(), nullable=False),
        sa.Column("summary", sa.Text(), nullable=True),
        sa.Column("summary_through_seq", sa.Integer(), nullable=False),
        sa.Column("created_at", taskagent.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", taskagent.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["owner_id"], ["users.id"], name=op.f("fk_threads_owner_id_users"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["task_id"], ["tasks.id"], name=op.f("fk_threads_task_id_tasks"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_threads")),
    )
    with op.batch_alter_table("threads", schema=None) as batch_op:
        batch_op.create_index("ix_threads_owner_created", ["owner_id", "created_at", "id"], unique=False)
        batch_op.create_index("uq_threads_owner_task", ["owner_id", "task_id"], unique=True)

    op.create_table(
        "thread_items",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("thread_id", sa.String(length=64), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("type", sa.String(length=64), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("created_at", taskagent.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["owner_id"], ["users.id"], name=op.f("fk_thread_items_owner_id_users"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["thread_id"], ["threads.id"], name=op.f("fk_thread_items_thread_id_threads"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_thread_items")),
    )
    with op.batch_alter_table("thread_items", schema=None) as batch_op:
        batch_op.create_index("uq_thread_items_thread_seq", ["thread_id", "seq"], unique=True)


def downgrade() -> None:
    with op.batch_alter_table("thread_items", schema=None) as batch_op:
        batch_op.drop_index("uq_thread_items_thread_seq")

    op.drop_table("thread_items")
    with op.batch_alter_table("threads", schema=None) as batch_op:
        batch_op.drop_index("uq_threads_owner_task")
        batch_op.drop_index("ix_threads_owner_created")

    op.drop_table("threads")
    with op.batch_alter_table("tasks", schema=None) as batch_op:
        batch_op.drop_index("ix_tasks_parent")
        batch_op.drop_index("ix_tasks_owner_status")
        batch_op.drop_index("ix_tasks_owner_due")
        batch_op.drop_index("ix_tasks_owner_created")

    op.drop_table("tasks")
    op.drop_index("uq_users_email_lower", table_name="users")
    op.drop_table("users")
