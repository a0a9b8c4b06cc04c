"""``statuspage-contract drift``: compare the contract with Datadog's installed Python client
(statuspage_contract.drift); name each difference."""

from __future__ import annotations

import argparse
import sys

from ..exit_codes import ERROR, FAILED, OK

HELP = "compare the contract with Datadog's own Python client (datadog-api-client)"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.description = (
        "Compare the contract with the installed datadog-api-client's Statuspage "
        "API: operations, methods, paths, authentication, success bodies, schema names and "
        f"fields (type, required, length bounds, enum values). Exit {OK}: no drift; {FAILED}: "
        f"differences, one per line; {ERROR}: the client is not installed."
    )


def main(args: argparse.Namespace) -> int:
    """Compare the contract with Datadog's installed Python client; name each difference."""
    from ..drift import ClientMissing, client_version, drift

    try:
        found = drift()
    except ClientMissing as exc:
        print(f"statuspage-contract drift: error: {exc}", file=sys.stderr)
        return ERROR
    against = f"datadog-api-client {client_version()}"
    for line in found:
        print(line)
    if found:
        print(f"drift: {len(found)} difference(s) between the contract and {against}")
        return FAILED
    print(f"no drift: the contract matches {against}")
    return OK
