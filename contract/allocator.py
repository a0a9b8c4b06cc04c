"""The C allocator's one setting for a run: freed large blocks go back to the system (glibc)."""

from __future__ import annotations

import os

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
