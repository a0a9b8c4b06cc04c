"""The Hypothesis settings of every generation in the toolkit: the suite's profiles and the
safety settings they all share (the notebook's drawing too)."""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, Phase, Verbosity

from .pytest_plugin.options import CI_PROFILE, FAST_PROFILE, THOROUGH_PROFILE

#: Every generation: no example database unless the user names one (``--example-db``,
#: statuspage_contract.example_db: it stores only generated test data, never the DD keys), no
#: deadline, no health checks, quiet (Hypothesis' own reports quote inputs; ours are redacted).
SAFE_SETTINGS: dict[str, Any] = {
    "database": None,
    "deadline": None,
    "suppress_health_check": list(HealthCheck),
    "verbosity": Verbosity.quiet,
    "print_blob": False,
}

#: Generation only, without shrinking.
NO_SHRINK = [Phase.explicit, Phase.reuse, Phase.generate]

#: The suite's profiles. ``ci`` is derandomised: every CI run sends the same inputs. ``fast``
#: and ``ci`` skip shrinking (against a broken server it takes minutes, and the example tests
#: already give minimal reproductions); ``thorough`` shrinks.
PROFILES: dict[str, dict[str, Any]] = {
    # derandomize is set on each: under a CI variable Hypothesis' own default profile is
    # derandomised, and an unset value would be inherited from it
    FAST_PROFILE: {"max_examples": 25, "derandomize": False, "phases": NO_SHRINK},
    CI_PROFILE: {"max_examples": 40, "derandomize": True, "phases": NO_SHRINK},
    THOROUGH_PROFILE: {"max_examples": 400, "derandomize": False},
}

#: Whether a profile sends one generated body per equivalence class, operation and kind
#: (statuspage_contract.equivalence): ``fast`` and ``ci`` pass over a body whose class the run
#: already sent (before any request); ``thorough`` spends more on purpose and sends them all.
ONE_INPUT_PER_CLASS: dict[str, bool] = {
    FAST_PROFILE: True,
    CI_PROFILE: True,
    THOROUGH_PROFILE: False,
}
