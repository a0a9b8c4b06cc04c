"""Settings made for speed or memory alone: here, or listed here with where they live.

Nothing in this list changes what a run sends, judges or reports; without any one of them a
run only takes more time or memory (the figures, and how to measure them, are in
``benchmarks/README.md``). The process-wide settings of ``run`` are defined in this module:

- :func:`return_large_blocks`: glibc hands freed blocks of 128 KiB or more straight back
  (a lower, steadier peak for ``run --site mock``); ``cli/main.py`` calls it before ``run``'s
  imports.
- :func:`lean_gc` and :class:`LeanGarbageCollection`: no cyclic garbage collection while
  pytest imports and collects, then all of it frozen, and young objects collected 10x less
  often (:data:`GC_THRESHOLD`); ``runner.py`` wraps the suite in them.

The others belong to the code they tune and stay beside it:

- ``http/loopback.py``: the embedded mock's client sends over ``http.client``, not urllib3
  (mounted by ``target.py`` and ``pytest_plugin/user_fixtures.py``);
  ``http/client.py``: no environment proxy lookup for a loopback site, the environment's
  send settings worked out once; ``http/wire.py``: prepared URLs cached.
- ``proxy/forward.py``: no environment proxies to a loopback upstream (``trust_env``);
  ``mock/protocol.py``: an answer's head and body in one write.
- ``hypothesis_cache.py``: Hypothesis' storage (its Unicode tables) in the per-user cache,
  built once a machine, not once a run; ``generation.py``: ``_word_schemathesis_lambdas``
  (Hypothesis does not parse a 1,900-line module to word one lambda).
- ``runner.py``: only the pytest plugins the suite needs (``--disable-plugin-autoload``) and
  ``--assert=plain``; ``cli/main.py``: ``entry`` ends the process without the interpreter's
  teardown once exit handlers ran.
- ``suite/__init__.py``: ``MOCK_ORDER`` (the edges' large bodies peak early on the mock).
- ``report/templating.py``: Jinja2's bytecode cache.
- The project's own tests: ``tests/conftest.py`` (module order for pytest-xdist, garbage
  collector threshold, the secret registry per module) and ``tests/cli_runner.py`` (suite
  runs forked from one preloaded interpreter).
"""

from __future__ import annotations

import contextlib
import gc
import os
from collections.abc import Iterator
from typing import Any

#: glibc's ``mallopt`` option for the size from which a block is mapped from the system alone.
M_MMAP_THRESHOLD = -3
#: glibc's own starting value of that threshold.
LARGE_BLOCK = 128 * 1024


def return_large_blocks() -> None:
    """Have glibc hand every freed block of 128 KiB or more straight back to the system.

    glibc raises that threshold on its own to the largest block freed so far (up to 32 MiB)
    and from then on keeps such blocks in its heaps once they are freed: compiled modules read
    whole at import, then the edges' megabyte bodies, built, sent and parsed on two threads
    with a heap each (the suite's and the embedded mock's). Fixed, the threshold no longer
    moves: a lower and steadier peak for ``run --site mock``, for the same CPU time (figures
    in benchmarks/README.md). Call it before the imports. Other C libraries: nothing to do."""
    try:
        if not os.confstr("CS_GNU_LIBC_VERSION"):
            return
        import ctypes

        ctypes.CDLL(None).mallopt(M_MMAP_THRESHOLD, LARGE_BLOCK)
    except (ValueError, OSError, AttributeError):
        return


#: The cyclic garbage collector's first threshold while the suite runs (Python's default: 700).
#: Generation allocates many short-lived objects; collecting them 10x less often saves a few
#: percent of a run, for about 1 MB more at the peak.
GC_THRESHOLD = 10_000


class LeanGarbageCollection:
    """A pytest plugin of ``run``'s own: no cyclic garbage collection while pytest imports and
    collects (nothing there is garbage: modules, strategies, test items), then all of it is
    frozen (``gc.freeze``) so that later collections no longer walk it. Full collections of the
    ~600,000 objects of pytest, Hypothesis and Schemathesis took ~0.3-0.5 s of a run."""

    def pytest_collection_finish(self, session: Any) -> None:
        gc.freeze()
        gc.enable()


@contextlib.contextmanager
def lean_gc() -> Iterator[None]:
    """Run the suite with :class:`LeanGarbageCollection`; restore the collector after."""
    was_enabled, thresholds = gc.isenabled(), gc.get_threshold()
    gc.disable()
    gc.set_threshold(GC_THRESHOLD, *thresholds[1:])
    try:
        yield
    finally:
        gc.unfreeze()
        gc.set_threshold(*thresholds)
        (gc.enable if was_enabled else gc.disable)()
