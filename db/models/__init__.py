"""Every table, imported here so Alembic and the repositories see one metadata.

Each capability keeps its tables in a module of its own; add its import below.
"""

from db.base import Base
from db.models.core import Direction, MessageLog, Role, User

__all__ = ["Base", "Direction", "MessageLog", "Role", "User"]
