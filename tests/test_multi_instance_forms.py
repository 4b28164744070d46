"""Two bot processes behind one URL: a family's questionnaire, its updates alternating between
the instances, and double taps that reach both instances at once.

A double tap is made deterministic with a lock: the test holds the run's row, both
instances read the same version and block on their UPDATE; once both wait, the lock is
released and exactly one commit can win (form_runs.version, optimistic locking). For the
start of a form the test holds an uncommitted run instead, so both instances' INSERTs wait on
the unique index of open runs. Without those locks the two updates race as they may.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path

import pytest
from sqlalchemy import func, select, text

from db.models import Application, EligibilityCheck, FormRun, MessageLog, RunStatus
from tests.fakebot import BotMessage, FakeTelegramServer, FakeUser, UpdateRecord
from tests.harness import eventually
from tests.multi_instance_helpers import Cluster, lock_waiters, needs_postgres, started_cluster
from tests.test_e2e_eligibility import WORDS
from tests.test_e2e_plan import ANSWERS, LABELS

pytestmark = needs_postgres

FAMILY = 8201
APOLOGY = "Кечиресиз"  # «Sorry, something went wrong», in Kyrgyz
ALREADY = "Бул суроого жооп берилген"  # «This question was already answered», in Kyrgyz


@pytest.fixture
async def cluster(server: FakeTelegramServer, tmp_path: Path) -> AsyncIterator[Cluster]:
    async with started_cluster(server, tmp_path) as group:
        yield group


async def plan_run(cluster: Cluster, user_id: int) -> FormRun:
    async with cluster.db() as db:
        run = await db.scalar(
            select(FormRun).where(FormRun.user_id == user_id, FormRun.form_id == "plan")
        )
        assert run is not None
        return run


# Held by the test while both instances decide a double tap (SQL, parameters):
def run_row(run_id: int) -> tuple[str, dict[str, object]]:
    """The run's row lock: both instances' version-checked UPDATEs wait for it."""
    return "SELECT 1 FROM form_runs WHERE id = :id FOR UPDATE", {"id": run_id}


def new_run_slot(user_id: int, form_id: str) -> tuple[str, dict[str, object]]:
    """An uncommitted run of the form: both instances' INSERTs of a new run wait for it."""
    return (
        "INSERT INTO form_runs (user_id, form_id, status, current, answers, prefilled, pending,"
        " version, created_at, updated_at) VALUES (:u, :f, 'active', '-', '{}', '[]', '{}', 1,"
        " now(), now())",
        {"u": user_id, "f": form_id},
    )


@asynccontextmanager
async def held(
    cluster: Cluster, statement: tuple[str, dict[str, object]]
) -> AsyncIterator[Callable[[], Awaitable[None]]]:
    """Run `statement` in a transaction kept open (its locks held) until the block ends; the
    yielded coroutine waits until both instances block on those locks."""
    async with cluster.connection() as holder, cluster.connection() as watcher:
        transaction = await holder.begin()
        await holder.execute(text(statement[0]), statement[1])

        async def both_blocked() -> None:
            async def waiting() -> bool:
                return await lock_waiters(watcher) >= 2

            await eventually(waiting, what="both instances blocked on the held lock")

        try:
            yield both_blocked
        finally:
            await transaction.rollback()


async def double_tap(
    cluster: Cluster,
    tap: Callable[[], Awaitable[UpdateRecord]],
    hold: tuple[str, dict[str, object]] | None,
) -> None:
    """Send the same input twice, each to another instance, both in flight at once.

    With `hold`, both instances are stopped at their write until both got there, so their
    units of work overlap for certain; without it, they race as they may.
    """
    cluster.router.detach(2)
    if hold is not None:
        async with held(cluster, hold) as both_blocked:
            updates = [await tap(), await tap()]
            await both_blocked()
    else:
        updates = [await tap(), await tap()]
    assert await cluster.router.detached_results() == [200, 200]
    assert len(set(cluster.router.order[-2:])) == 2  # one to each instance
    # Both updates are recorded as processed, the loser's too: a redelivery of either (a
    # webhook retry) is recognised and not applied to the next question.
    async with cluster.db() as db:
        logged = await db.scalar(
            select(func.count())
            .select_from(MessageLog)
            .where(MessageLog.update_id.in_([u.update_id for u in updates]))
        )
    assert logged == 2


def no_errors(cluster: Cluster) -> None:
    for log in cluster.logs():
        assert "error while handling an update" not in log, log[-3000:]
        assert "Traceback" not in log, log[-3000:]


async def quiet(user: FakeUser) -> None:
    await user.expect_silence(0.5)
    assert not any(APOLOGY in m.content for m in user.messages)


async def replies_to_double_tap(user: FakeUser, question: str, *, raced: bool | None) -> None:
    """The next question, from the winner and (when raced) once more from the loser.

    Called after double_tap(), whose instances have answered: every reply is sent by now.
    raced=None: either is fine (a natural double tap may be serialized or raced).
    """
    replies = user.unread
    user.mark_read()
    counts = {True: [2], False: [1], None: [1, 2]}[raced]
    assert len(replies) in counts, user.transcript()
    assert all(question in m.text and m.text == replies[0].text for m in replies), (
        user.transcript()
    )
    await quiet(user)


async def test_questionnaire_across_instances_with_double_taps(cluster: Cluster) -> None:
    words = WORDS["ky"]
    user = cluster.user(FAMILY, language_code="ky")

    async def step(action: str, *, typed: bool = False, replies: int = 1) -> list[BotMessage]:
        if typed:
            await user.send(action)
            return await user.expect(replies)
        await user.press(action)
        await user.expect_answer()  # answered after the unit of work committed
        return await user.expect(replies)

    await user.send("/start")
    await user.expect_one()
    await step(words["language"])
    # -- the eligibility check, every update on the other instance than the one before
    # «Check eligibility» tapped twice: both instances find no run and insert one at once;
    # the unique index lets one in, and the other resumes it.
    user.mark_read()
    await double_tap(
        cluster, lambda: user.send(words["check"]), new_run_slot(FAMILY, "eligibility")
    )
    replies = user.unread
    user.mark_read()
    assert sum("эки мүнөт" in m.text for m in replies) == 2, user.transcript()  # the intro
    assert sum("Кайсы облуста" in m.text for m in replies) == 2, user.transcript()
    assert len(replies) == 4
    await quiet(user)
    async with cluster.db() as db:
        runs = list(await db.scalars(select(FormRun).where(FormRun.user_id == FAMILY)))
    assert len(runs) == 1 and runs[0].current == "region" and runs[0].answers == {}
    for action, typed in [
        ("chui", False),
        ("alamudun", False),
        ("benefit", False),
        ("6", True),
        ("4", True),
        ("2", True),
        ("yes", False),
        ("no", False),
        ("yes", False),
        ("yes", False),
        ("no", False),
        ("yes", False),
    ]:
        await step(words.get(action, action), typed=typed)
    [result] = await step(words["no"])
    assert result.text.startswith(words["eligible"]), user.transcript()
    async with cluster.db() as db:
        [check] = list(
            await db.scalars(select(EligibilityCheck).where(EligibilityCheck.user_id == FAMILY))
        )
    assert check.outcome == "eligible" and check.priority_flags == [
        "many_children",
        "disability",
        "ovop",
    ]
    assert check.answers["household_size"] == 6 and check.answers["green_project"] is False

    # -- the business plan: the check's answers are reused
    _plan_intro, first = await step(words["plan"], replies=2)
    assert "аты-жөнү" in first.text
    a = ANSWERS["ky"]
    label = LABELS["ky"]
    await step(a["full_name"], typed=True)
    await step("21503198512345", typed=True)
    await user.share_contact("996555123456")
    await user.expect(2)
    [business] = await step(a["village"], typed=True)
    assert "Кандай бизнес" in business.text

    # A double tap on a choice, both presses decided at once on the two instances.
    run = await plan_run(cluster, FAMILY)
    before = run.version
    assert run.current == "business_type"
    user.mark_read()
    await double_tap(cluster, lambda: user.press(label["dairy"]), run_row(run.id))
    assert "✓ Сүт азыктары" in (await user.expect_edit()).text  # the winner marks it answered
    ovop = "Бир айыл – бир продукт"  # the question after the prefilled existing_business
    await replies_to_double_tap(user, ovop, raced=True)
    run = await plan_run(cluster, FAMILY)
    assert run.version == before + 1 and run.current == "ovop"
    assert run.answers["business_type"] == "dairy"
    answers = [c.text for c in user.callback_answers[-2:]]
    assert any(t and ALREADY in t for t in answers), answers  # the loser says why

    [description] = await step(label["yes"])
    assert "Бизнести сүрөттөп" in description.text or "сүрөттө" in description.text, (
        description.text
    )
    run = await plan_run(cluster, FAMILY)
    assert run.current == "description"

    # Two different texts for the same question, at once: exactly one is stored, under it.
    before = run.version
    texts = [a["description"], "Үйдө каймак жана сары май жасап сатабыз, базарда."]
    sent = iter(texts)
    user.mark_read()
    await double_tap(cluster, lambda: user.send(next(sent)), run_row(run.id))
    await replies_to_double_tap(user, "жергиликтүү ресурстар", raced=True)
    run = await plan_run(cluster, FAMILY)
    assert run.version == before + 1 and run.current == "local_resources"
    assert run.answers["description"] in texts and "local_resources" not in run.answers

    for key in ("resources", "skills", "workers", "market"):
        await step(a[key], typed=True)
    user.mark_read()
    for channel in ("bazaar", "shops"):
        await user.press(label[channel])
        await user.expect_answer()
        await user.expect_edit()

    # A natural double tap (no lock): serialized, or raced; consistent either way.
    run = await plan_run(cluster, FAMILY)
    before = run.version
    assert run.current == "sales_channels"
    user.mark_read()
    await double_tap(cluster, lambda: user.press(label["done"]), None)
    assert "✓ Базар, Дүкөндөр жана кафелер" in (await user.expect_edit()).text
    await replies_to_double_tap(user, "Бюджет", raced=None)
    run = await plan_run(cluster, FAMILY)
    assert run.version == before + 1 and run.current == "budget"
    assert run.answers["sales_channels"] == ["bazaar", "shops"]

    # The budget's first line, still alternating.
    await step(a["item1"], typed=True)
    await step("2", typed=True)
    await step("50 000", typed=True)
    await step(label["finish"])
    run = await plan_run(cluster, FAMILY)
    assert run.current == "own_contribution" and run.status is RunStatus.ACTIVE
    assert run.answers == {
        **{k: run.answers[k] for k in run.prefilled},
        "full_name": a["full_name"],
        "pin": "21503198512345",
        "phone": "+996555123456",
        "village": a["village"],
        "business_type": "dairy",
        "ovop": True,
        "description": run.answers["description"],
        "local_resources": a["resources"],
        "skills": a["skills"],
        "workers": a["workers"],
        "market": a["market"],
        "sales_channels": ["bazaar", "shops"],
        "budget": [{"item": a["item1"], "quantity": 2, "unit_price": 50_000}],
    }
    assert {"region", "district", "household_size", "disability"} <= set(run.prefilled)
    async with cluster.db() as db:
        draft = await db.scalar(select(Application).where(Application.user_id == FAMILY))
    assert draft is not None and draft.eligibility_check_id == check.id
    # Both instances served this family, each update on the other one than the update before.
    order = cluster.router.order
    assert all(order[i] != order[i + 1] for i in range(len(order) - 1))
    assert min(cluster.router.hits.values()) >= 15
    no_errors(cluster)
