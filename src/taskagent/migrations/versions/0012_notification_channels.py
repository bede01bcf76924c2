"""Notification channels: per user (users.notify_web, users.notify_email), and per notification what was
chosen when it was sent (web, and the email's delivery state)

Revision ID: 0012
Revises: 0011
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Plain ADD COLUMNs, not a batch: SQLite's batch mode copies the table and would lose users' expression
    # index (the unique lower(email)).
    op.add_column("users", sa.Column("notify_web", sa.Boolean(), nullable=False, server_default=sa.true()))
    op.add_column("users", sa.Column("notify_email", sa.Boolean(), nullable=False, server_default=sa.false()))
    op.add_column("notifications", sa.Column("web", sa.Boolean(), nullable=False, server_default=sa.true()))
    op.add_column(
        "notifications",
        sa.Column(
            "email_state",
            sa.Enum("pending", "sent", "failed", name="emailstate", native_enum=False, length=16),
            nullable=True,
        ),
    )
    op.add_column(
        "notifications", sa.Column("email_attempts", sa.Integer(), nullable=False, server_default="0")
    )
    op.add_column("notifications", sa.Column("email_next_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column("notifications", sa.Column("email_error", sa.String(length=300), nullable=True))
    op.create_index("ix_notifications_email_next", "notifications", ["email_next_at"])


def downgrade() -> None:
    op.drop_index("ix_notifications_email_next", table_name="notifications")
    for column in ("email_error", "email_next_at", "email_attempts", "email_state", "web"):
        op.drop_column("notifications", column)
    # Dropping columns is plain SQL on PostgreSQL and SQLite 3.35+ alike (no table copy).
    op.drop_column("users", "notify_email")
    op.drop_column("users", "notify_web")
