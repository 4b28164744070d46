"""Walking a form: which question comes next, going back, skipping, editing, repeat groups.

The state is plain data (what the form-progress row stores), and every function returns a new
state, so the runner can save it in one unit of work and a restart resumes at the same place.

Rules (ODK-like):
- a question is asked when it is relevant given the answers before it, was not prefilled, and
  has no answer yet; a skipped optional question is stored as None (answered, no value);
- after an answer the next question is the first unanswered relevant one after it, else the
  first unanswered anywhere (an edit may have made new questions relevant), else the review;
- answers of questions that became irrelevant are kept but ignored (`effective_answers`), so
  changing an answer back restores them.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from bot.forms.model import Answers, Form, Kind, Question

REVIEW = "__review__"  # the summary with Edit / Submit
DONE = "__done__"  # completed (submitted) or cancelled: nothing more to ask


@dataclass(frozen=True, slots=True)
class FormState:
    """Where a family is in a form: answers, the question shown, and unfinished input.

    `pending` holds input between two presses: the multiple-choice selection so far
    ({"selected": [...]}), the repeat items and the item being entered
    ({"items": [...], "item": {...}}), or a confirmation being asked ({"confirm": "cancel"}).
    """

    answers: dict[str, Any]
    current: str
    prefilled: frozenset[str] = frozenset()
    pending: dict[str, Any] = field(default_factory=dict)


def effective_answers(form: Form, answers: Answers) -> dict[str, Any]:
    """The answers of relevant questions only, relevance judged on the answers before each."""
    kept: dict[str, Any] = {}
    for question in form.questions:
        if question.id in answers and question.is_relevant(kept):
            kept[question.id] = answers[question.id]
    return kept


def _askable(form: Form, state: FormState) -> list[Question]:
    """Relevant questions the family is asked (not prefilled), in order."""
    seen: dict[str, Any] = {}
    result = []
    for question in form.questions:
        if not question.is_relevant(seen):
            continue
        if question.id in state.answers:
            seen[question.id] = state.answers[question.id]
        if question.id not in state.prefilled:
            result.append(question)
    return result


def next_step(form: Form, state: FormState, after: str | None = None) -> str:
    """The question to ask next, or REVIEW when everything relevant is answered."""
    askable = _askable(form, state)
    unanswered = [q for q in askable if q.id not in state.answers]
    if not unanswered:
        return REVIEW if form.review else DONE
    if after is not None and after in form._index:
        position = form.position(after)
        later = [q for q in unanswered if form.position(q.id) > position]
        if later:
            return later[0].id
    return unanswered[0].id


def start(form: Form, prefill: Answers | None = None) -> FormState:
    """A new run, with answers known from elsewhere (shown in the summary, never asked)."""
    known = {k: v for k, v in (prefill or {}).items() if form.question(k) is not None}
    state = FormState(answers=dict(known), current="", prefilled=frozenset(known))
    return replace(state, current=next_step(form, state))


def answer(form: Form, state: FormState, question_id: str, value: Any) -> FormState:
    """Store an answer and move on. A prefilled answer that is edited stays shown as the
    family's own (it is no longer marked prefilled)."""
    answers = {**state.answers, question_id: value}
    moved = FormState(answers, state.current, state.prefilled - {question_id}, {})
    return replace(moved, current=next_step(form, moved, after=question_id))


def skip(form: Form, state: FormState, question_id: str) -> FormState:
    """Skip an optional question: answered, without a value."""
    question = form.question(question_id)
    if question is None or question.required:
        raise ValueError(f"{question_id!r} cannot be skipped")
    return answer(form, state, question_id, None)


def previous_step(form: Form, state: FormState) -> str | None:
    """The question before the current one (the last one from the review), or None."""
    askable = _askable(form, state)
    if state.current in (REVIEW, DONE):
        return askable[-1].id if askable else None
    if state.current not in form._index:
        return None
    position = form.position(state.current)
    earlier = [q for q in askable if form.position(q.id) < position]
    return earlier[-1].id if earlier else None


def back(form: Form, state: FormState) -> FormState | None:
    """One question back (its answer is kept and shown); None when at the first question.

    Inside a repeat item, back first drops the last field typed for that item.
    """
    item = state.pending.get("item")
    if isinstance(item, dict) and item:
        last = list(item)[-1]
        rest = {k: v for k, v in item.items() if k != last}
        return replace(state, pending={**state.pending, "item": rest})
    items = state.pending.get("items")
    if isinstance(item, dict) and isinstance(items, list) and items:
        return replace(state, pending={"items": items})  # from a new item back to the list
    target = previous_step(form, state)
    if target is None:
        return None
    return replace(state, current=target, pending={})


def goto(form: Form, state: FormState, question_id: str) -> FormState:
    """Open one question for editing (from the summary)."""
    if form.question(question_id) is None:
        raise ValueError(f"no question {question_id!r}")
    return replace(state, current=question_id, pending={})


def missing_required(form: Form, answers: Answers) -> list[Question]:
    """Relevant required questions without a value (a complete form has none)."""
    kept: dict[str, Any] = {}
    missing = []
    for question in form.questions:
        if not question.is_relevant(kept):
            continue
        if question.id in answers:
            kept[question.id] = answers[question.id]
        if question.required and kept.get(question.id) is None:
            missing.append(question)
    return missing


def compute(form: Form, answers: Answers) -> dict[str, int | None]:
    """The computed values (budget total, profit, payback...) from the effective answers."""
    effective = effective_answers(form, answers)
    values: dict[str, int | None] = {}
    for item in form.computed:
        values[item.id] = item.compute({**effective, **values})
    return values


# -- repeat groups -----------------------------------------------------------------------------


def repeat_items(state: FormState, question: Question) -> list[dict[str, Any]]:
    """The items entered so far: from pending input, else the saved answer."""
    items = state.pending.get("items")
    if isinstance(items, list):
        return items
    saved = state.answers.get(question.id)
    return list(saved) if isinstance(saved, list) else []


def repeat_field(state: FormState, question: Question) -> Question | None:
    """The field of the current item to ask now; None when no item is being entered."""
    item = state.pending.get("item")
    if item is None and not repeat_items(state, question):
        item = {}  # nothing entered yet: start the first item right away
    if not isinstance(item, dict):
        return None
    return next((f for f in question.fields if f.id not in item), None)


def repeat_begin_item(state: FormState, question: Question) -> FormState:
    """Start entering one more item (Add another)."""
    items = repeat_items(state, question)
    return replace(state, pending={"items": items, "item": {}})


def repeat_set_field(state: FormState, question: Question, field_id: str, value: Any) -> FormState:
    """Store one field of the item; when the item is complete it joins the list."""
    items = repeat_items(state, question)
    item = {**state.pending.get("item", {}), field_id: value}
    if all(f.id in item for f in question.fields):
        return replace(state, pending={"items": [*items, item]})
    return replace(state, pending={"items": items, "item": item})


def repeat_remove(state: FormState, question: Question, index: int) -> FormState:
    items = repeat_items(state, question)
    if 0 <= index < len(items):
        items = items[:index] + items[index + 1 :]
    return replace(state, pending={"items": items})


def is_kind(form: Form, question_id: str, kind: Kind) -> bool:
    question = form.question(question_id)
    return question is not None and question.kind is kind
