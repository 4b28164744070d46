"""How a feature plugs a form into the generic Telegram runner (see bot/forms/README.md).

A feature declares its `Form` (bot/forms/model.py) and registers a `FormFlow` in
handlers.register(); the runner's one FreeInput consumer and one CallbackQueryHandler serve
every registered form.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession
from telegram import InlineKeyboardMarkup, ReplyKeyboardMarkup, ReplyKeyboardRemove

from bot.context import BotContext
from bot.forms.model import Form, Problem

ReplyMarkup = InlineKeyboardMarkup | ReplyKeyboardMarkup | ReplyKeyboardRemove


@dataclass(frozen=True, slots=True)
class Reply:
    """One message to send after the unit of work commits."""

    text: str
    reply_markup: ReplyMarkup | None = None
    html: bool = False  # True: `text` is Telegram HTML (escape what the family typed)


@dataclass(frozen=True, slots=True)
class FormResult:
    """What the hooks see: the run and its answers (only those of relevant questions)."""

    run_id: int
    user_id: int
    form_id: str
    subject_id: int | None
    answers: dict[str, Any]
    computed: dict[str, int | None]
    prefilled: frozenset[str]


@dataclass(slots=True)
class Completion:
    """The owner's decision when the family completes (or cancels) a form.

    accepted=False keeps the form open at the review (e.g. "this PIN already has an open
    application"): the messages explain why and the family can edit an answer.
    `after` runs once the messages are sent (sending a PDF, notifying caseworkers).
    """

    messages: list[Reply] = field(default_factory=list)
    accepted: bool = True
    after: Callable[[], Awaitable[None]] | None = None


# Called inside the unit of work of the final answer (or Submit press).
OnComplete = Callable[[AsyncSession, BotContext, FormResult], Awaitable[Completion]]
# Called inside the unit of work of the confirmed /cancel.
OnCancel = Callable[[AsyncSession, BotContext, FormResult], Awaitable[Completion]]
# A check that needs the database, run on a well-formed answer before it is stored.
Check = Callable[[AsyncSession, BotContext, FormResult, Any], Awaitable[Problem | None]]


@dataclass(frozen=True, slots=True)
class FormFlow:
    """A form plus the owner's hooks."""

    form: Form
    on_complete: OnComplete
    on_cancel: OnCancel | None = None
    checks: Mapping[str, Check] = field(default_factory=dict)
    # msgid of the /cancel confirmation; None: the runner's generic question.
    cancel_question: str | None = None


_FLOWS: dict[str, FormFlow] = {}


def register_form(flow: FormFlow) -> None:
    """Make a form runnable. Called from handlers.register(); registering again replaces."""
    _FLOWS[flow.form.id] = flow


def flow_of(form_id: str) -> FormFlow | None:
    return _FLOWS.get(form_id)
