"""The judge: the response rules and the scenario expectations turned into verdicts."""

from __future__ import annotations

from ..http.exchange import Exchange
from ..redact import redact
from ..rules import NotApplicable, RuleContext, rules_of
from ..spec import load_contract
from .verdict import Verdict


def check_exchange(exchange: Exchange, ctx: RuleContext) -> list[Verdict]:
    """Every applicable response rule's verdict on ``exchange`` (N/A ones left out). A
    transport-level protective answer (408, 413, 414, 431: ``protective_statuses``) is no
    answer of the contract: no rule judges it."""
    verdicts: list[Verdict] = []
    if exchange.status in load_contract().protective_statuses:
        return verdicts
    for rule in rules_of("response"):
        assert rule.check is not None
        try:
            message = rule.check(exchange, ctx)
        except NotApplicable:
            continue
        verdicts.append(Verdict(rule.name, not message, redact(message) if message else ""))
    return verdicts
