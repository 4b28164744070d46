"""Rendering business-plan PDFs in a worker process, beside the event loop.

fpdf2 is pure Python: a plan takes about 60 ms of CPU. In a thread it competes for the GIL
with every other family's update, so a submission took many times that in wall time while
its unit of work held the database (on SQLite, the one connection everybody waits for). A
worker process renders on another core and leaves the bot's CPU to the updates.

The worker rebuilds what cannot be pickled (the catalogs, the plan form with its lambdas)
once, from the language code and the grant amount; only the answers cross the pipe.
`PDF_PROCESSES=0` renders in a thread instead, as does any form other than the plan and any
render whose worker died (the pool is rebuilt for the next one).
"""

from __future__ import annotations

import asyncio
import functools
import logging
import multiprocessing
import multiprocessing.connection
import os
import sys
import threading
from collections.abc import Mapping
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from datetime import datetime
from typing import Any

from bot.forms.model import Form
from bot.i18n import I18n, Translator
from bot.plan.questions import PLAN_FORM_ID, build_plan_form

_LOG = logging.getLogger(__name__)

WORKER_NICENESS = 10  # added to the bot's own: the scheduler favours the bot over its workers


@functools.cache
def _i18n() -> I18n:
    return I18n()


@functools.cache
def _plan_form(grant_amount: int) -> Form:
    return build_plan_form(grant_amount)


def warm_up(grant_amount: int) -> None:
    """In the worker: load the catalogs, the form and fpdf once, before the first family."""
    _exit_with_parent()
    # Replies come first: when a wave of Submits keeps the worker busy, the bot's own process
    # must not lose its core to it (every other family would wait). A plan waits a little more.
    os.nice(WORKER_NICENESS)
    # fpdf imports numpy when it is installed (matplotlib brings it) for raster images only;
    # a plan has none. Without it the worker needs about 12 MB less.
    sys.modules.setdefault("numpy", None)  # type: ignore[arg-type]
    from bot.plan import pdf  # noqa: F401

    _i18n()
    _plan_form(grant_amount)


def render_plan_pdf(*args: Any, **kwargs: Any) -> bytes:
    """bot.plan.pdf.render_plan_pdf, imported when first needed: a bot whose PDFs are made by
    workers never loads fpdf (and what it imports) itself."""
    from bot.plan.pdf import render_plan_pdf as render

    return render(*args, **kwargs)


def _exit_with_parent() -> None:
    """A bot killed with SIGKILL (or by the OOM killer) cannot stop its workers, and they would
    wait for work forever: each restart would leave one more. The worker leaves on its own."""
    parent = multiprocessing.parent_process()
    if parent is None:
        return
    sentinel = parent.sentinel

    def watch() -> None:
        multiprocessing.connection.wait([sentinel])
        os._exit(0)

    threading.Thread(target=watch, name="exit-with-the-bot", daemon=True).start()


def render_job(
    language: str,
    grant_amount: int,
    answers: Mapping[str, Any],
    ref: str,
    submitted_at: datetime,
    prefilled: frozenset[str],
) -> bytes:
    """In the worker: one plan's PDF."""
    return render_plan_pdf(
        _i18n().get(language),
        _plan_form(grant_amount),
        answers,
        ref=ref,
        submitted_at=submitted_at,
        prefilled=prefilled,
    )


# One pool per process, shared by every application built in it (tests build hundreds): the
# workers start once. concurrent.futures joins them when the interpreter exits.
_POOLS: dict[tuple[int, int], ProcessPoolExecutor] = {}


def _pool(processes: int, grant_amount: int) -> ProcessPoolExecutor:
    key = (processes, grant_amount)
    pool = _POOLS.get(key)
    if pool is None:
        # spawn, not fork: forking a process with running threads (aiosqlite) is unsafe.
        pool = _POOLS[key] = ProcessPoolExecutor(
            processes,
            mp_context=multiprocessing.get_context("spawn"),
            initializer=warm_up,
            initargs=(grant_amount,),
        )
    return pool


class PdfRenderer:
    """Renders plan PDFs in `processes` worker processes (0: in a thread of this process)."""

    def __init__(self, processes: int, grant_amount: int) -> None:
        self.processes = processes
        self.grant_amount = grant_amount

    def start(self) -> None:
        """Start the workers now (`python -m bot`); otherwise the first render starts them."""
        if self.processes > 0:
            _pool(self.processes, self.grant_amount)

    async def render(
        self,
        t: Translator,
        form: Form,
        answers: Mapping[str, Any],
        *,
        ref: str,
        submitted_at: datetime,
        prefilled: frozenset[str],
    ) -> bytes:
        """The plan's PDF, in a worker when the form can be rebuilt there, else in a thread."""
        in_thread = functools.partial(
            render_plan_pdf, t, form, answers, ref=ref, submitted_at=submitted_at,
            prefilled=prefilled,
        )
        if self.processes <= 0 or form.id != PLAN_FORM_ID:
            return await asyncio.to_thread(in_thread)
        pool = _pool(self.processes, self.grant_amount)
        job = functools.partial(
            render_job, t.language, self.grant_amount, dict(answers), ref, submitted_at,
            frozenset(prefilled),
        )
        try:
            return await asyncio.get_running_loop().run_in_executor(pool, job)
        except BrokenProcessPool:
            # A worker was killed (out of memory, an operator): this family's submission still
            # goes through, and the next render starts a fresh pool.
            _LOG.exception("the PDF worker died; rendering %s in a thread", ref)
            if _POOLS.get((self.processes, self.grant_amount)) is pool:
                del _POOLS[(self.processes, self.grant_amount)]
            return await asyncio.to_thread(in_thread)
