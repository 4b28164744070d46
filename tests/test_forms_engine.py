"""Walking a form: order, conditions, back, skip, edits, prefill, repeats, computed values."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.forms import engine
from bot.forms.conditions import (
    all_of,
    answered,
    any_of,
    contains,
    equals,
    greater_than,
    is_false,
    is_true,
    not_,
    one_of,
)
from bot.forms.engine import DONE, REVIEW, FormState
from bot.forms.model import Choice, Computed, Form, Kind, Question, Section, ValueFormat

ITEM = (
    Question("item", Kind.TEXT, "Item?"),
    Question("qty", Kind.INTEGER, "How many?"),
    Question("price", Kind.MONEY, "Price?"),
)


def total(answers: Any) -> int | None:
    items = answers.get("budget")
    return sum(i["qty"] * i["price"] for i in items) if isinstance(items, list) else None


FORM = Form(
    "demo",
    "Demo",
    (
        Question("name", Kind.TEXT, "Name?", section="a"),
        Question(
            "kind",
            Kind.CHOICE,
            "Kind?",
            section="a",
            choices=(Choice("x", "X"), Choice("other", "Other")),
        ),
        Question("other", Kind.TEXT, "Which?", section="a", relevant=equals("kind", "other")),
        Question("note", Kind.TEXT, "Note?", section="b", required=False),
        Question("budget", Kind.REPEAT, "Budget", section="b", fields=ITEM),
        Question("size", Kind.INTEGER, "Size?", section="b"),
    ),
    (Section("a", "A"), Section("b", "B")),
    (
        Computed("total", "Total", total),
        Computed(
            "double",
            "Double",
            lambda a: a["total"] * 2 if a.get("total") else None,
            ValueFormat.NUMBER,
        ),
    ),
)


def walk(*steps: tuple[str, Any]) -> FormState:
    state = engine.start(FORM)
    for qid, value in steps:
        assert state.current == qid, (state.current, qid)
        state = engine.answer(FORM, state, qid, value)
    return state


BUDGET = [{"item": "cow", "qty": 2, "price": 50_000}]


def test_questions_in_order_and_relevance() -> None:
    state = walk(("name", "A B"), ("kind", "x"))
    assert state.current == "note"  # "other" is not relevant
    state = walk(("name", "A B"), ("kind", "other"))
    assert state.current == "other"


def test_complete_form_reaches_review_and_no_review_form_is_done() -> None:
    state = walk(("name", "A"), ("kind", "x"), ("note", None), ("budget", BUDGET), ("size", 3))
    assert state.current == REVIEW
    quick = Form("q", "Q", (Question("a", Kind.YES_NO, "A?"),), review=False)
    assert engine.answer(quick, engine.start(quick), "a", True).current == DONE


def test_skip_only_optional() -> None:
    state = walk(("name", "A"), ("kind", "x"))
    skipped = engine.skip(FORM, state, "note")
    assert skipped.answers["note"] is None and skipped.current == "budget"
    with pytest.raises(ValueError):
        engine.skip(FORM, state, "name")


def test_back_keeps_answers_and_answering_again_jumps_forward() -> None:
    state = walk(("name", "A"), ("kind", "x"), ("note", "n"))
    assert state.current == "budget"
    back = engine.back(FORM, state)
    assert back is not None and back.current == "note" and back.answers["note"] == "n"
    back2 = engine.back(FORM, back)
    assert back2 is not None and back2.current == "kind"
    again = engine.answer(FORM, back2, "kind", "x")
    assert again.current == "budget"  # "note" is already answered
    assert engine.back(FORM, engine.start(FORM)) is None  # nothing before the first


def test_back_from_review_goes_to_last_question() -> None:
    state = walk(("name", "A"), ("kind", "x"), ("note", None), ("budget", BUDGET), ("size", 3))
    back = engine.back(FORM, state)
    assert back is not None and back.current == "size"


def test_edit_that_makes_a_question_relevant_asks_it_then_returns_to_review() -> None:
    state = walk(("name", "A"), ("kind", "x"), ("note", None), ("budget", BUDGET), ("size", 3))
    editing = engine.goto(FORM, state, "kind")
    changed = engine.answer(FORM, editing, "kind", "other")
    assert changed.current == "other"
    done = engine.answer(FORM, changed, "other", "felt")
    assert done.current == REVIEW
    assert done.answers["size"] == 3  # nothing else lost


def test_irrelevant_answers_are_ignored_but_kept() -> None:
    answers = {"name": "A", "kind": "other", "other": "felt"}
    assert engine.effective_answers(FORM, answers)["other"] == "felt"
    answers["kind"] = "x"
    assert "other" not in engine.effective_answers(FORM, answers)
    assert engine.missing_required(FORM, answers)[0].id == "budget"


def test_prefill_is_not_asked_and_editing_it_unmarks_it() -> None:
    state = engine.start(FORM, {"name": "From check", "unknown": 1})
    assert state.current == "kind" and state.prefilled == frozenset({"name"})
    assert "unknown" not in state.answers
    edited = engine.answer(FORM, engine.goto(FORM, state, "name"), "name", "Mine")
    assert "name" not in edited.prefilled


def test_repeat_items_field_by_field_with_back() -> None:
    question = FORM.question("budget")
    assert question is not None
    state = walk(("name", "A"), ("kind", "x"), ("note", None))
    assert engine.repeat_field(state, question).id == "item"  # type: ignore[union-attr]
    state = engine.repeat_set_field(state, question, "item", "cow")
    state = engine.repeat_set_field(state, question, "qty", 2)
    back = engine.back(FORM, state)
    assert back is not None and back.pending["item"] == {"item": "cow"}
    state = engine.repeat_set_field(state, question, "price", 50_000)
    assert engine.repeat_items(state, question) == BUDGET
    assert engine.repeat_field(state, question) is None  # the list is shown
    more = engine.repeat_begin_item(state, question)
    assert engine.repeat_field(more, question).id == "item"  # type: ignore[union-attr]
    to_list = engine.back(FORM, more)
    assert to_list is not None and "item" not in to_list.pending
    removed = engine.repeat_remove(state, question, 0)
    assert engine.repeat_items(removed, question) == []


def test_computed_values_see_earlier_computations() -> None:
    answers = {
        "budget": [{"item": "a", "qty": 2, "price": 10}, {"item": "b", "qty": 1, "price": 5}]
    }
    assert engine.compute(FORM, answers) == {"total": 25, "double": 50}
    assert engine.compute(FORM, {}) == {"total": None, "double": None}


def test_conditions_helpers() -> None:
    a = {"x": 3, "flag": True, "off": False, "many": ["p", "q"], "s": "v"}
    assert answered("x")(a) and not answered("nope")(a)
    assert equals("s", "v")(a) and one_of("s", "w", "v")(a)
    assert is_true("flag")(a) and is_false("off")(a) and not is_true("off")(a)
    assert contains("many", "q")(a) and not contains("x", "q")(a)
    assert greater_than("x", 2)(a) and not greater_than("flag", 0)(a)
    assert all_of(is_true("flag"), equals("x", 3))(a)
    assert any_of(is_false("flag"), equals("x", 3))(a)
    assert not_(is_true("flag"))(a) is False


def test_duplicate_question_ids_are_refused() -> None:
    with pytest.raises(ValueError):
        Form("f", "F", (Question("a", Kind.TEXT, "A"), Question("a", Kind.TEXT, "A")))
    with pytest.raises(ValueError):
        Form("f", "F", (Question("a", Kind.TEXT, "A", section="nope"),))


ANSWERABLE = {
    "name": st.text(min_size=1, max_size=5),
    "kind": st.sampled_from(["x", "other"]),
    "other": st.text(min_size=1, max_size=5),
    "note": st.none() | st.text(min_size=1, max_size=5),
    "budget": st.just(BUDGET),
    "size": st.integers(0, 9),
}


@given(st.data())
def test_any_walk_of_answers_and_backs_ends_in_review(data: st.DataObject) -> None:
    """Property: whatever mix of answers and /back, answering on always reaches the review,
    and every required relevant question is then answered."""
    state = engine.start(FORM)
    for _ in range(data.draw(st.integers(0, 25))):
        if state.current == REVIEW or data.draw(st.booleans()):
            moved = engine.back(FORM, state)
            state = moved if moved is not None else state
            if state.current != REVIEW and FORM.question(state.current).kind is Kind.REPEAT:  # type: ignore[union-attr]
                state = FormState(state.answers, state.current, state.prefilled, {})
        else:
            state = engine.answer(FORM, state, state.current, data.draw(ANSWERABLE[state.current]))
    for _ in range(10):
        if state.current == REVIEW:
            break
        state = engine.answer(FORM, state, state.current, data.draw(ANSWERABLE[state.current]))
    assert state.current == REVIEW
    assert engine.missing_required(FORM, state.answers) == []
