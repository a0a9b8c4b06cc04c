"""Errors shared by the command-line modules."""


class UsageError(Exception):
    """A user mistake: reported as one line, exit code 2, never a traceback."""


class GateInputError(Exception):
    """An input the gate cannot trust (report, baseline, waivers): one line, exit code 2."""
