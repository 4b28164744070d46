"""Read and validate the whole ruleset file; every problem is a RulesetError naming it.

Validation is strict on purpose: a typo in a key (`on_fial`) or a question id would otherwise
silently change who may apply. The bot refuses to start instead (exit code 2).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from bot.eligibility.program import (
    DEFAULT_RULESET,
    RulesetError,
    parse_program,
    read_ruleset_file,
)
from bot.eligibility.questions import QUESTION_IDS, Answer, QuestionKind, question
from bot.eligibility.rules import (
    Condition,
    ConditionKind,
    Limits,
    Outcome,
    PriorityCriterion,
    Rule,
    Ruleset,
    Source,
)
from bot.eligibility.sentences import EXPLANATIONS

_ID_RE = re.compile(r"^[a-z][a-z0-9_]{0,31}$")
_TOP_KEYS = {"version", "program_year", "program", "check", "limits", "rules", "priority"}
_CONDITION_KEYS = {"kind", "question", "expected", "value"}
_RULE_KEYS = {"id", "on_fail", "explain", "source"} | _CONDITION_KEYS
_PRIORITY_KEYS = {"id", "weight", "source", "weight_source"} | _CONDITION_KEYS
_LIMIT_KEYS = {"min", "max", "source"}
_FAIL_OUTCOMES = {Outcome.NOT_ELIGIBLE.value, Outcome.ASK_DISTRICT_OFFICE.value}
VERSION_MAX_CHARS = 32  # eligibility_checks.ruleset_version


def load_ruleset(path: Path = DEFAULT_RULESET) -> Ruleset:
    """The validated ruleset of the file at `path`."""
    return parse_ruleset(read_ruleset_file(path))


def parse_ruleset(data: dict[str, Any]) -> Ruleset:
    """Validate parsed TOML and build the Ruleset."""
    _no_unknown_keys(data, _TOP_KEYS, "the top level")
    program = parse_program(data)
    if len(program.version) > VERSION_MAX_CHARS:
        raise RulesetError(f"ruleset: 'version' must be at most {VERSION_MAX_CHARS} characters")
    rules = tuple(_rule(t, i) for i, t in enumerate(_tables(data, "rules", required=True)))
    priority = tuple(_criterion(t, i) for i, t in enumerate(_tables(data, "priority")))
    _unique_ids([r.id for r in rules] + [p.id for p in priority])
    return Ruleset(
        version=program.version,
        program_year=program.program_year,
        program=program,
        rules=rules,
        priority=priority,
        limits=_limits(data.get("limits", {})),
        collect=_collect(data.get("check", {})),
    )


def _fail(where: str, problem: str) -> RulesetError:
    return RulesetError(f"ruleset: {where}: {problem}")


def _no_unknown_keys(table: dict[str, Any], allowed: set[str], where: str) -> None:
    unknown = sorted(set(table) - allowed)
    if unknown:
        raise _fail(where, f"unknown key {unknown[0]!r} (allowed: {', '.join(sorted(allowed))})")


def _tables(data: dict[str, Any], name: str, *, required: bool = False) -> list[dict[str, Any]]:
    value = data.get(name)
    if value is None:
        if required:
            raise RulesetError(f"ruleset: no [[{name}]] entries; at least one is needed")
        return []
    if not isinstance(value, list) or not all(isinstance(t, dict) for t in value):
        raise RulesetError(f"ruleset: '{name}' must be a list of [[{name}]] tables")
    if required and not value:
        raise RulesetError(f"ruleset: no [[{name}]] entries; at least one is needed")
    return value


def _string(table: dict[str, Any], key: str, where: str) -> str:
    if key not in table:
        raise _fail(where, f"missing '{key}'")
    value = table[key]
    if not isinstance(value, str) or not value.strip():
        raise _fail(where, f"'{key}' must be a non-empty string, got {value!r}")
    return value


def _whole(value: object) -> int | None:
    """The value if it is a whole number (TOML booleans are not), else None."""
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _entry_id(table: dict[str, Any], where: str) -> str:
    entry_id = _string(table, "id", where)
    if not _ID_RE.match(entry_id):
        raise _fail(where, f"id {entry_id!r} must be lowercase letters, digits and _ (max 32)")
    return entry_id


def _source(table: dict[str, Any], key: str, where: str) -> Source:
    text = _string(table, key, where).strip()
    if text.startswith("doc:") and text[4:].strip():
        return Source(documented=True, text=text[4:].strip())
    if text == "assumed":
        return Source(documented=False, text="")
    if text.startswith("assumed:") and text[8:].strip():
        return Source(documented=False, text=text[8:].strip())
    raise _fail(where, f'\'{key}\' must be "doc: <source>" or "assumed", got {text!r}')


def _condition(table: dict[str, Any], where: str) -> Condition:
    kind_text = _string(table, "kind", where)
    try:
        kind = ConditionKind(kind_text)
    except ValueError:
        kinds = ", ".join(k.value for k in ConditionKind)
        raise _fail(where, f"unknown kind {kind_text!r} (known: {kinds})") from None
    question_id = _string(table, "question", where)
    if question_id not in QUESTION_IDS:
        raise _fail(where, f"unknown question {question_id!r} (known: {', '.join(QUESTION_IDS)})")
    asked = question(question_id)
    if kind is ConditionKind.ANSWER:
        if "value" in table:
            raise _fail(where, "kind 'answer' takes 'expected', not 'value'")
        if "expected" not in table:
            raise _fail(where, "missing 'expected'")
        raw = table["expected"]
        expected: tuple[Answer, ...] = tuple(raw) if isinstance(raw, list) else (raw,)
        if not expected:
            raise _fail(where, "'expected' must not be empty")
        for option in expected:
            if not asked.accepts(option):
                raise _fail(where, f"{option!r} is not a possible answer to {question_id!r}")
        return Condition(kind, question_id, expected=expected)
    if "expected" in table:
        raise _fail(where, f"kind {kind.value!r} takes 'value', not 'expected'")
    if asked.kind is not QuestionKind.COUNT:
        raise _fail(where, f"kind {kind.value!r} needs a number question, not {question_id!r}")
    threshold = _whole(table.get("value"))
    if threshold is None or threshold < 0:
        raise _fail(where, f"'value' must be a whole number >= 0, got {table.get('value')!r}")
    return Condition(kind, question_id, value=threshold)


def _rule(table: dict[str, Any], index: int) -> Rule:
    where = f"rules[{index}]"
    rule_id = _entry_id(table, where)
    where = f"rule {rule_id!r}"
    _no_unknown_keys(table, _RULE_KEYS, where)
    on_fail = _string(table, "on_fail", where)
    if on_fail not in _FAIL_OUTCOMES:
        raise _fail(where, f"'on_fail' must be one of {sorted(_FAIL_OUTCOMES)}, got {on_fail!r}")
    explain = table.get("explain")
    if explain is not None and explain not in EXPLANATIONS:
        raise _fail(
            where,
            f"unknown explain {explain!r} (known: {', '.join(EXPLANATIONS)}; "
            "or leave it out for a generic sentence)",
        )
    return Rule(
        id=rule_id,
        condition=_condition(table, where),
        on_fail=Outcome(on_fail),
        source=_source(table, "source", where),
        explain=explain,
    )


def _criterion(table: dict[str, Any], index: int) -> PriorityCriterion:
    where = f"priority[{index}]"
    criterion_id = _entry_id(table, where)
    where = f"priority {criterion_id!r}"
    _no_unknown_keys(table, _PRIORITY_KEYS, where)
    weight = _whole(table.get("weight"))
    if weight is None or weight <= 0:
        raise _fail(
            where, f"'weight' must be a positive whole number, got {table.get('weight')!r}"
        )
    return PriorityCriterion(
        id=criterion_id,
        condition=_condition(table, where),
        weight=weight,
        source=_source(table, "source", where),
        weight_source=_source(table, "weight_source", where),
    )


def _unique_ids(ids: list[str]) -> None:
    seen: set[str] = set()
    for entry_id in ids:
        if entry_id in seen:
            raise RulesetError(f"ruleset: id {entry_id!r} is used twice (rules and priority)")
        seen.add(entry_id)


def _limits(table: object) -> dict[str, Limits]:
    if not isinstance(table, dict):
        raise RulesetError("ruleset: 'limits' must be a table of [limits.<question>] tables")
    counts = [q for q in QUESTION_IDS if question(q).kind is QuestionKind.COUNT]
    for name in table:
        if name not in counts:
            raise _fail(f"limits.{name}", f"not a number question (number questions: {counts})")
    limits: dict[str, Limits] = {}
    for name in counts:
        where = f"limits.{name}"
        entry = table.get(name)
        if not isinstance(entry, dict):
            raise _fail(where, "missing: every number question needs min and max")
        _no_unknown_keys(entry, _LIMIT_KEYS, where)
        low, high = _whole(entry.get("min")), _whole(entry.get("max"))
        if low is None or high is None or low < 0 or high < low:
            raise _fail(where, f"min and max must be whole numbers, 0 <= min <= max: {entry!r}")
        limits[name] = Limits(low, high, _source(entry, "source", where))
    return limits


def _collect(table: object) -> tuple[str, ...]:
    if not isinstance(table, dict):
        raise RulesetError("ruleset: 'check' must be a table")
    _no_unknown_keys(table, {"collect"}, "[check]")
    collect = table.get("collect", [])
    if not isinstance(collect, list) or not all(isinstance(q, str) for q in collect):
        raise RulesetError("ruleset: check.collect must be a list of question ids")
    for question_id in collect:
        if question_id not in QUESTION_IDS:
            raise _fail("check.collect", f"unknown question {question_id!r}")
    if len(set(collect)) != len(collect):
        raise _fail("check.collect", "a question is listed twice")
    return tuple(collect)
