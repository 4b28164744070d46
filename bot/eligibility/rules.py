"""The ruleset as typed data: rules, priority criteria, number limits (parsed by loader.py)."""

from __future__ import annotations

import enum
from dataclasses import dataclass

from bot.eligibility.program import Program
from bot.eligibility.questions import Answer


class ConditionKind(enum.StrEnum):
    ANSWER = "answer"  # the answer is one of `expected`
    AT_LEAST = "at_least"  # a count >= `value`
    AT_MOST = "at_most"  # a count <= `value`


class Outcome(enum.StrEnum):
    ELIGIBLE = "eligible"
    NOT_ELIGIBLE = "not_eligible"
    ASK_DISTRICT_OFFICE = "ask_district_office"


@dataclass(frozen=True, slots=True)
class Source:
    """Where a rule comes from: a named document, or an assumption (PROGRAM.md)."""

    documented: bool
    text: str

    def __str__(self) -> str:
        return ("doc: " if self.documented else "assumed: ") + self.text


@dataclass(frozen=True, slots=True)
class Condition:
    """A test of one answer; the same shape for rules and priority criteria."""

    kind: ConditionKind
    question: str
    expected: tuple[Answer, ...] = ()  # ANSWER
    value: int = 0  # AT_LEAST, AT_MOST

    def holds(self, answer: Answer) -> bool:
        if self.kind is ConditionKind.ANSWER:
            # bool is an int in Python: True == 1 must not let a count match a yes/no rule.
            return any(type(answer) is type(e) and answer == e for e in self.expected)
        if isinstance(answer, bool) or not isinstance(answer, int):
            return False
        if self.kind is ConditionKind.AT_LEAST:
            return answer >= self.value
        return answer <= self.value


@dataclass(frozen=True, slots=True)
class Rule:
    id: str
    condition: Condition
    on_fail: Outcome  # NOT_ELIGIBLE or ASK_DISTRICT_OFFICE
    source: Source
    explain: str | None = None  # key of a sentence in bot/eligibility/sentences.py

    @property
    def question(self) -> str:
        return self.condition.question


@dataclass(frozen=True, slots=True)
class PriorityCriterion:
    id: str
    condition: Condition
    weight: int
    source: Source
    weight_source: Source

    @property
    def question(self) -> str:
        return self.condition.question


@dataclass(frozen=True, slots=True)
class Limits:
    """Plausible bounds of a typed number (not an eligibility rule)."""

    minimum: int
    maximum: int
    source: Source


@dataclass(frozen=True, slots=True)
class Ruleset:
    version: str
    program_year: int
    program: Program
    rules: tuple[Rule, ...]
    priority: tuple[PriorityCriterion, ...]
    limits: dict[str, Limits]
    collect: tuple[str, ...]  # asked for the plan/application; never change the verdict

    def rule(self, rule_id: str) -> Rule | None:
        return next((r for r in self.rules if r.id == rule_id), None)
