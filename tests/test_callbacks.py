"""Callback data is built within Telegram's 64 bytes and parsed defensively."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot import callbacks


def test_round_trip() -> None:
    data = callbacks.build("answer", "q1", 3)
    parsed = callbacks.parse(data)
    assert parsed == callbacks.Parsed("answer", ("q1", "3"))


def test_too_long_or_separator_refused() -> None:
    with pytest.raises(callbacks.CallbackDataError):
        callbacks.build("x", "y" * 70)
    with pytest.raises(callbacks.CallbackDataError):
        callbacks.build("x", "a:b")


@given(st.text(max_size=200))
def test_parse_never_raises(data: str) -> None:
    parsed = callbacks.parse(data)
    if parsed is not None:
        assert len(data.encode()) <= 64
