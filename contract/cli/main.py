"""The ``statuspage-contract`` command line: the dispatcher over its commands (sites, serve,
run, proxy, drift, gate), one module each in this package, and the console script's entry.

Each command module has ``HELP``, ``add_arguments(parser)`` and ``main(args) -> int``, and
imports its machinery inside them: a command's options are built only for the command that
runs, which keeps ``--version``, ``--help`` and ``sites`` fast.
"""

from __future__ import annotations

import argparse
import atexit
import contextlib
import os
import sys
import threading
from collections.abc import Sequence
from types import ModuleType
from typing import NoReturn

from .. import __version__
from ..errors import UsageError
from ..exit_codes import ERROR, INTERRUPTED
from . import drift, gate, proxy, run, serve, sites
from .parser import Command, Parser

#: Every command, in the order ``--help`` lists them.
COMMANDS: dict[str, ModuleType] = {
    "sites": sites,
    "serve": serve,
    "run": run,
    "proxy": proxy,
    "drift": drift,
    "gate": gate,
}


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The whole parser, or (``command`` given) one whose only full subcommand is ``command``."""
    parser = Parser(
        prog="statuspage-contract",
        description="Contract tests for Datadog's Statuspage integration API.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name, module in COMMANDS.items():
        subparser = sub.add_parser(name, help=module.HELP)
        if command in (None, name):
            module.add_arguments(subparser)
        subparser.set_defaults(func=module.main)
    return parser


def _command(argv: Sequence[str]) -> str:
    """The subcommand named in ``argv``: its first word that is not an option ('' if none)."""
    return next((arg for arg in argv if not arg.startswith("-")), "")


def main(argv: Sequence[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    command = _command(argv)
    if command == "run":  # before the run's imports (they free large blocks already)
        from ..tuning import return_large_blocks

        return_large_blocks()
    parser = build_parser(command)
    args = parser.parse_args(argv)
    func: Command = args.func
    try:
        return func(args)
    except UsageError as exc:
        print(f"statuspage-contract {args.command}: error: {exc}", file=sys.stderr)
        return ERROR
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return INTERRUPTED


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
