"""``statuspage-contract gate``: decide from a contract report whether a release may go (the
decision itself: statuspage_contract.gate)."""

from __future__ import annotations

import argparse
import re
import sys
from datetime import date

from ..exit_codes import ERROR, FAILED, OK

HELP = "decide from a contract report whether a release may go"


def _date_argument(value: str) -> date:
    try:
        if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
            raise ValueError
        return date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a date YYYY-MM-DD, got {value!r}") from None


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The ``gate`` subcommand's arguments."""
    parser.description = (
        f"Decide from a contract report whether a release may go. Exit {OK}: it may go;"
        f" {FAILED}: it must not (the output says why, rule by rule); {ERROR}: an input is"
        " missing or invalid."
    )
    parser.add_argument(
        "report", metavar="REPORT", help="contract-report.json (or the report directory)"
    )
    parser.add_argument(
        "--baseline",
        metavar="OLD_REPORT",
        help="an earlier report: no rule that passed there may fail now, and no documented"
        " status code exercised there may go unexercised now",
    )
    parser.add_argument(
        "--waivers",
        metavar="FILE",
        help="TOML file of [[waiver]] tables (rule, optional site, reason, expires YYYY-MM-DD)",
    )
    parser.add_argument(
        "--today",
        type=_date_argument,
        metavar="YYYY-MM-DD",
        help="the date waivers expire against (default: today, UTC)",
    )


def main(args: argparse.Namespace) -> int:
    """Run the gate for parsed arguments; print the decision; return the exit code."""
    from ..errors import GateInputError
    from ..gate import gate

    try:
        decision = gate(args.report, args.baseline, args.waivers, args.today)
    except GateInputError as exc:
        print(f"statuspage-contract gate: error: {exc}", file=sys.stderr)
        return ERROR
    except Exception as exc:  # fail closed, in one line, whatever went wrong
        print(
            f"statuspage-contract gate: error: could not decide ({type(exc).__name__}: {exc})",
            file=sys.stderr,
        )
        return ERROR
    sites = ", ".join(decision.sites)
    extras = [f"site{'s' if len(decision.sites) > 1 else ''} {sites}"]
    if args.baseline:
        extras.append(f"baseline {args.baseline}")
    if args.waivers:
        extras.append(f"waivers {args.waivers}")
    extras.append(f"today {decision.today}")
    print(f"statuspage-contract gate: {args.report} ({'; '.join(extras)})")
    for text in decision.text_lines():
        print(text)
    print(decision.summary)
    return decision.exit_code
