"""Where Hypothesis keeps what it may reuse between runs: a per-user cache, not the working
directory.

Hypothesis computes which characters UTF-8 can encode once per storage directory (about 4-5 s
of CPU and 200 MB of memory) and stores the tables there; by default that directory is
``.hypothesis/`` wherever the process started. ``run`` and the notebooks' drawing point it at
a per-user cache instead, so the tables are built once per user and nothing is written where
they run. No example database lives there (only ``--example-db`` keeps one, where it says).
Light on purpose: the command line imports it.
"""

from __future__ import annotations

import os
from pathlib import Path

#: Where Hypothesis keeps what it may reuse between runs, unless the environment says.
STORAGE_VARIABLE = "HYPOTHESIS_STORAGE_DIRECTORY"


def hypothesis_cache_dir() -> Path:
    """The per-user cache for Hypothesis' storage: ``$XDG_CACHE_HOME`` or ``~/.cache``."""
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "statuspage-contract" / "hypothesis"


def use_hypothesis_cache() -> None:
    """Point Hypothesis' storage at :func:`hypothesis_cache_dir`, unless the environment
    already chose one. An unwritable cache leaves the choice to the caller (``run`` then uses
    a temporary directory). Hypothesis reads the setting when it first needs its storage: a
    process whose Hypothesis has already chosen keeps its choice."""
    if STORAGE_VARIABLE in os.environ:
        return
    path = hypothesis_cache_dir()
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError:
        return
    if os.access(path, os.W_OK):
        os.environ[STORAGE_VARIABLE] = str(path)
