"""The judging room: what was observed becomes verdicts, and verdicts become a run's record.

- :mod:`.verdict`: the one outcome vocabulary (``Verdict``, ``ContractViolation``);
- :mod:`.judge`: the response rules and the scenario expectations → verdicts;
- :mod:`.model`: the resource model, what a call may answer given the state, and the state
  after it (the account is its first entry);
- :mod:`.recorder`: the run's tallies, failures and reproductions.
"""

from .judge import Judge, JudgedClient, check_exchange, judged_client
from .verdict import ContractViolation, Verdict

__all__ = [
    "ContractViolation",
    "Judge",
    "JudgedClient",
    "Verdict",
    "check_exchange",
    "judged_client",
]
