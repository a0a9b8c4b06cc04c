"""How long redaction takes: a large body, many registered secrets.

    python benchmarks/bench_redact.py                 # 33 MiB, 1 and 400 secrets, 3 bodies
    python benchmarks/bench_redact.py --mib 8 --secrets 1 50 400
    python benchmarks/bench_redact.py --check         # exit 1 when 400 secrets take over 1 s

Each body is redacted once with the registry holding N secrets (64-hex keys, like
``sentinel_key()``, half of them also with a quote and a non-ASCII letter, which multiplies
their spellings); one registered secret is planted in the body so the work is real. Bodies:
``json`` (a JSON document of short strings), ``hex`` (random hexadecimal: every character
can start a key, the worst case for the pattern) and ``ascii`` (one repeated letter).
"""

from __future__ import annotations

import argparse
import json
import secrets
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from statuspage_contract.redact import REDACTED, SecretRegistry

BOUND = 1.0  # seconds for 33 MiB with 400 secrets (issue 28)


def bodies(size: int) -> dict[str, str]:
    words = json.dumps({"items": [f"value number {i} of the list" for i in range(size // 24)]})
    return {
        "json": words[:size],
        "hex": secrets.token_hex(size // 2),
        "ascii": "a" * size,
    }


def keys(n: int) -> list[str]:
    out = []
    for i in range(n):
        key = secrets.token_hex(32)
        out.append(key if i % 2 == 0 else f'{key[:20]}"é{key[20:]}')
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mib", type=float, default=33.0)
    parser.add_argument("--secrets", type=int, nargs="+", default=[1, 400])
    parser.add_argument("--check", action="store_true")
    args = parser.parse_args()
    size = int(args.mib * 2**20)
    slowest = 0.0
    for name, body in bodies(size).items():
        for n in args.secrets:
            registry = SecretRegistry()
            ks = keys(n)
            registry.add(*ks)
            text = body[: size // 2] + ks[-1] + body[size // 2 :]
            started = time.perf_counter()
            out = registry.redact(text)
            took = time.perf_counter() - started
            assert REDACTED in out and ks[-1] not in out
            if n >= 400:
                slowest = max(slowest, took)
            print(f"{name:6} {args.mib:g} MiB  {n:4} secrets  redact {took:6.3f} s")
    if args.check and slowest > BOUND:
        print(f"over the bound: {slowest:.2f} s > {BOUND} s")
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
