"""Reviews for the faces: approve, reject or override a decision, or mark what became of it.

Every function takes a SQLAlchemy `Session` and never commits: the face owns the transaction.
"""

from __future__ import annotations

from hotgate.store.learning import overrides_by_criterion
from hotgate.store.reviews import (
    DecisionNotFoundError,
    ReviewConflictError,
    ReviewError,
    ReviewInvalidError,
    next_actions,
    review,
)

__all__ = [
    "DecisionNotFoundError",
    "ReviewConflictError",
    "ReviewError",
    "ReviewInvalidError",
    "next_actions",
    "overrides_by_criterion",
    "review",
]
