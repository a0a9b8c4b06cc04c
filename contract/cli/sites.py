"""``statuspage-contract sites``: the known sites and their API base URLs."""

from __future__ import annotations

import argparse

HELP = "list the known sites and their API base URLs"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """``sites`` takes no argument."""


def main(args: argparse.Namespace) -> int:
    from ..sites import LOCALHOST, all_sites

    rows = [("SITE", "API BASE URL", "UI HOST", "NOTE")]
    for site in all_sites():
        rows.append(
            (
                site.name,
                site.base_url or f"http://{LOCALHOST}:<port>",
                site.ui_host or "-",
                site.note,
            )
        )
    widths = [max(len(r[i]) for r in rows) for i in range(3)]
    for row in rows:
        print("  ".join(cell.ljust(w) for cell, w in zip(row[:3], widths, strict=True)), row[3])
    print(
        "\nAlso accepted: the UI host (app.datadoghq.eu), DD_SITE as the default,"
        " any http(s):// URL."
    )
    return 0
