"""What a form is made of: questions with a type, labels, validation, conditions and sections.

Everything here is frozen data. Labels and help texts are English msgids marked with N_() where
they are declared; the Telegram runner translates them in the user's language.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

# Question ids travel inside callback data (64 bytes in all), so they stay short and plain.
QUESTION_ID_RE = re.compile(r"^[a-z][a-z0-9_]{0,23}$")
FORM_ID_RE = re.compile(r"^[a-z][a-z0-9_]{0,15}$")

Answers = Mapping[str, Any]


def is_digits(text: str) -> bool:
    """0-9 only: str.isdigit() also accepts "¹" or "٣", which int() refuses or misreads."""
    return text.isascii() and text.isdigit()


# A condition on earlier answers (ODK's "relevant"): True when the question is asked.
Condition = Callable[[Answers], bool]


class Kind(enum.StrEnum):
    """The question types (XLSForm names in comments)."""

    TEXT = "text"  # text, one line
    LONG_TEXT = "long_text"  # text with a larger limit
    INTEGER = "integer"  # integer
    MONEY = "money"  # integer som (KGS)
    CHOICE = "choice"  # select_one
    MULTI_CHOICE = "multi_choice"  # select_multiple
    YES_NO = "yes_no"  # select_one yes_no, stored as a bool
    DATE = "date"  # date, typed dd.mm.yyyy
    PHONE = "phone"  # a Kyrgyz mobile number, stored +996XXXXXXXXX
    PIN = "pin"  # the 14-digit personal identification number
    UPLOAD = "upload"  # image / file
    REPEAT = "repeat"  # begin_repeat ... end_repeat


TEXT_KINDS = frozenset({Kind.TEXT, Kind.LONG_TEXT})
NUMBER_KINDS = frozenset({Kind.INTEGER, Kind.MONEY})
# Kinds whose answer is given with inline buttons (typed input may still be matched).
BUTTON_KINDS = frozenset({Kind.CHOICE, Kind.MULTI_CHOICE, Kind.YES_NO})

DEFAULT_TEXT_LIMIT = 200
DEFAULT_LONG_TEXT_LIMIT = 1500
# The Bot API lets a bot download files up to 20 MB; we keep well below.
DEFAULT_UPLOAD_LIMIT = 10 * 1024 * 1024
IMAGE_TYPES = frozenset({"image/jpeg", "image/png"})
PDF_TYPES = frozenset({"application/pdf"})


@dataclass(frozen=True, slots=True)
class Problem:
    """Why an answer was refused (or, with soft=True, a warning shown while accepting it).

    `code` names one of the engine's standard messages (rendered by the runner with literal
    gettext calls); a form's own validator may instead give `message`, an N_() msgid whose
    `{names}` are filled from `params` after translation.
    """

    code: str
    params: Mapping[str, Any] = field(default_factory=dict)
    message: str | None = None
    soft: bool = False

    @classmethod
    def custom(cls, message: str, **params: Any) -> Problem:
        return cls("custom", params, message=message)


@dataclass(frozen=True, slots=True)
class Amount:
    """A sum of money inside Problem params, formatted by the runner as "150 000 сом"."""

    som: int


@dataclass(frozen=True, slots=True)
class Day:
    """A date inside Problem params, formatted by the runner as dd.mm.yyyy."""

    value: date


@dataclass(frozen=True, slots=True)
class Choice:
    """One option. `label` is a msgid; `names` (language -> text) is used instead for proper
    nouns kept as data, such as region names."""

    value: str
    label: str = ""
    names: Mapping[str, str] | None = None

    def text(self, language: str, gettext: Callable[[str], str]) -> str:
        if self.names is not None:
            return self.names.get(language) or next(iter(self.names.values()))
        return gettext(self.label)


ChoiceSource = Sequence[Choice] | Callable[[Answers], Sequence[Choice]]
# An extra rule on a parsed value, seeing every answer so far: None when fine.
Constraint = Callable[[Any, Answers], Problem | None]
DateBound = Callable[[date], date]  # today -> the bound


@dataclass(frozen=True, slots=True)
class Question:
    """One question of a form (one XLSForm row)."""

    id: str
    kind: Kind
    label: str
    # A short name (msgid) for the summary, the PDF and the Edit buttons; defaults to label.
    short: str | None = None
    help: str | None = None
    section: str | None = None
    required: bool = True
    relevant: Condition | None = None
    constraint: Constraint | None = None
    # choice / multi_choice
    choices: ChoiceSource = ()
    allow_typed: bool = False  # a choice question that also takes a typed answer ("other")
    columns: int = 1  # buttons per row
    min_selected: int = 1  # multi_choice
    # integer / money
    min_value: int | None = None
    max_value: int | None = None
    # text / long_text
    min_length: int = 1
    max_length: int | None = None
    # date: bounds relative to today
    min_date: DateBound | None = None
    max_date: DateBound | None = None
    # upload
    accept: frozenset[str] = IMAGE_TYPES | PDF_TYPES
    max_bytes: int = DEFAULT_UPLOAD_LIMIT
    # repeat: the fields asked for each item, and how many items
    fields: tuple[Question, ...] = ()
    min_items: int = 1
    max_items: int = 20
    # repeat: the money an item stands for (quantity x price), shown and summed
    subtotal: Callable[[Mapping[str, Any]], int] | None = None

    def __post_init__(self) -> None:
        if not QUESTION_ID_RE.match(self.id):
            raise ValueError(f"question id {self.id!r} must match {QUESTION_ID_RE.pattern}")
        if self.kind is Kind.REPEAT:
            if not self.fields:
                raise ValueError(f"repeat {self.id!r} needs fields")
            if any(f.kind in (Kind.REPEAT, Kind.UPLOAD) for f in self.fields):
                raise ValueError(f"repeat {self.id!r}: fields may not be repeats or uploads")
        if self.kind in (Kind.CHOICE, Kind.MULTI_CHOICE) and not self.choices:
            raise ValueError(f"choice question {self.id!r} needs choices")

    @property
    def name(self) -> str:
        """The short name msgid (falls back to the full label)."""
        return self.short or self.label

    @property
    def text_limit(self) -> int:
        if self.max_length is not None:
            return self.max_length
        return DEFAULT_LONG_TEXT_LIMIT if self.kind is Kind.LONG_TEXT else DEFAULT_TEXT_LIMIT

    def options(self, answers: Answers) -> tuple[Choice, ...]:
        """The choices offered now (they may depend on earlier answers, e.g. districts)."""
        source = self.choices
        return tuple(source(answers) if callable(source) else source)

    def is_relevant(self, answers: Answers) -> bool:
        return self.relevant is None or bool(self.relevant(answers))


@dataclass(frozen=True, slots=True)
class Section:
    id: str
    title: str  # msgid


class ValueFormat(enum.StrEnum):
    """How a computed value is shown."""

    MONEY = "money"
    NUMBER = "number"
    MONTHS = "months"


@dataclass(frozen=True, slots=True)
class Computed:
    """A value calculated from the answers (ODK's calculate), shown in the summary and stored."""

    id: str
    label: str  # msgid
    compute: Callable[[Answers], int | None]
    format: ValueFormat = ValueFormat.MONEY


@dataclass(frozen=True, slots=True)
class Form:
    """A questionnaire: its questions in order, grouped in sections, and its computed values.

    `review`: show the summary with Edit/Submit before completing (else complete on the last
    answer). `prefill_note`: a msgid shown beside answers that came from elsewhere.
    """

    id: str
    title: str
    questions: tuple[Question, ...]
    sections: tuple[Section, ...] = ()
    computed: tuple[Computed, ...] = ()
    review: bool = True
    submit_label: str | None = None  # msgid of the final button; None: the runner's default
    _index: dict[str, Question] = field(default_factory=dict, repr=False, compare=False)

    def __post_init__(self) -> None:
        if not FORM_ID_RE.match(self.id):
            raise ValueError(f"form id {self.id!r} must match {FORM_ID_RE.pattern}")
        section_ids = {s.id for s in self.sections}
        for question in self.questions:
            if question.id in self._index:
                raise ValueError(f"form {self.id!r}: duplicate question id {question.id!r}")
            if question.section is not None and question.section not in section_ids:
                raise ValueError(f"question {question.id!r}: unknown section {question.section}")
            self._index[question.id] = question
        if not self.questions:
            raise ValueError(f"form {self.id!r} has no questions")

    def question(self, question_id: str) -> Question | None:
        return self._index.get(question_id)

    def section(self, section_id: str | None) -> Section | None:
        return next((s for s in self.sections if s.id == section_id), None)

    def position(self, question_id: str) -> int:
        return next(i for i, q in enumerate(self.questions) if q.id == question_id)
