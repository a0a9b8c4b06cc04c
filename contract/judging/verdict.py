"""The one outcome vocabulary: a rule's :class:`Verdict` on what was observed, and the
:class:`ContractViolation` that broken verdicts raise in a test."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from ..http.exchange import Exchange
from ..redact import redact


@dataclass(frozen=True)
class Verdict:
    """One rule's judgement of one observation (a response, or a scenario's step):
    ``message`` says what broke it, and is empty when the rule holds."""

    rule: str
    passed: bool
    message: str = ""

    @classmethod
    def broken(cls, rule: str, message: str) -> Verdict:
        """The verdict of a broken rule."""
        return cls(rule, False, message)


class ContractViolation(AssertionError):
    """One or more rules broken by one observation. Its text is already redacted."""

    def __init__(self, verdicts: Iterable[Verdict], exchange: Exchange | None = None) -> None:
        self.verdicts = list(verdicts)
        self.exchange = exchange
        lines = [f"[{v.rule}] {v.message}" for v in self.verdicts]
        if exchange is not None:
            lines.append(f"response: {exchange.describe()}")
            lines.append(f"reproduce: {exchange.curl()}")
        super().__init__(redact("\n".join(lines)))

    @property
    def rules(self) -> list[str]:
        return [v.rule for v in self.verdicts]
