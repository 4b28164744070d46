"""eligibility checks: progress moves to the form engine; remember the answering language

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-30 10:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("eligibility_checks", schema=None) as batch_op:
        batch_op.drop_column("current_question")
        batch_op.add_column(sa.Column("language", sa.String(length=8), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("eligibility_checks", schema=None) as batch_op:
        batch_op.drop_column("language")
        batch_op.add_column(
            sa.Column("current_question", sa.String(length=64), nullable=True)
        )
