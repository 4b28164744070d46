"""Every table, imported here so Alembic and the repositories see one metadata.

Each capability keeps its tables in a module of its own; add its import below.
"""

from db.base import Base
from db.enums import Direction, Role, Status
from db.models.application import Application, Document, StatusChange
from db.models.core import MessageLog, User
from db.models.eligibility import EligibilityCheck

__all__ = [
    "Application",
    "Base",
    "Direction",
    "Document",
    "EligibilityCheck",
    "MessageLog",
    "Role",
    "Status",
    "StatusChange",
    "User",
]
