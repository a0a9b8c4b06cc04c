"""``--example-db``: a Hypothesis example database shared between runs and machines.

A directory (Hypothesis' ``DirectoryBasedExampleDatabase``) or a Redis server
(``redis://HOST:PORT/N``, Hypothesis' ``RedisExampleDatabase``; needs the ``redis`` package)
keeps the failing examples of each property-based test, and later runs replay them first.
Hypothesis stores the choices it drew, i.e. generated test data: the user's DD keys are never
drawn, so they are never stored (tests/test_example_db.py reads every stored byte to prove it).

Checked before anything is sent (:func:`check_example_db`); light on purpose: ``run``'s
option check imports it, and Hypothesis or redis only load when a database is opened.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from .errors import OptionError

if TYPE_CHECKING:
    from hypothesis.database import ExampleDatabase

FLAG = "--example-db"
REDIS_SCHEME = "redis"
REDIS_DEFAULT_PORT = 6379
#: Seconds to wait for a Redis server to accept a connection and answer.
REDIS_TIMEOUT = 5.0
#: The profile loaded on top of the chosen one when a database is given.
PROFILE = "statuspage-example-db"


@dataclass(frozen=True)
class RedisAddress:
    host: str
    port: int
    db: int


def parse_example_db(value: str) -> Path | RedisAddress:
    """A directory or a Redis address, from ``--example-db``'s value; an OptionError, in one
    line, for anything else."""
    if "://" not in value:
        if not value.strip():
            raise OptionError(f"{FLAG} needs a directory or redis://HOST:PORT/N")
        return Path(value)
    parts = urlsplit(value)
    usage = f"{FLAG} {value!r}: expected a directory or redis://HOST:PORT/N"
    if parts.scheme != REDIS_SCHEME:
        raise OptionError(usage)
    if parts.username is not None or parts.password is not None:
        raise OptionError(
            f"{FLAG}: a Redis URL with credentials is not supported (it would be logged)"
        )
    try:
        port = parts.port or REDIS_DEFAULT_PORT
    except ValueError:  # out of range or not a number
        raise OptionError(f"{usage} (the port must be 1 to 65535)") from None
    path = parts.path.strip("/") or "0"
    if not parts.hostname or not path.isdigit() or parts.query or parts.fragment:
        raise OptionError(usage)
    return RedisAddress(parts.hostname, port, int(path))


def _check_directory(path: Path) -> None:
    if path.exists() and not path.is_dir():
        raise OptionError(f"{FLAG} {path}: not a directory")
    existing = next(p for p in (path, *path.parents) if p.exists())
    if not existing.is_dir() or not os.access(existing, os.W_OK | os.X_OK):
        raise OptionError(f"{FLAG} {path}: cannot write there")


def _redis_client(address: RedisAddress) -> Any:
    try:
        import redis
        from redis.backoff import NoBackoff
        from redis.retry import Retry
    except ImportError:
        raise OptionError(
            f"{FLAG} with a Redis URL needs the redis package: "
            "pip install 'statuspage-contract[redis]'"
        ) from None
    return redis.Redis(
        host=address.host,
        port=address.port,
        db=address.db,
        socket_connect_timeout=REDIS_TIMEOUT,
        socket_timeout=REDIS_TIMEOUT,
        # one try: a refused connection is an answer (redis-py's default retries took ~4 s)
        retry=Retry(NoBackoff(), 0),
    )


def check_example_db(value: str) -> None:
    """Raise :class:`OptionError` unless ``value`` names a usable database: a directory that
    is (or can be made) writable, or a Redis server that answers a PING."""
    where = parse_example_db(value)
    if isinstance(where, Path):
        _check_directory(where)
        return
    client = _redis_client(where)
    try:
        client.ping()
    except Exception as exc:  # redis' own errors and the socket's: one line either way
        raise OptionError(
            f"{FLAG} {value}: no Redis server answers there ({type(exc).__name__})"
        ) from None
    finally:
        client.close()


def open_example_db(value: str) -> ExampleDatabase:
    """Hypothesis' own database for a checked ``--example-db`` value."""
    from hypothesis.database import DirectoryBasedExampleDatabase

    where = parse_example_db(value)
    if isinstance(where, Path):
        return DirectoryBasedExampleDatabase(str(where))
    from hypothesis.extra.redis import RedisExampleDatabase

    return RedisExampleDatabase(_redis_client(where))


def use_example_db(value: str) -> None:
    """Load the current Hypothesis profile again with this database: failing examples are
    saved there and replayed first by every later run that names it."""
    from hypothesis import settings

    settings.register_profile(PROFILE, settings(), database=open_example_db(value))
    settings.load_profile(PROFILE)
