"""Edge inputs: the inputs where real bugs live, derived from the contract's schemas.

Each category is data (:mod:`contract.edges.derive`); the judgement is the suite's own rules
(:mod:`contract.edges.judge`). See the README's "Edges" section.
"""

from __future__ import annotations

from contract.edges.derive import CATEGORIES, derive
from contract.edges.model import Edge, Expect

__all__ = ["CATEGORIES", "Edge", "Expect", "derive"]
