"""Merge the feature branches; message_log.update_id for exactly-once processing

Revision ID: 0008
Revises: 0003, 0004, 0005, 0006, 0007
Create Date: 2026-11-29
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | Sequence[str] | None = ("0003", "0004", "0005", "0006", "0007")
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("message_log", schema=None) as batch_op:
        batch_op.add_column(sa.Column("update_id", sa.BigInteger(), nullable=True))
        batch_op.create_unique_constraint(batch_op.f("uq_message_log_update_id"), ["update_id"])


def downgrade() -> None:
    with op.batch_alter_table("message_log", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_message_log_update_id"), type_="unique")
        batch_op.drop_column("update_id")
