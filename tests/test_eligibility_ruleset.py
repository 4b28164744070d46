"""The ruleset file: the shipped one is valid and marked; every kind of breakage is named."""

from __future__ import annotations

import copy
import os
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any

import pytest

from bot.eligibility.loader import load_ruleset, parse_ruleset
from bot.eligibility.program import DEFAULT_RULESET, RulesetError, load_program
from bot.eligibility.questions import QUESTION_IDS
from bot.eligibility.rules import ConditionKind, Outcome

ROOT = Path(__file__).resolve().parent.parent


def shipped() -> dict[str, Any]:
    with DEFAULT_RULESET.open("rb") as fp:
        return tomllib.load(fp)


def rule(data: dict[str, Any], rule_id: str) -> dict[str, Any]:
    return next(r for r in data["rules"] if r["id"] == rule_id)


def broken(change: Any) -> str:
    """Apply `change` to a copy of the shipped ruleset; the RulesetError message."""
    data = copy.deepcopy(shipped())
    change(data)
    with pytest.raises(RulesetError) as caught:
        parse_ruleset(data)
    return str(caught.value)


def test_shipped_ruleset_is_valid_and_complete() -> None:
    ruleset = load_ruleset()
    assert ruleset.version == "2026.1" and ruleset.program_year == 2026
    assert ruleset.program.grant_amount == 150_000 and ruleset.program.currency == "KGS"
    assert ruleset.program.benefit_suspension_years == 3
    assert {r.id for r in ruleset.rules} == {
        "low_income_support",
        "able_to_work",
        "first_contract",
        "accepts_suspension",
        "training",
    }
    assert {p.id for p in ruleset.priority} == {"many_children", "disability", "ovop", "green"}
    assert set(ruleset.limits) == {"household_size", "children_under_16", "able_to_work_adults"}


def test_every_rule_is_marked_documented_or_assumed() -> None:
    ruleset = load_ruleset()
    # PROGRAM.md: "received a contract before" is an assumption, so the office decides.
    first = ruleset.rule("first_contract")
    assert first is not None and not first.source.documented
    assert first.on_fail is Outcome.ASK_DISTRICT_OFFICE
    support = ruleset.rule("low_income_support")
    assert support is not None and support.source.documented and "24.kg" in support.source.text
    for criterion in ruleset.priority:
        assert criterion.source.documented  # the criteria are published...
        assert not criterion.weight_source.documented  # ...their weights are not


def test_program_loader_still_reads_the_program_facts() -> None:
    program = load_program()
    assert program == load_ruleset().program


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (lambda d: rule(d, "able_to_work").update(kind="more_than"), "unknown kind 'more_than'"),
        (lambda d: rule(d, "able_to_work").pop("question"), "missing 'question'"),
        (lambda d: rule(d, "able_to_work").pop("on_fail"), "missing 'on_fail'"),
        (lambda d: rule(d, "able_to_work").pop("source"), "missing 'source'"),
        (lambda d: rule(d, "able_to_work").pop("value"), "'value' must be a whole number"),
        (lambda d: rule(d, "able_to_work").update(value="1"), "'value' must be a whole number"),
        (lambda d: rule(d, "able_to_work").update(value=-1), "'value' must be a whole number"),
        (lambda d: rule(d, "able_to_work").update(value=True), "'value' must be a whole number"),
        (lambda d: rule(d, "able_to_work").update(question="adults"), "unknown question 'adults'"),
        (lambda d: rule(d, "able_to_work").update(on_fail="maybe"), "'on_fail' must be one of"),
        (lambda d: rule(d, "able_to_work").update(on_fial="x"), "unknown key 'on_fial'"),
        (lambda d: rule(d, "able_to_work").update(explain="nope"), "unknown explain 'nope'"),
        (lambda d: rule(d, "able_to_work").update(source="a blog"), 'must be "doc: <source>"'),
        (lambda d: rule(d, "able_to_work").update(source="doc:"), 'must be "doc: <source>"'),
        (lambda d: rule(d, "able_to_work").update(id="Able"), "id 'Able' must be lowercase"),
        (
            lambda d: rule(d, "able_to_work").update(expected=1),
            "kind 'at_least' takes 'value', not 'expected'",
        ),
        (
            lambda d: (
                rule(d, "training").update(kind="at_least", value=1, expected=None)
                or rule(d, "training").pop("expected")
            ),
            "needs a number question",
        ),
        (
            lambda d: rule(d, "low_income_support").update(expected=["benefit", "pension"]),
            "'pension' is not a possible answer to 'support'",
        ),
        (
            lambda d: rule(d, "accepts_suspension").update(expected="yes"),
            "'yes' is not a possible answer to 'accepts_suspension'",
        ),
        (lambda d: rule(d, "accepts_suspension").update(expected=[]), "must not be empty"),
        (lambda d: rule(d, "accepts_suspension").pop("expected"), "missing 'expected'"),
        (lambda d: d["rules"].append(dict(rule(d, "training"))), "'training' is used twice"),
        (lambda d: d["priority"][0].update(id="training"), "'training' is used twice"),
        (lambda d: d["priority"][0].update(weight=0), "'weight' must be a positive"),
        (lambda d: d["priority"][0].update(weight=1.5), "'weight' must be a positive"),
        (lambda d: d["priority"][0].pop("weight_source"), "missing 'weight_source'"),
        (lambda d: d.pop("rules"), "no [[rules]] entries"),
        (lambda d: d.update(rules=[]), "no [[rules]] entries"),
        (lambda d: d.update(rules={"a": 1}), "'rules' must be a list"),
        (lambda d: d.update(rulez=[]), "unknown key 'rulez'"),
        (lambda d: d["limits"].pop("household_size"), "limits.household_size: missing"),
        (lambda d: d["limits"]["household_size"].update(max=0), "0 <= min <= max"),
        (lambda d: d["limits"]["household_size"].update(min="1"), "0 <= min <= max"),
        (lambda d: d["limits"].update(disability={"min": 0}), "not a number question"),
        (lambda d: d["limits"]["household_size"].update(maximum=9), "unknown key 'maximum'"),
        (lambda d: d["check"].update(collect=["region", "pin"]), "unknown question 'pin'"),
        (lambda d: d["check"].update(collect=["region", "region"]), "listed twice"),
        (lambda d: d["check"].update(collect="region"), "must be a list of question ids"),
        (lambda d: d.update(version=""), "'version' must be a non-empty string"),
        (lambda d: d.update(version="x" * 33), "at most 32 characters"),
        (lambda d: d["program"].update(grant_amount="150000"), "grant_amount"),
        (lambda d: d.pop("program"), "[program] table is missing"),
    ],
)
def test_broken_ruleset_names_the_problem(change: Any, expected: str) -> None:
    message = broken(change)
    assert message.startswith("ruleset")
    assert expected in message


def test_the_problem_names_the_rule() -> None:
    message = broken(lambda d: rule(d, "able_to_work").update(kind="more_than"))
    assert "rule 'able_to_work'" in message


def test_unreadable_files(tmp_path: Path) -> None:
    with pytest.raises(RulesetError, match="not found"):
        load_ruleset(tmp_path / "missing.toml")
    bad = tmp_path / "bad.toml"
    bad.write_text("version = \n", encoding="utf-8")
    with pytest.raises(RulesetError, match="not valid TOML"):
        load_ruleset(bad)


def test_an_administrator_can_add_a_rule_without_code() -> None:
    """A new rule over a known question, with no sentence in the code: a generic one is used."""
    data = shipped()
    data["rules"].append(
        {
            "id": "small_household",
            "kind": "at_most",
            "question": "household_size",
            "value": 12,
            "on_fail": "ask_district_office",
            "source": "assumed",
        }
    )
    ruleset = parse_ruleset(data)
    added = ruleset.rule("small_household")
    assert added is not None and added.condition.kind is ConditionKind.AT_MOST
    assert added.explain is None and added.condition.value == 12


def test_every_condition_kind_and_question_is_known() -> None:
    """The vocabulary the file may use is the one documented at its top."""
    text = DEFAULT_RULESET.read_text(encoding="utf-8")
    for question_id in QUESTION_IDS:
        assert question_id in text
    for kind in ConditionKind:
        assert f'"{kind.value}"' in text


def test_bot_refuses_to_start_with_a_broken_ruleset(tmp_path: Path) -> None:
    """`python -m bot` exits 2 with one clear line; nothing is started."""
    data = DEFAULT_RULESET.read_text(encoding="utf-8").replace(
        'kind = "at_least"', 'kind = "greater"', 1
    )
    path = tmp_path / "ruleset.toml"
    path.write_text(data, encoding="utf-8")
    env = {
        **os.environ,
        "BOT_TOKEN": "123456:test-token-abc",
        "DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'bot.db'}",
        "RULESET_PATH": str(path),
        "TELEGRAM_API_URL": "http://127.0.0.1:9/bot",
    }
    result = subprocess.run(
        [sys.executable, "-m", "bot"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2, result.stderr
    assert "error: ruleset: rule 'able_to_work': unknown kind 'greater'" in result.stderr
    assert not (tmp_path / "bot.db").exists()  # stopped before migrating anything
