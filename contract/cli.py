"""The ``statuspage-contract`` command line: sites, serve, run, proxy, gate."""

from __future__ import annotations

import argparse
import atexit
import contextlib
import os
import re
import sys
import threading
from collections.abc import Callable, Sequence
from datetime import date
from typing import Any, NoReturn

from . import __version__
from .errors import UsageError

Command = Callable[[argparse.Namespace], int]


class _StoreOnce(argparse._StoreAction):
    """An option that takes one value: given twice with different values, it is refused
    (argparse would silently keep the last one)."""

    def __call__(
        self,
        parser: argparse.ArgumentParser,
        namespace: argparse.Namespace,
        values: Any,
        option_string: str | None = None,
    ) -> None:
        given: dict[str, Any] = namespace.__dict__.setdefault(_GIVEN, {})
        if option_string and self.dest in given and given[self.dest] != values:
            parser.error(
                f"{option_string} was given twice ({given[self.dest]!r}, then {values!r}):"
                " give it once"
            )
        given[self.dest] = values
        super().__call__(parser, namespace, values, option_string)


_GIVEN = "_statuspage_contract_given"


class Parser(argparse.ArgumentParser):
    """argparse, with a mistake reported in one line (not the whole usage) and an option of
    one value refused when it is given twice with different values."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.register("action", None, _StoreOnce)
        self.register("action", "store", _StoreOnce)

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message} (see '{self.prog} --help')\n")

    def parse_known_args(  # type: ignore[override]
        self, args: Sequence[str] | None = None, namespace: argparse.Namespace | None = None
    ) -> tuple[argparse.Namespace, list[str]]:
        parsed, extra = super().parse_known_args(args, namespace)
        parsed.__dict__.pop(_GIVEN, None)
        return parsed, extra


def _cmd_sites(args: argparse.Namespace) -> int:
    from .sites import all_sites

    rows = [("SITE", "API BASE URL", "UI HOST", "NOTE")]
    for site in all_sites():
        rows.append(
            (site.name, site.base_url or "http://127.0.0.1:<port>", site.ui_host or "-", site.note)
        )
    widths = [max(len(r[i]) for r in rows) for i in range(3)]
    for row in rows:
        print("  ".join(cell.ljust(w) for cell, w in zip(row[:3], widths, strict=True)), row[3])
    print(
        "\nAlso accepted: the UI host (app.datadoghq.eu), DD_SITE as the default,"
        " any http(s):// URL."
    )
    return 0


def _cmd_serve(args: argparse.Namespace) -> int:
    import logging

    from .mock.faults import UnknownFaultError, describe_faults
    from .mock.server import READ_ONLY_APP_KEY_ENV, MockSite

    if args.list_faults:
        print(describe_faults())
        return 0
    if args.rate_limit is not None and args.rate_limit < 1:
        raise UsageError("--rate-limit must be a positive number of requests")
    if args.rate_period < 1:
        raise UsageError("--rate-period must be a positive number of seconds")
    try:
        site = MockSite(
            args.host,
            args.port,
            faults=args.fault or (),
            rate_limit=args.rate_limit,
            rate_period=args.rate_period,
        )
    except UnknownFaultError as exc:
        raise UsageError(str(exc)) from None
    if args.access_log and not args.quiet:
        # one line per request (escaped, never a key) and the HTTP layer's refusals
        logging.basicConfig(format="%(asctime)s %(message)s", stream=sys.stderr)
        logging.getLogger("statuspage_contract.mock").setLevel(logging.INFO)
    site.bind_or_refuse()
    print(f"statuspage-contract mock site at {site.base_url}", flush=True)
    if site.keys_from_environment:
        print("keys: DD_API_KEY / DD_APP_KEY from the environment (not shown)")
        if os.environ.get(READ_ONLY_APP_KEY_ENV):
            print(f"  and {READ_ONLY_APP_KEY_ENV}: an application key that may only read")
    else:
        print("demo keys (paste into the shell that runs the suite):")
        print(f"  export DD_API_KEY={site.api_key}")
        print(f"  export DD_APP_KEY={site.app_key}")
    if site.faults:
        print(f"faults: {', '.join(sorted(site.faults))}")
    if args.rate_limit:
        print(f"rate limit: {args.rate_limit} requests per {args.rate_period} s per organisation")
    print("Press Ctrl-C to stop.", flush=True)
    try:
        site.serve_forever()
    except KeyboardInterrupt:
        print("\nstopped", file=sys.stderr)
    return 0


def _cmd_run(args: argparse.Namespace) -> int:
    from .hypothesis_cache import use_hypothesis_cache
    from .runner import run_suite

    use_hypothesis_cache()
    return run_suite(args)


# -- gate -----------------------------------------------------------------------------------


def _date_argument(value: str) -> date:
    try:
        if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
            raise ValueError
        return date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a date YYYY-MM-DD, got {value!r}") from None


def add_gate_arguments(parser: argparse.ArgumentParser) -> None:
    """The ``gate`` subcommand's arguments."""
    parser.description = (
        "Decide from a contract report whether a release may go. Exit 0: it may go;"
        " 1: it must not (the output says why, rule by rule); 2: an input is missing or invalid."
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


def gate_main(args: argparse.Namespace) -> int:
    """Run the gate for parsed arguments; print the decision; return the exit code."""
    from .errors import GateInputError
    from .gate import EXIT_INVALID, gate

    try:
        decision = gate(args.report, args.baseline, args.waivers, args.today)
    except GateInputError as exc:
        print(f"statuspage-contract gate: error: {exc}", file=sys.stderr)
        return EXIT_INVALID
    except Exception as exc:  # fail closed, in one line, whatever went wrong
        print(
            f"statuspage-contract gate: error: could not decide ({type(exc).__name__}: {exc})",
            file=sys.stderr,
        )
        return EXIT_INVALID
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


def _cmd_drift(args: argparse.Namespace) -> int:
    """Compare the contract with Datadog's installed Python client; name each difference."""
    from .drift import ClientMissing, client_version, drift

    try:
        found = drift()
    except ClientMissing as exc:
        print(f"statuspage-contract drift: error: {exc}", file=sys.stderr)
        return 2
    against = f"datadog-api-client {client_version()}"
    for line in found:
        print(line)
    if found:
        print(f"drift: {len(found)} difference(s) between the contract and {against}")
        return 1
    print(f"no drift: the contract matches {against}")
    return 0


def _cmd_proxy(args: argparse.Namespace) -> int:
    from .proxy.cli import proxy_main

    return proxy_main(args)


def _port(value: str) -> int:
    """A TCP port number, 0 to 65535 (0: any free port)."""
    try:
        port = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a port number: {value!r}") from None
    if not 0 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"a port is 0 to 65535, not {port}")
    return port


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The whole parser, or (``command`` given) one whose only full subcommand is ``command``.

    The options of ``run`` and ``gate`` live in their modules; importing those only for the
    command that runs keeps ``--version``, ``--help`` and ``sites`` fast.
    """
    parser = Parser(
        prog="statuspage-contract",
        description="Contract tests for Datadog's Statuspage integration API.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    sites = sub.add_parser("sites", help="list the known sites and their API base URLs")
    sites.set_defaults(func=_cmd_sites)

    serve = sub.add_parser("serve", help="serve the embedded mock site until Ctrl-C")
    serve.add_argument("--host", default="127.0.0.1", help="address to bind (default: %(default)s)")
    serve.add_argument(
        "--port", type=_port, default=8899, help="port, 0 for any free port (default: %(default)s)"
    )
    serve.add_argument(
        "--fault", action="append", metavar="NAME", help="turn a fault mode on (repeatable)"
    )
    serve.add_argument("--list-faults", action="store_true", help="list the fault modes and exit")
    serve.add_argument(
        "--rate-limit", type=int, metavar="N", help="requests allowed per period and organisation"
    )
    serve.add_argument(
        "--rate-period",
        type=int,
        default=60,
        metavar="S",
        help="rate-limit period in seconds (default: %(default)s)",
    )
    serve.add_argument(
        "--access-log",
        action="store_true",
        help="log one line per request to stderr (off by default: it costs throughput)",
    )
    serve.add_argument(
        "--quiet",
        action="store_true",
        help="do not log requests (the default; wins over --access-log)",
    )
    serve.set_defaults(func=_cmd_serve)

    run = sub.add_parser("run", help="run the contract suite against a site and write reports")
    if command in (None, "run"):
        from .runner import add_run_arguments

        add_run_arguments(run)
    run.set_defaults(func=_cmd_run)

    proxy = sub.add_parser(
        "proxy", help="forward real traffic to a site, judge it against the contract, report"
    )
    if command in (None, "proxy"):
        from .proxy.cli import add_proxy_arguments

        add_proxy_arguments(proxy)
    proxy.set_defaults(func=_cmd_proxy)

    drift = sub.add_parser(
        "drift",
        help="compare the contract with Datadog's own Python client (datadog-api-client)",
        description="Compare the contract with the installed datadog-api-client's Statuspage "
        "API: operations, methods, paths, authentication, success bodies, schema names and "
        "fields (type, required, length bounds, enum values). Exit 0: no drift; 1: "
        "differences, one per line; 2: the client is not installed.",
    )
    drift.set_defaults(func=_cmd_drift)

    gate = sub.add_parser("gate", help="decide from a contract report whether a release may go")
    if command in (None, "gate"):
        add_gate_arguments(gate)
    gate.set_defaults(func=gate_main)
    return parser


def _command(argv: Sequence[str]) -> str:
    """The subcommand named in ``argv``: its first word that is not an option ('' if none)."""
    return next((arg for arg in argv if not arg.startswith("-")), "")


def main(argv: Sequence[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    command = _command(argv)
    if command == "run":  # before the run's imports (they free large blocks already)
        from .tuning import return_large_blocks

        return_large_blocks()
    parser = build_parser(command)
    args = parser.parse_args(argv)
    func: Command = args.func
    try:
        return func(args)
    except UsageError as exc:
        print(f"statuspage-contract {args.command}: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


def entry() -> NoReturn:
    """The console script: :func:`main`, then a prompt exit.

    Once a command is done, tearing the interpreter down (freeing the hundreds of thousands of
    objects pytest, Hypothesis and Schemathesis leave behind) took 0.5-0.9 s of a ``run``.
    Like mypy's ``hard_exit``, the exit handlers run and the output is flushed, then the
    process ends without that teardown. A thread that is not a daemon (none of the toolkit's)
    gets the normal exit, which waits for it."""
    code = main()
    others = [t for t in threading.enumerate() if t is not threading.main_thread()]
    run_exit_handlers = getattr(atexit, "_run_exitfuncs", None)
    if run_exit_handlers is None or any(not t.daemon for t in others):
        sys.exit(code)
    run_exit_handlers()
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(Exception):
            stream.flush()
    os._exit(code)


if __name__ == "__main__":  # pragma: no cover
    entry()
