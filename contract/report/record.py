"""The run record: what a report is built from, one type built alike by the contract suite's
session (``pytest_plugin.session``, one per site) and by the proxy (``proxy.session``).

``report.build.build_report`` turns a record into a report in one go; nothing patches the
report afterwards. What only passive traffic has (the proxy's counts, and its exchanges
counted as tests) is part of the record (:class:`PassiveTraffic`), not added to the report.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:  # the type only
    from ..rules import SiteKind


class Tallies(Protocol):
    """What a report reads of a run's recorder (``http.recorder.Recorder``)."""

    @property
    def statuses(self) -> Mapping[str, Counter[int]]: ...

    @property
    def tests(self) -> list[dict[str, Any]]: ...

    @property
    def requests(self) -> int: ...

    @property
    def state_control(self) -> int: ...

    @property
    def failures(self) -> list[dict[str, Any]]: ...

    def rules_summary(self, site: SiteKind = ...) -> dict[str, dict[str, Any]]: ...

    def edges_summary(self) -> dict[str, dict[str, int]]: ...


@dataclass(frozen=True)
class RequestCounts:
    """What a run cost the site: its requests in all, those sent only to learn or reset the
    state (state control: the judge's bookkeeping requests), and those to each operation
    (the report's ``run.request_counts``)."""

    total: int
    state_control: int
    by_operation: dict[str, int]

    def to_dict(self) -> dict[str, Any]:
        return {
            "total": self.total,
            "state_control": self.state_control,
            "by_operation": dict(self.by_operation),
        }


@dataclass(frozen=True)
class PassiveTraffic:
    """What a run that judged passive traffic (the proxy) adds to its record: the report's
    ``run.kind`` is then ``proxy``."""

    #: The requests forwarded (the report's ``run.requests``).
    requests: int
    #: The report's ``run.proxy`` section (listen address, counts, why it stopped).
    section: dict[str, Any]
    #: The report's ``tests`` section: each judged exchange counted as one test.
    tests: dict[str, Any]


@dataclass
class RunRecord:
    """One site's recorded run."""

    name: str
    recorder: Tallies
    started: float = field(default_factory=time.time)
    finished: float | None = None
    aborted: str | None = None
    left_behind: str | None = None  # what cleanup could not remove, in one line
    target_info: dict[str, Any] | None = None  # what the report says of the target
    passive: PassiveTraffic | None = None  # set by the proxy only

    def request_counts(self) -> RequestCounts:
        """The requests the site got: the recorder's, or the proxy's forwarded ones (passive
        traffic sends nothing of its own, so none is state control); by operation, as the
        status-code table counts them."""
        rec = self.recorder
        return RequestCounts(
            total=rec.requests if self.passive is None else self.passive.requests,
            state_control=rec.state_control if self.passive is None else 0,
            by_operation={
                op: total for op, codes in rec.statuses.items() if (total := sum(codes.values()))
            },
        )
