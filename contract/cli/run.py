"""``statuspage-contract run``: run the contract suite against a site and write reports (the
options and the run itself: statuspage_contract.runner)."""

from __future__ import annotations

import argparse

HELP = "run the contract suite against a site and write reports"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    from ..runner import add_run_arguments

    add_run_arguments(parser)


def main(args: argparse.Namespace) -> int:
    from ..hypothesis_cache import use_hypothesis_cache
    from ..runner import run_suite

    use_hypothesis_cache()
    return run_suite(args)
