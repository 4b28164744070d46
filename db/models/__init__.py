"""Every table, imported here so Alembic and the repositories see one metadata.

Each capability keeps its tables in a module of its own; add its import below.
"""

from db.base import Base
from db.enums import Direction, Role, Status
from db.models.application import Application, Document, StatusChange
from db.models.broadcast import Broadcast, BroadcastSender, Delivery
from db.models.casework import (
    CaseNote,
    CaseNotice,
    CaseworkerRegion,
    InfoRequest,
    Invite,
    PendingInput,
    RelayConversation,
    RelayMessage,
    Reminder,
)
from db.models.core import MessageLog, User
from db.models.eligibility import EligibilityCheck
from db.models.forms import FormRun, RunStatus
from db.models.inbox import InboxUpdate
from db.models.privacy import PrivacyRequest

__all__ = [
    "Application",
    "Base",
    "Broadcast",
    "BroadcastSender",
    "CaseNote",
    "CaseNotice",
    "CaseworkerRegion",
    "Delivery",
    "Direction",
    "Document",
    "EligibilityCheck",
    "FormRun",
    "InboxUpdate",
    "InfoRequest",
    "Invite",
    "MessageLog",
    "PendingInput",
    "PrivacyRequest",
    "RelayConversation",
    "RelayMessage",
    "Reminder",
    "Role",
    "RunStatus",
    "Status",
    "StatusChange",
    "User",
]
