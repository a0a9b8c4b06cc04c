"""The exit codes of every command line, each stated once (``run``, ``proxy``, ``gate``,
``drift``, a usage error); imports nothing. The decision's verdicts map onto them in
statuspage_contract.report.verdict (``RUN_EXIT``)."""

#: run / proxy: the contract HOLDS; gate: the release may go; drift: no drift.
OK = 0
#: run / proxy: the contract is VIOLATED; gate: the release must not go; drift: differences.
FAILED = 1
#: A usage error or an invalid input (the gate's too); run / proxy: ABORTED or NOTHING
#: TESTED; drift: the client is not installed.
ERROR = 2
#: run / proxy: nothing failed, but required rules were not exercised (INCOMPLETE).
INCOMPLETE = 3
#: Interrupted (Ctrl-C), as a shell reports a process ended by SIGINT.
INTERRUPTED = 130
