"""broadcasts, broadcast deliveries, broadcast senders

Revision ID: 0006
Revises: 0002
Create Date: 2026-11-30 10:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
_BROADCAST_STATE = sa.Enum(
    "draft", "queued", "sending", "done", "cancelled",
    name="broadcaststate", native_enum=False, length=16,
)
_DELIVERY_STATE = sa.Enum(
    "pending", "sending", "sent", "failed", "blocked", "unknown", "cancelled",
    name="deliverystate", native_enum=False, length=16,
)


def upgrade() -> None:
    op.create_table(
        "broadcast_senders",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_broadcast_senders")),
    )
    op.create_table(
        "broadcasts",
        sa.Column("id", _ID, autoincrement=True, nullable=False),
        sa.Column("created_by", sa.BigInteger(), nullable=False),
        sa.Column("state", _BROADCAST_STATE, nullable=False),
        sa.Column("step", sa.String(length=16), nullable=True),
        sa.Column("one_text", sa.Boolean(), nullable=False),
        sa.Column("text_ky", sa.Text(), nullable=True),
        sa.Column("text_ru", sa.Text(), nullable=True),
        sa.Column("attachment_kind", sa.String(length=16), nullable=True),
        sa.Column("attachment_file_id", sa.String(length=256), nullable=True),
        sa.Column("audience", sa.String(length=16), nullable=True),
        sa.Column("audience_value", sa.String(length=32), nullable=True),
        sa.Column("scheduled_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("total", sa.Integer(), nullable=False),
        sa.Column("progress_chat_id", sa.BigInteger(), nullable=True),
        sa.Column("progress_message_id", sa.BigInteger(), nullable=True),
        sa.Column("progress_by", sa.String(length=36), nullable=True),
        sa.Column("progress_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("confirmed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("cancelled_by", sa.BigInteger(), nullable=True),
        sa.ForeignKeyConstraint(
            ["created_by"], ["users.id"], name=op.f("fk_broadcasts_created_by_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_broadcasts")),
    )
    with op.batch_alter_table("broadcasts", schema=None) as batch_op:
        batch_op.create_index(
            "ix_broadcasts_created_by_state", ["created_by", "state"], unique=False
        )
        batch_op.create_index(
            "ix_broadcasts_state_scheduled_at", ["state", "scheduled_at"], unique=False
        )

    op.create_table(
        "broadcast_deliveries",
        sa.Column("id", _ID, autoincrement=True, nullable=False),
        sa.Column("broadcast_id", _ID, nullable=False),
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("language", sa.String(length=8), nullable=False),
        sa.Column("state", _DELIVERY_STATE, nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("not_before", sa.DateTime(timezone=True), nullable=True),
        sa.Column("claimed_by", sa.String(length=36), nullable=True),
        sa.Column("message_id", sa.BigInteger(), nullable=True),
        sa.Column("error", sa.String(length=256), nullable=True),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["broadcast_id"],
            ["broadcasts.id"],
            name=op.f("fk_broadcast_deliveries_broadcast_id_broadcasts"),
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_broadcast_deliveries_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_broadcast_deliveries")),
        sa.UniqueConstraint(
            "broadcast_id", "user_id", name="uq_broadcast_deliveries_recipient"
        ),
    )
    with op.batch_alter_table("broadcast_deliveries", schema=None) as batch_op:
        batch_op.create_index(
            "ix_broadcast_deliveries_broadcast_id_state_id",
            ["broadcast_id", "state", "id"],
            unique=False,
        )
        batch_op.create_index(
            "ix_broadcast_deliveries_claimed_by", ["claimed_by"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("broadcast_deliveries", schema=None) as batch_op:
        batch_op.drop_index("ix_broadcast_deliveries_claimed_by")
        batch_op.drop_index("ix_broadcast_deliveries_broadcast_id_state_id")
    op.drop_table("broadcast_deliveries")
    with op.batch_alter_table("broadcasts", schema=None) as batch_op:
        batch_op.drop_index("ix_broadcasts_state_scheduled_at")
        batch_op.drop_index("ix_broadcasts_created_by_state")
    op.drop_table("broadcasts")
    op.drop_table("broadcast_senders")
