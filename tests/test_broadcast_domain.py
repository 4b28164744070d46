"""Broadcast domain: pacing, retries, error verdicts, schedule parsing, audiences, progress."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import aiohttp
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TimedOut

from bot.broadcast.compose import ComposeError, check_attachment, parse_schedule, plain_length
from bot.broadcast.errors import classify
from bot.broadcast.pacing import ChatSpacing, Pacer
from bot.broadcast.progress import Figures, bar, duration, render
from bot.broadcast.retry import Attempt, RetryPolicy, Verdict
from bot.broadcast.segments import Audience, AudienceError, AudienceKind
from bot.i18n import I18n
from db.enums import BroadcastState, DeliveryState


@settings(max_examples=200, deadline=None)
@given(
    rate=st.sampled_from([1, 25, 30, 300, 1000]),
    lateness=st.lists(st.floats(min_value=0.0, max_value=0.05), min_size=50, max_size=400),
)
def test_pacer_never_lets_more_than_rate_into_one_second(rate: int, lateness: list[float]) -> None:
    """Whatever the wake-up delays, no window of one second holds more than `rate` sends."""
    pacer = Pacer(rate)
    now, sends = 0.0, []
    for late in lateness:
        slot = pacer.reserve(now)
        now = slot + late  # the sleep returns late; the send goes out then
        pacer.sent(now)
        sends.append(now)
    for i in range(len(sends) - rate):
        assert sends[i + rate] - sends[i] > 1.0


def test_pacer_keeps_the_rate_despite_timer_granularity() -> None:
    """Waking ~1 ms late every time (the event loop's timer) must not slow the sender."""
    pacer = Pacer(300)
    now = 0.0
    for _ in range(3000):
        now = pacer.reserve(now) + 0.001
        pacer.sent(now)
    assert 3000 / now > 0.97 * 300


def test_a_late_answer_moves_the_send_later_in_the_window() -> None:
    """Requests held up at the server were counted late: the next second waits for that."""
    pacer = Pacer(10)
    now = 0.0
    entries = []
    for _ in range(10):
        now = pacer.reserve(now)
        entries.append(pacer.sent(now))
        pacer.answered(entries[-1], now + 0.05)  # the usual round trip: 50 ms
    first = entries[0]
    assert first is not None
    quiet = pacer.reserve(now)
    assert quiet < first[0] + 1.1  # answered on time: counted when sent
    # Same again, but the first request's answer took 300 ms: counted up to 250 ms late.
    pacer = Pacer(10)
    pacer.answered(pacer.sent(-1.0), -0.95)  # a round trip seen before: 50 ms
    now, entries = 0.0, []
    for index in range(10):
        now = pacer.reserve(now)
        entries.append(pacer.sent(now))
        pacer.answered(entries[-1], now + (0.3 if index == 0 else 0.05))
    assert pacer.reserve(now) >= 0.25 + 1.0


def test_pacer_pauses_on_a_burst_of_429s_only() -> None:
    pacer = Pacer(30)
    pacer.reserve(0.0)
    pacer.flood(0.1, 5.0)
    assert pacer.reserve(0.1) < 1.0  # one 429 is jitter: keep going
    pacer.flood(0.15, 5.0)  # two: a stall bunched our requests up; still keep going
    assert pacer.reserve(0.15) < 1.0
    for at in (0.2, 0.25, 0.3):
        pacer.flood(at, 5.0)
    assert pacer.reserve(0.3) >= 5.3  # five within a second: everything waits


def test_unlimited_pacer_never_waits() -> None:
    pacer = Pacer(0)
    assert [pacer.reserve(1.0) for _ in range(5)] == [1.0] * 5


def test_chat_spacing() -> None:
    spacing = ChatSpacing()
    assert spacing.ready_at(1, 10.0) == 10.0
    spacing.sent(1, 10.0)
    assert spacing.ready_at(1, 10.5) == pytest.approx(11.05)
    assert spacing.ready_at(2, 10.5) == 10.5
    assert spacing.ready_at(1, 12.0) == 12.0


def test_retry_policy() -> None:
    policy = RetryPolicy(max_attempts=3)
    sent = policy.decide(Attempt(Verdict.SENT), 1)
    assert sent.state is DeliveryState.SENT
    flood = policy.decide(Attempt(Verdict.FLOOD, "429", retry_after=7), 1, jitter=0.0)
    assert flood.state is DeliveryState.PENDING and 7.0 < flood.delay < 7.5
    assert policy.decide(Attempt(Verdict.BLOCKED), 1).state is DeliveryState.BLOCKED
    assert policy.decide(Attempt(Verdict.UNKNOWN), 1).state is DeliveryState.UNKNOWN
    assert policy.decide(Attempt(Verdict.FAILED, "bad"), 1).state is DeliveryState.FAILED
    first = policy.decide(Attempt(Verdict.RETRY, "502"), 1, jitter=0.5)
    second = policy.decide(Attempt(Verdict.RETRY, "502"), 2, jitter=0.5)
    assert first.state is DeliveryState.PENDING and second.delay == 2 * first.delay
    last = policy.decide(Attempt(Verdict.RETRY, "502"), 3)
    assert last.state is DeliveryState.FAILED and last.error == "502"
    assert policy.backoff(30, 0.99) <= policy.max_delay * 1.25


def _wrapped(outer: Exception, cause: BaseException | None) -> Exception:
    outer.__cause__ = cause
    return outer


@pytest.mark.parametrize(
    ("exc", "verdict"),
    [
        (RetryAfter(3), Verdict.FLOOD),
        (Forbidden("Forbidden: bot was blocked by the user"), Verdict.BLOCKED),
        (BadRequest("Chat not found"), Verdict.FAILED),
        (NetworkError("Bad Gateway"), Verdict.RETRY),  # Telegram answered 502
        (
            _wrapped(
                NetworkError("connect"),
                aiohttp.ClientConnectorError.__new__(aiohttp.ClientConnectorError),
            ),
            Verdict.RETRY,
        ),
        (_wrapped(TimedOut(), aiohttp.ConnectionTimeoutError()), Verdict.RETRY),
        (_wrapped(TimedOut(), aiohttp.SocketTimeoutError()), Verdict.UNKNOWN),
        (_wrapped(NetworkError("gone"), aiohttp.ServerDisconnectedError()), Verdict.UNKNOWN),
        (TimedOut(), Verdict.UNKNOWN),
        (RuntimeError("bug"), Verdict.UNKNOWN),
    ],
)
def test_classify(exc: Exception, verdict: Verdict) -> None:
    attempt = classify(exc)
    assert attempt.verdict is verdict
    if verdict is Verdict.FLOOD:
        assert attempt.retry_after == 3.0


NOW = datetime(2026, 11, 30, 6, 0, tzinfo=UTC)  # 12:00 in Bishkek


def test_parse_schedule_in_bishkek_time() -> None:
    at = parse_schedule("25.12.2026 14:30", NOW).at
    assert at == datetime(2026, 12, 25, 8, 30, tzinfo=UTC)
    assert parse_schedule("1.12 9:05", NOW).at == datetime(2026, 12, 1, 3, 5, tzinfo=UTC)
    # "30.11 11:00" has passed this year, so it means next year: beyond 90 days.
    for bad in ("30.11 11:00", "tomorrow", "31.02.2027 10:00", "30.11.2026 11:59"):
        with pytest.raises(ComposeError):
            parse_schedule(bad, NOW)
    assert parse_schedule("30.11.2026 12:01", NOW).at == NOW + timedelta(minutes=1)


def test_text_limits() -> None:
    assert plain_length("<b>a&amp;b</b>") == 3
    check_attachment([1024, 10])
    with pytest.raises(ComposeError) as error:
        check_attachment([1025])
    assert error.value.params == {"length": 1025, "limit": 1024}


def test_audience_parsing() -> None:
    assert Audience.parse("all", None) == Audience(AudienceKind.EVERYONE)
    assert Audience.parse("region", "KG-C").value == "KG-C"
    assert Audience.parse("status", "approved").kind is AudienceKind.STATUS
    for kind, value in (("region", "KG-XX"), ("lang", "en"), ("all", "x"), ("nope", None)):
        with pytest.raises(AudienceError):
            Audience.parse(kind, value)
    t = I18n().get("ky")
    assert Audience.parse("region", "KG-C").describe(t) == "Үй-бүлөлөр: Чүй облусу"


def test_progress_render() -> None:
    assert bar(0, 10) == "░" * 12 + " 0%"
    assert bar(5, 10) == "▓" * 6 + "░" * 6 + " 50%"
    assert duration(65) == "1:05" and duration(3725) == "1:02:05"
    figures = Figures(
        {
            DeliveryState.SENT: 50,
            DeliveryState.FAILED: 1,
            DeliveryState.BLOCKED: 2,
            DeliveryState.PENDING: 47,
        }
    )
    text = render(
        I18n().get("ru"), number=3, state=BroadcastState.SENDING, figures=figures, rate=25.0
    )
    assert "Рассылка №3: идёт отправка" in text and "53%" in text
    assert "Отправлено: 50 · Ошибки: 1 · Заблокировали: 2" in text
    assert "Осталось: 47" in text and "0:02" in text  # 47 left at 25/s
    ky = render(I18n().get("ky"), number=3, state=BroadcastState.SENDING, figures=figures, rate=25)
    assert "Калды: 47" in ky
