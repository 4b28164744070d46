"""The runner's saved state: a form_runs row <-> the engine's FormState."""

from __future__ import annotations

from datetime import date, datetime

from bot.forms import engine
from bot.forms.engine import FormState
from bot.forms.model import Form
from bot.i18n import BISHKEK
from db.models.forms import FormRun
from handlers.forms_registry import FormResult


def state_of(run: FormRun) -> FormState:
    return FormState(
        answers=dict(run.answers or {}),
        current=run.current,
        prefilled=frozenset(run.prefilled or ()),
        pending=dict(run.pending or {}),
    )


def save_state(run: FormRun, state: FormState) -> None:
    """Copy the state into the row (new objects, so SQLAlchemy sees the JSON change)."""
    run.answers = dict(state.answers)
    run.current = state.current
    run.prefilled = sorted(state.prefilled)
    run.pending = dict(state.pending)


def result_of(form: Form, run: FormRun, state: FormState) -> FormResult:
    return FormResult(
        run_id=run.id,
        user_id=run.user_id,
        form_id=run.form_id,
        subject_id=run.subject_id,
        answers=engine.effective_answers(form, state.answers),
        computed=engine.compute(form, state.answers),
        prefilled=state.prefilled,
    )


def today() -> date:
    return datetime.now(BISHKEK).date()
