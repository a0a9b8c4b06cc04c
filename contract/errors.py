"""Every user-facing exception of the toolkit, under one base class.

Each is reported to a person in one line (never a traceback). The second base of some keeps
the kind of error they always were (a bad value, a runtime condition) for callers that catch
by kind.
"""


class ContractError(Exception):
    """The base of every error the toolkit reports to its user."""


# -- usage: a person asked for something that cannot work ---------------------------------
class UsageError(ContractError):
    """A user mistake: reported as one line, exit code 2, never a traceback."""


class OptionError(ContractError, ValueError):
    """Options that cannot work together or at all: one line, a usage error."""


class UnknownSiteError(ContractError, ValueError):
    """A site name that is neither registered nor an http(s) URL."""


class TargetError(ContractError, ValueError):
    """A target that cannot be used as asked (a usage error, reported in one line)."""


class UnknownFaultError(ContractError, ValueError):
    """A mock fault mode that does not exist."""


class GateInputError(ContractError):
    """An input the gate cannot trust (report, baseline, waivers): one line, exit code 2."""


# -- a run that must not or cannot go on ---------------------------------------------------
class SafetyError(ContractError, RuntimeError):
    """Raised instead of sending a request the run's safety settings forbid."""


class RunAborted(ContractError, RuntimeError):
    """The run must stop now: the site's state is uncertain or not this run's to touch."""


class BudgetExhausted(ContractError, RuntimeError):
    """The run's request budget is spent; no more requests are sent."""


class SiteUnreachable(ContractError, RuntimeError):
    """The site could not be reached at all (connection refused, DNS, TLS, timeout)."""


class MutationNotAllowed(ContractError, RuntimeError):
    """A call would create, change or delete the account on a live site without permission."""


class SiteStateUncertain(ContractError, RuntimeError):
    """The preflight could not tell whether the site has an account; nothing was changed."""
