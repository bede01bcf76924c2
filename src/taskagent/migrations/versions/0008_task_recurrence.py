"""tasks.recurrence and tasks.repeat_from: repeating tasks

Revision ID: 0008
Revises: 0007
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("tasks", sa.Column("recurrence", sa.String(length=300), nullable=True))
    op.add_column(
        "tasks",
        sa.Column(
            "repeat_from",
            sa.Enum("due", "completion", name="repeatfrom", native_enum=False, length=16),
            nullable=False,
            server_default="due",
        ),
    )


def downgrade() -> None:
    with op.batch_alter_table("tasks") as batch:
        batch.drop_column("repeat_from")
        batch.drop_column("recurrence")
