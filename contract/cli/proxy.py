"""``statuspage-contract proxy``: serve the contract-checking proxy until Ctrl-C, SIGTERM,
``--duration`` or ``--requests``, then write the reports and print the one decision."""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING

from ..errors import OptionError, UsageError
from ..sites import LOCALHOST, is_loopback
from .parser import port

if TYPE_CHECKING:
    from ..proxy.server import ProxyServer

HELP = "forward real traffic to a site, judge it against the contract, report"
DEFAULT_PORT = 8898


#: The largest value each number accepts (beyond it, a typo; a timer would overflow).
_LARGEST = {"seconds": 86_400 * 366, "requests": 1_000_000_000}


def _positive(kind: type[int] | type[float], what: str) -> Callable[[str], int | float]:
    def parse(value: str) -> int | float:
        try:
            number = kind(value)
        except ValueError:
            raise argparse.ArgumentTypeError(f"not a number of {what}: {value!r}") from None
        if not 0 < number <= _LARGEST[what]:
            raise argparse.ArgumentTypeError(
                f"must be a positive number of {what}, at most {_LARGEST[what]:,}, not {value}"
            )
        return number

    return parse


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--site",
        default=None,
        help="the site to forward to: mock (starts the embedded mock behind the proxy), a "
        "Datadog site or an http(s):// URL (default: DD_SITE, else mock)",
    )
    parser.add_argument(
        "--host", default=LOCALHOST, help="address to listen on (default: %(default)s)"
    )
    parser.add_argument(
        "--port",
        type=port,
        default=DEFAULT_PORT,
        help="port, 0 for any free port (default: %(default)s)",
    )
    parser.add_argument(
        "--report-dir",
        type=Path,
        default=Path("reports"),
        help="where the reports are written (default: %(default)s)",
    )
    parser.add_argument(
        "--duration",
        type=_positive(float, "seconds"),
        metavar="S",
        help="stop after S seconds and write the reports",
    )
    parser.add_argument(
        "--requests",
        type=_positive(int, "requests"),
        metavar="N",
        help="stop after N forwarded requests and write the reports",
    )
    parser.add_argument(
        "--timeout",
        type=_positive(float, "seconds"),
        default=30.0,
        metavar="S",
        help="seconds to wait for the site's answer before answering 504 (default: %(default)s)",
    )
    parser.add_argument(
        "--mock-fault",
        action="append",
        metavar="NAME",
        help="with --site mock: turn a fault mode of the mock on (repeatable)",
    )


def main(args: argparse.Namespace) -> int:
    from ..mock.faults import UnknownFaultError
    from ..proxy.server import ProxyServer
    from ..proxy.session import write_proxy_report
    from ..report.decision import RUN_EXIT, Decision
    from ..report.directory import check_report_dir
    from ..sites import UnknownSiteError

    try:
        server = ProxyServer(
            args.site,
            host=args.host,
            port=args.port,
            timeout=args.timeout,
            mock_faults=args.mock_fault or (),
            max_requests=args.requests,
        )
    except (UnknownSiteError, UnknownFaultError, ValueError) as exc:
        raise UsageError(str(exc)) from None
    server.bind_or_refuse()
    try:  # after the address: a refused proxy creates no directory
        check_report_dir(args.report_dir)
    except OptionError as exc:
        raise UsageError(str(exc)) from None
    caught: list[str] = []

    def on_signal(signum: int, frame: FrameType | None) -> None:
        # uvicorn stops on the signal, then raises it again: it lands here, not as a kill
        name = "Ctrl-C" if signum == signal.SIGINT else signal.Signals(signum).name
        if name not in caught:
            caught.append(name)
        server.request_stop(name)  # a signal before uvicorn took over must stop it too

    # Before the address is printed: from then on, a signal stops the proxy with its reports.
    previous = {sig: signal.signal(sig, on_signal) for sig in (signal.SIGINT, signal.SIGTERM)}
    timer = None
    try:
        _announce(server, args)
        if args.duration:
            timer = threading.Timer(
                args.duration, server.request_stop, (f"--duration {args.duration:g}",)
            )
            timer.daemon = True
            timer.start()
        server.serve_forever()
    finally:
        if timer is not None:
            timer.cancel()
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    if caught:
        server.stopped_by = caught[0]
    report = server.report()
    written = write_proxy_report(report, args.report_dir)
    decision = report["decision"]
    tally = report["run"]["proxy"]
    print(
        f"\nstopped ({server.stopped_by}): {tally['forwarded']} request(s) forwarded, "
        f"{tally['judged']} judged, {tally['outside_contract']['requests']} outside the contract,"
        f" {tally['transport_refusals']['requests']} refused by the site's transport limits,"
        f" {tally['unanswered']['requests']} unanswered"
    )
    print(f"reports: {', '.join(str(p) for p in written)}")
    print(f"{decision['verdict']}: {decision['reason']}", flush=True)
    return RUN_EXIT[Decision(decision["verdict"])]


def _announce(server: ProxyServer, args: argparse.Namespace) -> None:
    """Where the proxy listens, what is behind it, and how to stop it."""
    print(f"statuspage-contract proxy at {server.base_url} -> {server.site.name}", flush=True)
    if not is_loopback(args.host):
        print(
            f"warning: listening on {args.host}, not loopback: anyone who reaches it can send "
            "requests with the keys they carry",
            file=sys.stderr,
        )
    if server.mock is not None:
        print("the embedded mock is behind it (keys: DD_API_KEY / DD_APP_KEY, or demo keys)")
    print("Press Ctrl-C to stop and write the reports.", flush=True)
