"""``statuspage-contract serve``: serve the embedded mock site until Ctrl-C."""

from __future__ import annotations

import argparse
import os
import sys

from ..errors import UsageError
from ..sites import LOCALHOST, SERVE_PORT
from .parser import port

HELP = "serve the embedded mock site until Ctrl-C"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--host", default=LOCALHOST, help="address to bind (default: %(default)s)")
    parser.add_argument(
        "--port",
        type=port,
        default=SERVE_PORT,
        help="port, 0 for any free port (default: %(default)s)",
    )
    parser.add_argument(
        "--fault", action="append", metavar="NAME", help="turn a fault mode on (repeatable)"
    )
    parser.add_argument("--list-faults", action="store_true", help="list the fault modes and exit")
    parser.add_argument(
        "--rate-limit", type=int, metavar="N", help="requests allowed per period and organisation"
    )
    parser.add_argument(
        "--rate-period",
        type=int,
        default=60,
        metavar="S",
        help="rate-limit period in seconds (default: %(default)s)",
    )
    parser.add_argument(
        "--access-log",
        action="store_true",
        help="log one line per request to stderr (off by default: it costs throughput)",
    )
    parser.add_argument(
        "--quiet",
        action="store_true",
        help="do not log requests (the default; wins over --access-log)",
    )


def main(args: argparse.Namespace) -> int:
    import logging

    from ..mock.faults import UnknownFaultError, describe_faults
    from ..mock.server import (
        BEARER_TOKEN_ENV,
        READ_ONLY_APP_KEY_ENV,
        READ_ONLY_BEARER_TOKEN_ENV,
        MockSite,
    )

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
    if os.environ.get(BEARER_TOKEN_ENV):
        print(f"bearer token: {BEARER_TOKEN_ENV} from the environment (not shown)")
    else:
        print("demo bearer token (the OAuth2 scheme's, in place of the keys):")
        print(f"  export {BEARER_TOKEN_ENV}={site.bearer_token}")
    if site.read_only_token:
        print(f"  and {READ_ONLY_BEARER_TOKEN_ENV}: a bearer token that may only read")
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
