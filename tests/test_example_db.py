"""``--example-db``: Hypothesis keeps the failing examples, later runs replay them, and no DD
key is ever stored.

Whole runs against the embedded mock with ``server-error-on-non-ascii-key`` (a property-based
test finds it), the user's DD keys in the environment (the mock takes them as its default
organisation's keys, so every request carries them). Run 2 names the same database with
another random seed and fails with the very same body run 1 found; a run with an empty
database fails with another one (the control). Every stored byte is then searched for the DD
keys in every encoding. The Redis database is tested against the real ``redis-server`` that
``.ci/run`` starts (``STATUSPAGE_TEST_REDIS_URL``); without one that test is skipped.
"""

from __future__ import annotations

import base64
import json
import os
import re
import secrets
from collections.abc import Callable, Iterable
from pathlib import Path

import pytest
from cli_runner import run_cli

from statuspage_contract.errors import OptionError
from statuspage_contract.example_db import RedisAddress, check_example_db, parse_example_db
from statuspage_contract.pytest_plugin.options import OPTIONS

REDIS_URL_VARIABLE = "STATUSPAGE_TEST_REDIS_URL"
FAULT = "server-error-on-non-ascii-key"
#: The property-based test that finds FAULT.
PROPERTY_TEST = "test_properties.py::"
FRAGMENT = 12


def _dd_keys() -> dict[str, str]:
    return {"DD_API_KEY": secrets.token_hex(16), "DD_APP_KEY": secrets.token_hex(20)}


def _run(tmp: Path, name: str, db: str, keys: dict[str, str]) -> tuple[int, dict]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DD_")} | keys
    cwd = tmp / name
    cwd.mkdir()
    args = ["run", "--site", "mock", "--mock-fault", FAULT, "--profile", "fast"]
    # a fork of the zygote with randomness of its own (cli_runner._fresh_randomness): run 2's
    # example comes from the database, not from a random state shared with run 1
    done = run_cli([*args, "--example-db", db, "--report-dir", "reports"], cwd=cwd, env=env)
    for key in keys.values():
        assert key not in done.stdout + done.stderr
    report = json.loads((cwd / "reports" / "contract-report.json").read_text())
    return done.returncode, report


def _failing_body(report: dict) -> str:
    """The last request of the property-based test's reproduction: the failing example."""
    found = [f for f in report["failures"] if f["test"].startswith(PROPERTY_TEST)]
    assert found, "the property-based test found the fault"
    return found[0]["reproduction"].splitlines()[-1]


def _encodings(secret: str) -> set[bytes]:
    raw = secret.encode()
    forms = {raw, raw.hex().encode(), base64.b64encode(raw), json.dumps(secret).encode()}
    forms |= {secret.encode(codec) for codec in ("utf-16-le", "utf-16-be", "utf-32-le")}
    forms |= {secret.upper().encode(), bytes.fromhex(secret)}  # the keys are hex
    return forms


def _leaks(blobs: Iterable[bytes], keys: dict[str, str]) -> list[str]:
    found = []
    for blob in blobs:
        for name, key in keys.items():
            if any(form in blob for form in _encodings(key)):
                found.append(name)
            windows = {key[i : i + FRAGMENT].encode() for i in range(len(key) - FRAGMENT + 1)}
            if any(w in blob for w in windows):
                found.append(f"a fragment of {name}")
    return found


def _replays(tmp: Path, db: str, stored: Callable[[], list[bytes]]) -> str:
    """Two runs on one database: run 2 fails with run 1's example; the failing body."""
    keys = _dd_keys()
    code1, first = _run(tmp, "run1", db, keys)
    blobs = stored()
    assert code1 == 1 and blobs, "run 1 failed and stored its failing examples"
    code2, second = _run(tmp, "run2", db, keys)
    assert code2 == 1
    assert _failing_body(second) == _failing_body(first), "run 2 replayed run 1's example"
    assert second["run"]["hypothesis_profile"] == "fast"
    assert not _leaks(stored(), keys)
    return _failing_body(second)


def test_a_directory_database_replays_failing_examples_and_stores_no_key(tmp_path: Path) -> None:
    db = tmp_path / "examples"

    def stored() -> list[bytes]:
        files = [p for p in db.rglob("*") if p.is_file()]
        return [p.read_bytes() for p in files] + [str(p).encode() for p in files]

    replayed = _replays(tmp_path, str(db), stored)
    # the control: an empty database, another random seed, another failing example
    _, fresh = _run(tmp_path, "control", str(tmp_path / "empty"), _dd_keys())
    assert _failing_body(fresh) != replayed


def test_the_leak_search_finds_a_stored_key() -> None:
    keys = _dd_keys()
    key = keys["DD_API_KEY"]
    for planted in (key.encode(), key.encode("utf-16-le"), bytes.fromhex(key), key[3:17].encode()):
        assert _leaks([b"\x00" + planted + b"\x01"], keys)
    assert not _leaks([secrets.token_hex(40).encode()], keys)


@pytest.fixture
def redis_url() -> str:
    url = os.environ.get(REDIS_URL_VARIABLE)
    if not url:
        pytest.skip(f"no Redis server: set {REDIS_URL_VARIABLE} (.ci/run starts one)")
    try:
        check_example_db(url)
    except OptionError as exc:
        pytest.skip(f"{REDIS_URL_VARIABLE}={url}: {exc}")
    return url


def test_a_redis_database_replays_failing_examples_and_stores_no_key(
    tmp_path: Path, redis_url: str
) -> None:
    import redis

    address = parse_example_db(redis_url)
    assert isinstance(address, RedisAddress)
    client = redis.Redis(host=address.host, port=address.port, db=address.db)
    client.flushdb()  # the test's own database

    def stored() -> list[bytes]:
        blobs = []
        for name in client.scan_iter():
            blobs.append(name)
            kind = client.type(name)
            if kind == b"set":
                blobs += list(client.smembers(name))
            elif kind == b"string":
                blobs.append(client.get(name) or b"")
            elif kind == b"hash":
                blobs += [b for pair in client.hgetall(name).items() for b in pair]
            elif kind == b"list":
                blobs += client.lrange(name, 0, -1)
        return blobs

    try:
        _replays(tmp_path, redis_url, stored)
    finally:
        client.flushdb()
        client.close()


@pytest.mark.parametrize(
    ("value", "why"),
    [
        ("redis://nowhere:99999/0", "port must be 1 to 65535"),
        ("redis://127.0.0.1:1/0", "no Redis server answers"),
        ("redis://user:pw@127.0.0.1:6379/0", "credentials"),
        ("redis://127.0.0.1:6379/x", "expected a directory or redis://"),
        ("http://127.0.0.1/", "expected a directory or redis://"),
        ("FILE", "not a directory"),
    ],
)
def test_an_unusable_database_is_a_one_line_usage_error(
    tmp_path: Path, value: str, why: str
) -> None:
    afile = tmp_path / "a-file"
    afile.write_text("x")
    value = str(afile) if value == "FILE" else value
    done = run_cli(
        ["run", "--site", "mock", "--example-db", value, "--report-dir", "reports"], cwd=tmp_path
    )
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "--example-db" in lines[0] and why in lines[0], done.stderr
    assert "pw" not in done.stderr.replace(str(tmp_path), "")
    assert not (tmp_path / "reports" / "contract-report.json").exists()


def test_values_parse() -> None:
    assert parse_example_db("redis://10.0.0.1/3") == RedisAddress("10.0.0.1", 6379, 3)
    assert parse_example_db("redis://h:7000") == RedisAddress("h", 7000, 0)
    assert parse_example_db("some/dir") == Path("some/dir")
    with pytest.raises(OptionError):
        parse_example_db(" ")


def test_pytest_and_run_both_get_the_option() -> None:
    (option,) = [o for o in OPTIONS if o.run_flag == "--example-db"]
    assert re.fullmatch(r"--[a-z-]+example-db", option.flag)
    assert option.dest == option.flag.lstrip("-").replace("-", "_")
