"""The judging room: what was observed becomes verdicts, and verdicts become a run's record.

- :mod:`.verdict`: the one outcome vocabulary (``Verdict``, ``ContractViolation``);
- :mod:`.judge`: the response rules and the scenario expectations → verdicts;
- :mod:`.expectations`: what status a scenario's step must answer, given the account;
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
