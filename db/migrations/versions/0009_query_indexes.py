"""Indexes for /find: applications by PIN and by phone

/find looked a family up by scanning every application (the PIN's unique index covers open
applications only, and the phone had none): a few ms at 20,000 applications, but growing with
the table. bench/queries.py measures it.

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-29
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0009"
down_revision: str | Sequence[str] | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_applications_pin", "applications", ["pin"])
    op.create_index("ix_applications_phone", "applications", ["phone"])


def downgrade() -> None:
    op.drop_index("ix_applications_phone", table_name="applications")
    op.drop_index("ix_applications_pin", table_name="applications")
