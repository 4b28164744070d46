"""The admin's progress message: a bar, the counts, the rate and the time left."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from bot.i18n import Translator
from db.enums import BroadcastState, DeliveryState

BAR_CELLS = 12


@dataclass(frozen=True, slots=True)
class Figures:
    """Deliveries of one broadcast by state, as counted in the database."""

    counts: dict[DeliveryState, int] = field(default_factory=dict)

    def get(self, state: DeliveryState) -> int:
        return self.counts.get(state, 0)

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    @property
    def sent(self) -> int:
        return self.get(DeliveryState.SENT)

    @property
    def failed(self) -> int:
        return self.get(DeliveryState.FAILED)

    @property
    def blocked(self) -> int:
        return self.get(DeliveryState.BLOCKED)

    @property
    def unknown(self) -> int:
        return self.get(DeliveryState.UNKNOWN)

    @property
    def cancelled(self) -> int:
        return self.get(DeliveryState.CANCELLED)

    @property
    def remaining(self) -> int:
        return self.get(DeliveryState.PENDING) + self.get(DeliveryState.SENDING)

    @property
    def done(self) -> int:
        return self.total - self.remaining


def bar(done: int, total: int, cells: int = BAR_CELLS) -> str:
    """▓▓▓▓░░░░ and the percentage (nobody listed yet: empty)."""
    share = 0.0 if total == 0 else min(1.0, done / total)
    filled = int(share * cells + 1e-9)
    return "▓" * filled + "░" * (cells - filled) + f" {int(share * 100)}%"


def duration(seconds: float) -> str:
    """0:42, 12:05, 1:02:03."""
    seconds = max(0, round(seconds))
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def eta(remaining: int, rate: float) -> float | None:
    return None if rate <= 0 else remaining / rate


def heading(t: Translator, number: int, state: BroadcastState) -> str:
    if state is BroadcastState.DONE:
        return t.gettext("📣 Broadcast #{number}: finished").format(number=number)
    if state is BroadcastState.CANCELLED:
        return t.gettext("📣 Broadcast #{number}: cancelled").format(number=number)
    if state is BroadcastState.QUEUED:
        return t.gettext("📣 Broadcast #{number}: waiting to start").format(number=number)
    return t.gettext("📣 Broadcast #{number}: sending").format(number=number)


def counts_line(t: Translator, figures: Figures) -> str:
    line = t.gettext("Sent: {sent} · Failed: {failed} · Blocked: {blocked}").format(
        sent=t.number(figures.sent),
        failed=t.number(figures.failed),
        blocked=t.number(figures.blocked),
    )
    if figures.unknown:
        line += "\n" + t.gettext("Interrupted, maybe delivered (not resent): {unknown}").format(
            unknown=t.number(figures.unknown)
        )
    return line


def render(
    t: Translator,
    *,
    number: int,
    state: BroadcastState,
    figures: Figures,
    rate: float,
    elapsed: float | None = None,
    finished_at: datetime | None = None,
) -> str:
    """The whole progress text, in the admin's language."""
    done, total = figures.done, figures.total
    if state is BroadcastState.DONE and total == 0:
        done = total = 1  # nobody to send to: complete
    lines = [heading(t, number, state), bar(done, total), counts_line(t, figures)]
    if state is BroadcastState.SENDING:
        lines.append(
            t.gettext("Remaining: {remaining}").format(remaining=t.number(figures.remaining))
        )
        left = eta(figures.remaining, rate)
        lines.append(
            t.gettext("Rate: {rate}/s · Time left: {eta}").format(
                rate=t.number(round(rate, 1)),
                eta=duration(left) if left is not None else "—",
            )
        )
    else:
        if figures.cancelled:
            lines.append(
                t.gettext("Not sent (cancelled): {count}").format(
                    count=t.number(figures.cancelled)
                )
            )
        if elapsed is not None:
            lines.append(t.gettext("Took: {duration}").format(duration=duration(elapsed)))
        if finished_at is not None:
            lines.append(t.gettext("Finished: {time}").format(time=t.datetime(finished_at)))
    return "\n".join(lines)
