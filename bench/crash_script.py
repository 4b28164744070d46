"""What a crash-benchmark family answers, and how it reads which question the bot shows.

A family does not follow a fixed list of updates (bench/intake_family.py does): after a kill it
must answer whatever the bot shows, so it recognises each screen and looks its answer up by
question id. It reads a screen the way the bot's own design makes reliable: the question id
inside the callback data of the question's buttons (`f:<run>:<action>:<question>`), and, for the
two questions without inline buttons, the contact button (phone) or the translated label (the
full name). Button labels and typed answers come from the end-to-end tests, as in
bench/intake_family.py, so a wording change there reaches this benchmark too.

Screen keys: "language", "menu", "el.<question>", "verdict", "plan.<question>",
"plan.budget#<n>.<field>" (item n of the budget being typed), "plan.budget#<n>" (the budget
list with n items), "review", "done" (the confirmation with the SC-… reference).
"""

from __future__ import annotations

import functools
import importlib
import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from bench.intake_family import pin_for
from bot.i18n import LANGUAGES, I18n
from bot.plan.questions import build_plan_form
from tests.fakebot.models import BotMessage

Kind = Literal["press", "send", "contact", "photo", "document", "toggle", "verdict", "submit"]
Phase = Literal["start", "eligibility", "plan", "done"]
NOT_STORED = object()  # navigation (Add an item, the verdict's button): nothing to check
UPLOADED = object()  # an upload: the file_id the family sent is the expected value
REF = re.compile(r"SC-\d{4}-\d+")
# The bot's own msgids (handlers/eligibility.py, handlers/plan.py) of the first message it
# sends in reply to a resume entry. If one is reworded, families no longer recognise the
# reply and fail loudly ("asked N times where it stands").
_RESUME_REPLIES = {
    "eligibility": (
        "Welcome back! The check continues where you stopped.",
        "Welcome back! Your check is complete. Here is its result:",
        "✅ Let us check whether your family can apply for the social contract: a few short "
        "questions, about two minutes. Most are answered with buttons.\n\n"
        "Important to know first: {months} after the contract is signed, the family stops "
        "receiving the «үй-бүлөгө көмөк» benefit for {years}.\n\n"
        "Each answer is saved at once. /back goes to the previous question, /cancel stops "
        "the check.",
    ),
    "plan": (
        "Welcome back! We continue where you stopped.",
        "Let us write your business plan and the application for a grant of up to {amount}.\n\n"
        "Important: {months} after the social contract is signed, the family stops receiving "
        "the «үй-бүлөгө көмөк» benefit for {years}.\n\n"
        "Each answer is saved at once: you can stop and come back at any time. "
        "/back goes to the previous question, /cancel deletes the draft.",
        "You already have an open application {ref}. A family can have only one "
        "open application at a time; see «📄 My application» for its status.",
    ),
}
_MARKS = ("✓ ", "✅ ", "▫️ ")
PHONE = "996555123456"


@dataclass(frozen=True, slots=True)
class Answer:
    kind: Kind
    value: Any = ""  # a button label, a text, or (toggle) the option labels to tick
    expected: Any = NOT_STORED  # the value the database must hold once acknowledged
    path: tuple[str | int, ...] = ()  # where: ("household_size",), ("budget", 0, "item")


@dataclass(frozen=True, slots=True)
class Screen:
    key: str
    message: BotMessage
    run_id: int | None = None  # the form run its buttons belong to
    ref: str | None = None  # "done": the application's SC-… reference


def strip_mark(label: str) -> str:
    for mark in _MARKS:
        if label.startswith(mark):
            return label[len(mark) :]
    return label


def _test_data() -> tuple[Any, Any, Any, str]:
    """WORDS, LABELS, ANSWERS, START_DATE of the end-to-end tests, looked up at run time (so
    `mypy bench` checks the benchmark, not the test modules it borrows wording from)."""
    eligibility = importlib.import_module("tests.test_e2e_eligibility")
    plan = importlib.import_module("tests.test_e2e_plan")
    return eligibility.WORDS, plan.LABELS, plan.ANSWERS, str(plan.START_DATE)


class Script:
    """One family's answers (by screen key), their order, and its reading of screens."""

    def __init__(self, language: str, index: int) -> None:
        words, labels, answers, start_date = _test_data()
        self.language = language
        w, label, a = words[language], labels[language], answers[language]
        self.words, self.labels = w, label
        self.resume = {"start": "/start", "eligibility": w["check"], "plan": label["apply"]}
        self.answers = self._answers(w, label, a, start_date, index)
        eligibility = [k for k in self.answers if k.startswith("el.")]
        plan = [k for k in self.answers if k.startswith("plan.")]
        self.order = ["language", "menu", *eligibility, "verdict", *plan, "review", "done"]
        self._next = dict(zip(self.order, self.order[1:], strict=False))
        labels_of = _labels(language)
        self.full_name_label, self.field_labels, self.item_label, self.apologies = labels_of[:4]
        self.resume_replies: dict[str, tuple[str, ...]] = labels_of[4]

    @staticmethod
    def _answers(
        w: dict[str, str], label: dict[str, str], a: dict[str, str], start_date: str, index: int
    ) -> dict[str, Answer]:
        def press(value: str, expected: Any, *path: str | int) -> Answer:
            return Answer("press", value, expected, path)

        def send(value: str, expected: Any, *path: str | int) -> Answer:
            return Answer("send", value, expected, path)

        yes, no = label["yes"], label["no"]
        iso_start = datetime.strptime(start_date, "%d.%m.%Y").date().isoformat()
        return {
            "language": Answer("press"),  # lang:<language> on the picker
            "menu": Answer("send", w["check"]),  # the reply-keyboard button sends its text
            "el.region": press(label["region"], "KG-Y", "region"),
            "el.district": press(label["district"], "Жети-Өгүз району", "district"),
            "el.support": press(w["benefit"], "benefit", "support"),
            "el.household_size": send("6", 6, "household_size"),
            "el.children_under_16": send("3", 3, "children_under_16"),
            "el.able_to_work_adults": send("2", 2, "able_to_work_adults"),
            "el.disability": press(yes, True, "disability"),
            "el.had_contract_before": press(no, False, "had_contract_before"),
            "el.accepts_suspension": press(yes, True, "accepts_suspension"),
            "el.ready_for_training": press(yes, True, "ready_for_training"),
            "el.existing_business": press(no, False, "existing_business"),
            "el.ovop_product": press(yes, True, "ovop_product"),
            "el.green_project": press(no, False, "green_project"),
            "verdict": Answer("verdict"),
            "plan.full_name": send(a["full_name"], a["full_name"], "full_name"),
            "plan.pin": send(pin_for(index), pin_for(index), "pin"),
            "plan.phone": Answer("contact", PHONE, "+" + PHONE, ("phone",)),
            "plan.village": send(a["village"], a["village"], "village"),
            "plan.business_type": press(label["dairy"], "dairy", "business_type"),
            "plan.ovop": press(yes, True, "ovop"),
            "plan.description": send(a["description"], a["description"], "description"),
            "plan.local_resources": send(a["resources"], a["resources"], "local_resources"),
            "plan.skills": send(a["skills"], a["skills"], "skills"),
            "plan.workers": send(a["workers"], a["workers"], "workers"),
            "plan.market": send(a["market"], a["market"], "market"),
            "plan.sales_channels": Answer(
                "toggle",
                (strip_mark(label["bazaar"]), strip_mark(label["shops"]), label["done"]),
                ["bazaar", "shops"],
                ("sales_channels",),
            ),
            "plan.budget#1.item": send(a["item1"], a["item1"], "budget", 0, "item"),
            "plan.budget#1.quantity": send("2", 2, "budget", 0, "quantity"),
            "plan.budget#1.unit_price": send("50 000", 50_000, "budget", 0, "unit_price"),
            "plan.budget#1": press(label["add"], NOT_STORED),
            "plan.budget#2.item": send(a["item2"], a["item2"], "budget", 1, "item"),
            "plan.budget#2.quantity": send("1", 1, "budget", 1, "quantity"),
            "plan.budget#2.unit_price": send("30000", 30_000, "budget", 1, "unit_price"),
            "plan.budget#2": press(label["finish"], NOT_STORED),
            "plan.own_contribution": send("20 000", 20_000, "own_contribution"),
            "plan.own_contribution_note": press(label["skip"], None, "own_contribution_note"),
            "plan.monthly_revenue": send("40000", 40_000, "monthly_revenue"),
            "plan.monthly_costs": send("15 000", 15_000, "monthly_costs"),
            "plan.start_date": send(start_date, iso_start, "start_date"),
            "plan.jobs_created": send("3", 3, "jobs_created"),
            "plan.risks": send(a["risks"], a["risks"], "risks"),
            "plan.risk_plan": send(a["risk_plan"], a["risk_plan"], "risk_plan"),
            "plan.id_card": Answer("photo", "", UPLOADED, ("id_card",)),
            "plan.disability_doc": Answer(
                "document", "certificate.pdf", UPLOADED, ("disability_doc",)
            ),
            "plan.other_doc": press(label["skip"], None, "other_doc"),
            "review": Answer("submit", label["submit"]),
        }

    def answer_for(self, key: str) -> Answer | None:
        """The family's answer on a screen; a question the plan asks again (without a
        finished check it asks region, household...) gets the check's answer."""
        found = self.answers.get(key)
        if found is None and key.startswith("plan."):
            found = self.answers.get("el." + key.removeprefix("plan."))
        return found

    def successor(self, key: str) -> str | None:
        return self._next.get(key)

    # -- reading a screen ----------------------------------------------------------------------

    def answers_resume(self, message: BotMessage, phase: Phase) -> bool:
        """Whether the bot is answering the family's resume entry with this message (before
        the check: /start's picker or menu, which are screens themselves)."""
        if phase == "start":
            return self.read(message, phase) is not None
        return message.content.startswith(self.resume_replies.get(phase, ()))

    def read(self, message: BotMessage, phase: Phase) -> Screen | None:
        """The screen this message is, for a family in ``phase``; None if it asks nothing."""
        datas = [data for row in message.inline_buttons for _, data in row if data]
        if any(d.startswith("lang:") for d in datas):
            return Screen("language", message)
        ref = REF.search(message.content)
        if phase == "plan" and ref is not None:
            return Screen("done", message, ref=ref.group())
        if any(d.startswith("el:plan:") for d in datas):
            return Screen("verdict", message)
        if phase == "start":
            menu = self.words["check"] in message.button_texts
            return Screen("menu", message) if menu and not datas else None
        prefix = "el." if phase == "eligibility" else "plan."
        form = [d.split(":") for d in datas if d.startswith("f:")]
        if form:
            return self._form_screen(message, form, prefix)
        if phase == "plan" and _asks_contact(message):
            return Screen("plan.phone", message)
        if phase == "plan" and self.full_name_label in message.content:
            return Screen("plan.full_name", message)
        return None

    def _form_screen(self, message: BotMessage, form: list[list[str]], prefix: str) -> Screen:
        run_id = int(form[0][1]) if form[0][1].isdigit() else None
        actions = {parts[2] for parts in form if len(parts) > 2}
        if "ok" in actions:
            return Screen("review", message, run_id)
        question = next(parts[3] for parts in form if len(parts) > 3)
        if {"ra", "rd"} & actions:  # the repeat list: one 🗑 button per item
            items = sum(1 for parts in form if parts[2] == "rx")
            return Screen(f"{prefix}{question}#{items}", message, run_id)
        if question == "budget":  # one field of the item being typed
            return Screen(f"{prefix}budget#{self._item_field(message.content)}", message, run_id)
        return Screen(prefix + question, message, run_id)

    def _item_field(self, text: str) -> str:
        """The item number and field, from "… Item 2\nHow many?" (the field follows the item)."""
        number = next((n for n in range(15, 0, -1) if self.item_label.format(n=n) in text), 0)
        tail = text.rsplit(self.item_label.format(n=number), 1)[-1]
        field = next((fid for fid, lbl in self.field_labels.items() if lbl in tail), "?")
        return f"{number}.{field}"


@functools.cache
def _labels(
    language: str,
) -> tuple[str, dict[str, str], str, tuple[str, ...], dict[str, tuple[str, ...]]]:
    """The full-name question, the budget item's fields and "Item {n}", as the bot words them
    (its own catalogs: these screens carry no question id in their buttons), the error
    handler's apology (handlers/fallback.py), and the start of each resume reply (the text
    before its first placeholder)."""
    t = I18n().get(language)
    form = build_plan_form(150_000)  # labels only: the grant amount does not matter
    full_name, budget = form.question("full_name"), form.question("budget")
    assert full_name is not None and budget is not None
    fields = {f.id: t.gettext(f.label) for f in budget.fields}
    # In either language: the error handler does not always know the family's language.
    apology = "Sorry, something went wrong. Please try again in a minute."
    apologies = tuple(I18n().get(lang).gettext(apology) for lang in LANGUAGES)
    resume = {
        phase: tuple(t.gettext(msgid).split("{", 1)[0] for msgid in msgids)
        for phase, msgids in _RESUME_REPLIES.items()
    }
    return t.gettext(full_name.label), fields, t.gettext("Item {n}"), apologies, resume


def _asks_contact(message: BotMessage) -> bool:
    rows = (message.reply_markup or {}).get("keyboard") or []
    return any(isinstance(b, dict) and b.get("request_contact") for row in rows for b in row)
