"""The proxy's passive sequence rules (contract/proxy/sequence.py), per set of keys, read off
the resource model's account entry (contract/judging/model.py)."""

from __future__ import annotations

from statuspage_contract.judging import Verdict
from statuspage_contract.proxy.sequence import SequenceJudge
from statuspage_contract.rules import LIFECYCLE_EFFECTS, REJECTED_CALL_NO_EFFECT, SINGLE_ACCOUNT
from statuspage_contract.spec import load_contract

CONTRACT = load_contract()
S = CONTRACT.status
CREATE, READ = CONTRACT.create.method, CONTRACT.read.method
UPDATE, DELETE = CONTRACT.update.method, CONTRACT.delete.method
KEYS = ("api", "app")


def calls(judge: SequenceJudge, *steps: tuple[str, int | None]) -> list[list[Verdict]]:
    """Each call in turn, one after the other (no overlap): the verdicts of each."""
    return [judge.end(judge.begin(KEYS), method, status) for method, status in steps]


def test_a_lifecycle_on_a_healthy_site_passes_each_rule_it_exercises() -> None:
    out = calls(
        SequenceJudge(),
        (READ, S.not_found),
        (CREATE, S.created),
        (CREATE, S.conflict),
        (READ, S.ok),
        (UPDATE, S.updated),
        (READ, S.ok),
        (DELETE, S.deleted),
        (READ, S.not_found),
    )
    assert out == [
        [],
        [],
        [Verdict(SINGLE_ACCOUNT, True)],
        [Verdict(REJECTED_CALL_NO_EFFECT, True)],
        [],
        [Verdict(LIFECYCLE_EFFECTS, True)],
        [],
        [Verdict(LIFECYCLE_EFFECTS, True)],
    ]


def test_a_second_successful_create_breaks_single_account() -> None:
    [_, [broken]] = calls(SequenceJudge(), (CREATE, S.created), (CREATE, S.created))
    assert broken.rule == SINGLE_ACCOUNT and not broken.passed
    assert broken.message == (
        f"a second create answered {S.created} although the account these keys created "
        "earlier was not deleted"
    )


def test_a_read_that_contradicts_the_last_effect_breaks_lifecycle_effects() -> None:
    [_, _, [broken]] = calls(
        SequenceJudge(), (CREATE, S.created), (DELETE, S.deleted), (READ, S.ok)
    )
    assert broken.rule == LIFECYCLE_EFFECTS and not broken.passed
    assert broken.message == (
        "a read shows the account exists, but the last successful create, update or delete "
        "left it absent"
    )


def test_a_refused_call_that_changed_the_state_breaks_rejected_call_no_effect() -> None:
    out = calls(SequenceJudge(), (READ, S.not_found), (CREATE, S.invalid), (READ, S.ok))
    [broken] = out[-1]
    assert broken.rule == REJECTED_CALL_NO_EFFECT and not broken.passed
    assert broken.message == "the account absent before a refused call, and exists after it"


def test_a_conflict_without_an_own_create_is_not_judged_but_shows_the_account() -> None:
    out = calls(SequenceJudge(), (CREATE, S.conflict), (READ, S.ok), (READ, S.not_found))
    assert out == [[], [], []]  # nothing known before the conflict; no effect to hold to


def test_overlapping_or_unanswered_calls_make_the_state_unknown() -> None:
    judge = SequenceJudge()
    calls(judge, (CREATE, S.created))
    first, second = judge.begin(KEYS), judge.begin(KEYS)
    assert judge.end(first, DELETE, S.deleted) == []
    assert judge.end(second, READ, S.ok) == []
    assert calls(judge, (CREATE, S.created), (READ, None), (CREATE, S.created)) == [[], [], []]
