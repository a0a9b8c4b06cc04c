"""matplotlib figures of a contract report (imported lazily, by the plot calls only)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from ..report.presentation import AMBER, GREEN, GREY, RED
from ..report.reader import site_reports
from .display import clean

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.figure import Figure

__all__ = ["plot_rules", "plot_status_codes", "rule_names"]


def rule_names(reports: Mapping[str, Mapping[str, Any]]) -> list[str]:
    """Every rule named by any of the site reports, in order of first appearance."""
    names: list[str] = []
    for report in reports.values():
        names += [n for n in report["rules"] if n not in names]
    return names


def plot_rules(data: Mapping[str, Any]) -> Figure:
    """Bars of each rule's passed, failed and skipped checks, one panel per site.

    The scale is symmetric-logarithmic so that a few failures show next to hundreds of
    passes.
    """
    import matplotlib.pyplot as plt

    reports = site_reports(data)
    names = rule_names(reports)
    fig, axes = plt.subplots(
        1,
        len(reports),
        figsize=(5 * len(reports) + 2, 0.32 * len(names) + 1.8),
        squeeze=False,
        sharey=True,
    )
    height = 0.27
    for ax, (site, report) in zip(axes[0], reports.items(), strict=True):
        rules = report["rules"]
        for i, (key, colour) in enumerate((("passed", GREEN), ("failed", RED), ("skipped", GREY))):
            values = [float(rules.get(n, {}).get(key, 0)) for n in names]
            ys = [y + (i - 1) * height for y in range(len(names))]
            ax.barh(ys, values, height=height, color=colour, label=key)
        ax.set_yticks(range(len(names)), [clean(n) for n in names])
        ax.set_xscale("symlog")
        ax.set_title(clean(f"{site}: {report['verdict']}"))
        ax.set_xlabel("checks (symmetric log scale)")
        ax.set_ylim(len(names) - 0.5, -0.5)
    handles, labels = axes[0][0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="upper right", ncols=3, fontsize="small")
    fig.tight_layout(rect=(0, 0, 1, 0.95))
    plt.close(fig)  # shown once, as the cell's value
    return fig


def plot_status_codes(data: Mapping[str, Any]) -> Figure:
    """Bars of how often each operation answered each status code, one panel per site.

    Documented codes never answered are marked in amber, undocumented ones in red.
    """
    import matplotlib.pyplot as plt

    reports = site_reports(data)
    fig, axes = plt.subplots(
        1, len(reports), figsize=(6 * len(reports), 3.8), squeeze=False, sharey=True
    )
    for ax, (site, report) in zip(axes[0], reports.items(), strict=True):
        labels: list[str] = []
        values: list[int] = []
        colours: list[str] = []
        for op, entry in report["status_codes"].items():
            method = op.split(" ", 1)[0]
            for group in ("documented", "undocumented"):
                for code, n in sorted(entry[group].items()):
                    labels.append(clean(f"{method} {code}"))
                    values.append(n)
                    colours.append(RED if group == "undocumented" else GREEN if n else AMBER)
        xs = list(range(len(labels)))
        ax.bar(xs, values, color=colours)
        unseen = [x for x, c in zip(xs, colours, strict=True) if c == AMBER]
        ax.plot(unseen, [0] * len(unseen), "v", color=AMBER, clip_on=False)
        ax.set_xticks(xs, labels, rotation=70, fontsize="small")
        for tick, colour in zip(ax.get_xticklabels(), colours, strict=True):
            if colour != GREEN:
                tick.set_color(colour)
        ax.set_title(clean(f"{site}: status codes answered"))
        ax.set_ylabel("responses")
    fig.text(
        0.01,
        0.01,
        "green: documented and answered; amber: documented, never answered; red: undocumented",
        fontsize="small",
    )
    fig.tight_layout(rect=(0, 0.05, 1, 1))
    plt.close(fig)  # shown once, as the cell's value
    return fig
