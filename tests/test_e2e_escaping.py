"""End to end: markup in what a family types reaches everyone as the literal text (issue 8.3).

The summary and the questions are sent as Telegram HTML; the fake server answers 400 "can't
parse entities" to unbalanced markup, as Telegram does. Staff cards, /app details, the status
page and /mydata are plain text. A name and answers full of <b>, </i>, & and Markdown
specials go through all of them.
"""

from __future__ import annotations

import logging

import pytest
from sqlalchemy import select

from bot.forms.engine import REVIEW
from db.models import FormRun
from tests.conftest import ADMIN_ID
from tests.fakebot import BotMessage, FakeUser
from tests.fuzz_forms import FORMS, plausible
from tests.harness import BotHarness
from tests.test_e2e_plan import ANSWERS, Family, application_of, fill_plan, submit

NAME = "<b>Айгүл</b> </i> & *Асанова* _[x](y)_"
DESCRIPTION = "Сүт <i>азыктары</i> & </b> *bold* `code` [link](http://x) — 1 < 2 > 0 &amp;"
VILLAGE = "Ак-Суу </a> ~~айылы~~ ||x||"
RISKS = "</i><b>& ~strike~ <tg-spoiler> <pre>"


def text_of(messages: list[BotMessage]) -> str:
    return "\n".join(m.text or m.caption or "" for m in messages)


async def everything_after(harness: BotHarness, user: FakeUser, command: str) -> str:
    """Send a command; the text of every reply to it."""
    user.mark_read()
    await user.send(command)
    first = await user.expect_one()
    await harness.settle()
    return text_of([first, *user.unread])


async def test_markup_in_answers_is_shown_literally_everywhere(
    harness: BotHarness, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    nasty = {
        **ANSWERS["ky"],
        "full_name": NAME,
        "description": DESCRIPTION,
        "village": VILLAGE,
        "risks": RISKS,
    }
    monkeypatch.setitem(ANSWERS, "ky", nasty)
    admin = harness.user(ADMIN_ID, language_code="ru")
    await admin.send("/start")
    await admin.expect_one()
    family = Family(harness, harness.user(8801, language_code="ky"), "ky")
    await family.start()
    await family.apply()

    review = text_of(await fill_plan(family))
    for literal in (NAME, DESCRIPTION, VILLAGE, RISKS):
        assert literal in review, literal

    # Open the name again from the summary: the question shows the current answer (HTML).
    async with harness.db() as db:
        run_id = await db.scalar(select(FormRun.id).where(FormRun.user_id == 8801))
    await family.user.press_data(f"f:{run_id}:eq:full_name")
    question = await family.user.expect_one()
    assert NAME in (question.text or "")
    await family.user.press(family.label["keep"])
    assert NAME in text_of(await family.review())

    await submit(family)
    application = await application_of(harness, 8801)
    assert application.full_name == NAME and application.answers["description"] == DESCRIPTION
    notice = await admin.expect_one()  # no caseworker in the region: the admin is told
    assert NAME in (notice.caption or notice.text or "")

    details = await everything_after(harness, admin, f"/app {application.ref}")
    assert NAME in details and DESCRIPTION in details
    assert application.ref in await everything_after(harness, family.user, "/status")
    assert NAME in await everything_after(harness, family.user, "/mydata")

    assert harness.server.stats.statuses.get(400, 0) == 0
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert errors == [], [r.getMessage() for r in errors]


async def test_a_summary_split_never_cuts_an_html_entity(harness: BotHarness) -> None:
    """A 1500-character answer of "&" is 7500 characters of HTML: split over messages, each
    "&amp;" must stay whole (else the family reads "amp;")."""
    family = Family(harness, harness.user(8802, language_code="ru"), "ru")
    await family.start()
    await family.apply()
    answers: dict[str, object] = {}
    for question in FORMS["plan"].questions:
        if question.is_relevant(answers):
            answers[question.id] = plausible(question, answers)
    answers["description"] = "&" * 1500
    answers["market"] = "<" * 700 + ">" * 800
    async with harness.db() as db:
        run = await db.scalar(select(FormRun).where(FormRun.user_id == 8802))
        assert run is not None
        run.answers, run.current = answers, REVIEW
        await db.commit()
    family.user.mark_read()
    await family.user.send("?")  # typed text at the summary shows the summary again
    summary = await family.review()
    text = text_of(summary)
    assert "amp;" not in text and "lt;" not in text and "gt;" not in text
    assert text.count("&") == 1500 and text.count("<") == 700 and text.count(">") == 800
    assert harness.server.stats.statuses.get(400, 0) == 0
