"""A programme's funnel as a small PNG: one bar per stage, and the target as a dashed line. Made with
matplotlib's Agg backend (no display, no GUI toolkit), so it renders the same on a server."""

from __future__ import annotations

import io
from collections.abc import Sequence

RIJKSBLAUW = "#154273"  # the colour of the Rijksoverheid, as in the manifest
TARGET = "#d52b1e"


def funnel_png(
    title: str,
    stages: Sequence[tuple[str, int]],
    target: int | None = None,
    target_label: str = "",
    marks: Sequence[int] = (),
) -> bytes:
    """Horizontal bars, the first stage on top; `target` draws a dashed line across all of them, and
    each of `marks` (where a tranche fills up) a dotted one."""
    # Imported here, on a coordinator's first chart: matplotlib costs every bot process ~25 MB.
    import matplotlib

    matplotlib.use("Agg")  # before pyplot: a server has no display
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator

    figure = Figure(figsize=(6.4, 3.2), dpi=100)  # a Figure of its own: no global pyplot state
    axes = figure.subplots()
    labels = [label for label, _ in stages][::-1]
    values = [value for _, value in stages][::-1]
    bars = axes.barh(labels, values, color=RIJKSBLAUW, height=0.6)
    axes.bar_label(bars, padding=3)
    top = max([*values, target or 0, 1])
    for mark in marks:
        axes.axvline(mark, color="#8c8c8c", linestyle=":", linewidth=1)
    if target:
        axes.axvline(target, color=TARGET, linestyle="--", linewidth=1.5)
        axes.text(target, len(labels) - 0.4, f" {target_label}", color=TARGET, va="bottom", fontsize=9)
    axes.set_xlim(0, top * 1.15)
    axes.set_title(title, loc="left", fontsize=11)
    axes.spines[["top", "right"]].set_visible(False)
    axes.xaxis.set_major_locator(MaxNLocator(integer=True))  # people come whole
    figure.tight_layout()
    out = io.BytesIO()
    figure.savefig(out, format="png")
    return out.getvalue()
