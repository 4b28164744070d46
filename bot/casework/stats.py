"""Counts of applications by region and status: a text table and a stacked bar chart (PNG)."""

from __future__ import annotations

import io

from bot.casework.render import region_name, status_text
from bot.i18n import Translator
from bot.lifecycle import ORDER
from bot.lifecycle_text import STATUS_LABELS
from bot.regions import REGIONS
from db.enums import Status

Counts = dict[tuple[str | None, Status], int]

# One colour per status, in lifecycle order (colour-blind friendly "tab" palette).
_COLOURS = {
    Status.SUBMITTED: "#1f77b4",
    Status.IN_REVIEW: "#17becf",
    Status.NEEDS_INFO: "#ff7f0e",
    Status.APPROVED: "#2ca02c",
    Status.REJECTED: "#d62728",
    Status.CONTRACT_SIGNED: "#9467bd",
    Status.FUNDED: "#8c564b",
    Status.MONITORING: "#e377c2",
    Status.COMPLETED: "#7f7f7f",
    Status.WITHDRAWN: "#bcbd22",
}


def regions_in(counts: Counts) -> list[str | None]:
    """Regions with applications, in the official order (unknown region last)."""
    present = {region for region, _ in counts}
    known: list[str | None] = [r.code for r in REGIONS if r.code in present]
    others = sorted(r for r in present if r is not None and r not in known)
    return known + others + ([None] if None in present else [])


def statuses_in(counts: Counts) -> list[Status]:
    present = {status for _, status in counts}
    return [s for s in ORDER if s in present]


def table_text(t: Translator, counts: Counts) -> str:
    total = sum(counts.values())
    lines = [t.gettext("📊 Applications by region and status"), ""]
    if not total:
        lines.append(t.gettext("No applications yet."))
        return "\n".join(lines)
    for region in regions_in(counts):
        in_region = {s: n for (r, s), n in counts.items() if r == region}
        lines.append(f"📍 {region_name(t, region)}: {sum(in_region.values())}")
        for status in statuses_in(counts):
            if in_region.get(status):
                lines.append(f"    {status_text(t, status)}: {in_region[status]}")
    lines.append("")
    lines.append(t.gettext("Total: {count}").format(count=total))
    by_status = {
        s: sum(n for (_, st), n in counts.items() if st is s) for s in statuses_in(counts)
    }
    lines += [f"    {status_text(t, s)}: {n}" for s, n in by_status.items()]
    return "\n".join(lines)


def chart_png(t: Translator, counts: Counts) -> bytes:
    """A stacked horizontal bar per region, one colour per status. CPU-bound: run in a thread."""
    import matplotlib

    matplotlib.use("Agg")  # no display on a server
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator

    regions = regions_in(counts)
    statuses = statuses_in(counts)
    labels = [region_name(t, r) for r in regions]
    figure = Figure(figsize=(9, 1.2 + 0.55 * max(len(regions), 1)), dpi=100)
    axes = figure.subplots()
    left = [0] * len(regions)
    for status in statuses:
        values = [counts.get((r, status), 0) for r in regions]
        axes.barh(
            labels,
            values,
            left=left,
            color=_COLOURS.get(status, "#333333"),
            label=t.gettext(STATUS_LABELS[status]),
        )
        left = [a + b for a, b in zip(left, values, strict=True)]
    axes.invert_yaxis()  # first region on top, as in the text
    axes.set_xlabel(t.gettext("Applications"))
    axes.set_title(t.gettext("Applications by region and status"))
    axes.xaxis.set_major_locator(MaxNLocator(integer=True))
    if statuses:
        axes.legend(loc="center left", bbox_to_anchor=(1.0, 0.5), fontsize="small")
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()
