"""Two real bot processes in webhook mode behind one URL, sharing PostgreSQL, act as one.

More: tests/test_multi_instance_forms.py (questionnaires) and
tests/test_multi_instance_jobs.py (broadcasts, reminders).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.fakebot import FakeTelegramServer
from tests.multi_instance_helpers import Cluster, needs_postgres, started_cluster

pytestmark = needs_postgres


@pytest.fixture
async def cluster(server: FakeTelegramServer, tmp_path: Path) -> AsyncIterator[Cluster]:
    async with started_cluster(server, tmp_path) as group:
        yield group


async def test_language_chosen_on_one_instance_is_seen_by_the_other(cluster: Cluster) -> None:
    user = cluster.server.user(8001, "Айгүл", language_code="ru")
    await user.send("/start")
    assert "Выберите язык" in (await user.expect_one(timeout=15)).text
    await user.press("Кыргызча")
    await user.expect_edit(timeout=15)
    assert (await user.expect_one(timeout=15)).text.startswith("Кош келиңиз!")
    for _ in range(4):  # alternate instances: every one must speak Kyrgyz now
        await user.send("/help")
        assert "Ботту кантип колдонуу керек" in (await user.expect_one(timeout=15)).text
    assert len(cluster.router.hits) == 2 and min(cluster.router.hits.values()) >= 2
