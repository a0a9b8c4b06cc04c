"""Edge inputs: the inputs where real bugs live, derived from the contract's schemas.

Each category is data (:mod:`statuspage_contract.edges.derive`); the judgement is the suite's own
rules (:mod:`statuspage_contract.edges.judge`). See the README's "Edges" section.
"""

from __future__ import annotations

from .derive import CATEGORIES, derive
from .model import Edge, Expect

__all__ = ["CATEGORIES", "Edge", "Expect", "derive"]
