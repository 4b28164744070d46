"""The messages and buttons of the form runner: a question, a repeat list, the review."""

from __future__ import annotations

from html import escape
from typing import Any

from telegram import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    ReplyKeyboardMarkup,
)

from bot import callbacks
from bot.forms import engine
from bot.forms.engine import REVIEW, FormState
from bot.forms.messages import answer_hint, problem_text
from bot.forms.model import Form, Kind, Problem, Question
from bot.forms.parse import YES_NO_CHOICES
from bot.forms.present import format_answer, item_text, summary
from bot.i18n import Translator
from handlers.forms_registry import Reply

# Telegram allows 4096 characters in a message; leave room for the HTML tags.
MESSAGE_BUDGET = 3800


def button(text: str, run_id: int, action: str, *parts: str | int) -> InlineKeyboardButton:
    return InlineKeyboardButton(
        text, callback_data=callbacks.build(callbacks.FORM, run_id, action, *parts)
    )


def _rows(buttons: list[InlineKeyboardButton], columns: int) -> list[list[InlineKeyboardButton]]:
    columns = max(1, columns)
    return [buttons[i : i + columns] for i in range(0, len(buttons), columns)]


def _section_header(t: Translator, form: Form, question: Question) -> str:
    section = form.section(question.section)
    if section is None:
        return ""
    ids = [s.id for s in form.sections]
    return "<b>{}</b>\n".format(
        escape(
            t.gettext("Part {n} of {total}: {title}").format(
                n=ids.index(section.id) + 1, total=len(ids), title=t.gettext(section.title)
            )
        )
    )


def _problems(t: Translator, problems: tuple[Problem, ...]) -> str:
    return "".join(
        ("ℹ️ " if p.soft else "⚠️ ") + escape(problem_text(t, p)) + "\n\n" for p in problems
    )


def _navigation(
    t: Translator, form: Form, state: FormState, run_id: int, question: Question
) -> list[list[InlineKeyboardButton]]:
    row = []
    value = state.answers.get(question.id)
    if question.id in state.answers and (value is not None or not question.required):
        row.append(button(t.gettext("↩️ Keep this answer"), run_id, "k", question.id))
    if not question.required:
        row.append(button(t.gettext("Skip"), run_id, "s", question.id))
    nav = [row] if row else []
    if engine.previous_step(form, state) is not None:
        nav.append([button(t.gettext("⬅️ Back"), run_id, "b", question.id)])
    return nav


def question_reply(
    t: Translator,
    form: Form,
    state: FormState,
    run_id: int,
    problems: tuple[Problem, ...] = (),
) -> Reply:
    """The current question (or repeat item field / list) with its buttons."""
    question = form.question(state.current)
    assert question is not None
    if question.kind is Kind.REPEAT:
        return _repeat_reply(t, form, state, run_id, question, problems)
    parts = [_problems(t, problems), _section_header(t, form, question)]
    parts.append(escape(t.gettext(question.label)))
    if question.help:
        parts.append("\n<i>" + escape(t.gettext(question.help)) + "</i>")
    hint = answer_hint(t, question)
    if hint:
        parts.append("\n" + escape(hint))
    if not question.required:
        parts.append("\n" + escape(t.gettext("You may skip this question.")))
    value = state.answers.get(question.id)
    if value is not None and question.kind is not Kind.MULTI_CHOICE:
        current = format_answer(t, question, value, state.answers)
        parts.append("\n\n" + escape(t.gettext("Current answer: {answer}").format(answer=current)))
    text = "".join(parts)
    if question.kind is Kind.PHONE:
        contact = KeyboardButton(t.gettext("📱 Share my contact"), request_contact=True)
        markup = ReplyKeyboardMarkup([[contact]], resize_keyboard=True, one_time_keyboard=True)
        return Reply(text, markup, html=True)
    rows = _answer_buttons(t, question, state, run_id)
    rows += _navigation(t, form, state, run_id, question)
    return Reply(text, InlineKeyboardMarkup(rows) if rows else None, html=True)


def _answer_buttons(
    t: Translator, question: Question, state: FormState, run_id: int
) -> list[list[InlineKeyboardButton]]:
    value = state.answers.get(question.id)
    if question.kind is Kind.YES_NO:
        marks = {"yes": value is True, "no": value is False}
        buttons = [
            button(
                ("✓ " if marks[c.value] else "") + t.gettext(c.label), run_id, "c", question.id, i
            )
            for i, c in zip((1, 0), YES_NO_CHOICES, strict=True)
        ]
        return [buttons]
    if question.kind is Kind.CHOICE:
        buttons = [
            button(
                ("✓ " if c.value == value else "") + c.text(t.language, t.gettext),
                run_id,
                "c",
                question.id,
                i,
            )
            for i, c in enumerate(question.options(state.answers))
        ]
        return _rows(buttons, question.columns)
    if question.kind is Kind.MULTI_CHOICE:
        selected = selection(state, question)
        buttons = [
            button(
                ("✅ " if c.value in selected else "▫️ ") + c.text(t.language, t.gettext),
                run_id,
                "t",
                question.id,
                i,
            )
            for i, c in enumerate(question.options(state.answers))
        ]
        done = button(t.gettext("Done ✔️"), run_id, "d", question.id)
        return [*_rows(buttons, question.columns), [done]]
    return []


def selection(state: FormState, question: Question) -> list[str]:
    """The multiple-choice selection being made (else the saved answer)."""
    pending = state.pending.get("selected")
    if isinstance(pending, list):
        return [str(v) for v in pending]
    saved = state.answers.get(question.id)
    return list(saved) if isinstance(saved, list) else []


def _repeat_reply(
    t: Translator,
    form: Form,
    state: FormState,
    run_id: int,
    question: Question,
    problems: tuple[Problem, ...],
) -> Reply:
    items = engine.repeat_items(state, question)
    field = engine.repeat_field(state, question)
    head = _problems(t, problems) + _section_header(t, form, question)
    if field is not None:
        text = (
            head
            + escape(t.gettext(question.label))
            + "\n\n<b>"
            + escape(t.gettext("Item {n}").format(n=len(items) + 1))
            + "</b>\n"
            + escape(t.gettext(field.label))
        )
        hint = answer_hint(t, field)
        if hint:
            text += "\n" + escape(hint)
        back = button(t.gettext("⬅️ Back"), run_id, "b", question.id)
        return Reply(text, InlineKeyboardMarkup([[back]]), html=True)
    lines = [head + escape(t.gettext(question.label))]
    if question.help:
        lines.append("<i>" + escape(t.gettext(question.help)) + "</i>")
    lines.append("")
    for i, item in enumerate(items, start=1):
        lines.append(escape(f"{i}. {item_text(t, question, item)}"))
    if question.subtotal is not None:
        total = sum(question.subtotal(item) for item in items)
        lines.append("<b>" + escape(t.gettext("Total: {sum}").format(sum=t.money(total))) + "</b>")
    rows = []
    if len(items) < question.max_items:
        rows.append([button(t.gettext("➕ Add an item"), run_id, "ra", question.id)])
    rows.append([button(t.gettext("✅ Done, next question"), run_id, "rd", question.id)])
    removes = [
        button(f"🗑 {i}", run_id, "rx", question.id, i - 1) for i in range(1, len(items) + 1)
    ]
    rows += _rows(removes, 5)
    if engine.previous_step(form, state) is not None:
        rows.append([button(t.gettext("⬅️ Back"), run_id, "b", question.id)])
    return Reply("\n".join(lines), InlineKeyboardMarkup(rows), html=True)


def answered_text(t: Translator, question: Question, value: Any, answers: dict[str, Any]) -> str:
    """What a pressed question turns into: the question and the chosen answer, no buttons."""
    label = escape(t.gettext(question.label))
    shown = format_answer(t, question, value, answers) if value is not None else None
    chosen = escape(shown if shown is not None else t.gettext("Skipped"))
    return f"{label}\n✓ <b>{chosen}</b>"


def review_replies(
    t: Translator, form: Form, state: FormState, run_id: int, problems: tuple[Problem, ...] = ()
) -> list[Reply]:
    """The summary, split to fit Telegram's limit; the last message carries the buttons."""
    blocks = [
        _problems(t, problems) + "<b>" + escape(t.gettext("Please check your answers")) + "</b>"
    ]
    earlier = t.gettext("from your earlier answers")
    for view in summary(t, form, state.answers, state.prefilled):
        lines = [f"\n<b>{escape(view.title)}</b>"] if view.title else [""]
        for row in view.rows:
            mark = f" <i>({escape(earlier)})</i>" if row.prefilled else ""
            value = escape(row.text)
            if "\n" in value:
                lines.append(f"<u>{escape(row.label)}</u>:{mark}\n{value}")
            else:
                lines.append(f"<u>{escape(row.label)}</u>: {value}{mark}")
        blocks.append("\n".join(lines))
    texts = _pack(blocks)
    submit = t.gettext(form.submit_label) if form.submit_label else t.gettext("✅ Submit")
    markup = InlineKeyboardMarkup(
        [
            [button(t.gettext("✏️ Change an answer"), run_id, "e")],
            [button(submit, run_id, "ok")],
            [button(t.gettext("🗑 Cancel and delete"), run_id, "x")],
        ]
    )
    replies = [Reply(text, html=True) for text in texts[:-1]]
    replies.append(Reply(texts[-1], markup, html=True))
    return replies


def _pack(blocks: list[str]) -> list[str]:
    """Join blocks into messages under the size budget (a huge block is cut, never lost)."""
    texts: list[str] = []
    current = ""
    for block in blocks:
        while len(block) > MESSAGE_BUDGET:  # a single very long answer
            cut = block.rfind("\n", 0, MESSAGE_BUDGET)
            cut = cut if cut > 0 else MESSAGE_BUDGET
            # Never inside an HTML entity: "&am" + "p;" would show "p;" (issue 8 fix).
            amp = block.rfind("&", max(0, cut - 9), cut)
            if amp > 0 and ";" not in block[amp:cut]:
                cut = amp
            if current:
                texts.append(current)
            current = ""
            texts.append(block[:cut])
            block = block[cut:]
        if current and len(current) + len(block) + 1 > MESSAGE_BUDGET:
            texts.append(current)
            current = block
        else:
            current = f"{current}\n{block}" if current else block
    texts.append(current)
    return [text for text in texts if text.strip()]


def edit_sections_markup(
    t: Translator, form: Form, state: FormState, run_id: int
) -> InlineKeyboardMarkup:
    """Step 1 of editing: which part of the form."""
    present = {
        q.section for q in form.questions if q.id in engine.effective_answers(form, state.answers)
    }
    rows = [
        [button(t.gettext(section.title), run_id, "es", index)]
        for index, section in enumerate(form.sections)
        if section.id in present
    ]
    if not form.sections:
        return edit_questions_markup(t, form, state, run_id, None)
    rows.append([button(t.gettext("⬅️ Back to the summary"), run_id, "rv")])
    return InlineKeyboardMarkup(rows)


def edit_questions_markup(
    t: Translator, form: Form, state: FormState, run_id: int, section_id: str | None
) -> InlineKeyboardMarkup:
    """Step 2 of editing: which question of that part (relevant ones only)."""
    effective = engine.effective_answers(form, state.answers)
    questions = [
        q
        for q in form.questions
        if (section_id is None or q.section == section_id) and q.is_relevant(effective)
    ]
    rows = [[button(t.gettext(q.name), run_id, "eq", q.id)] for q in questions]
    rows.append([button(t.gettext("⬅️ Back to the summary"), run_id, "rv")])
    return InlineKeyboardMarkup(rows)


def cancel_confirm_reply(t: Translator, run_id: int, question: str | None) -> Reply:
    text = (
        t.gettext(question)
        if question
        else t.gettext("Do you want to stop and delete your answers? This cannot be undone.")
    )
    markup = InlineKeyboardMarkup(
        [
            [button(t.gettext("Yes, delete"), run_id, "xy")],
            [button(t.gettext("No, continue"), run_id, "xn")],
        ]
    )
    return Reply(text, markup)


def step_replies(
    t: Translator, form: Form, state: FormState, run_id: int, problems: tuple[Problem, ...] = ()
) -> list[Reply]:
    """Whatever the family should see now: the current question or the review."""
    if state.current == REVIEW:
        return review_replies(t, form, state, run_id, problems)
    return [question_reply(t, form, state, run_id, problems)]
