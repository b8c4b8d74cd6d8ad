"""What the store reads of the policy that decided a batch, as a shape rather than an import.

The store makes no decisions, so it does not import the policy: the service hands it the
policy object, and the store reads only its name, its digest and each criterion's rules with
their reasons (to write a batch's checklist). Any object of this shape will do.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Protocol


class RuleShape(Protocol):
    """A rule of a criterion: its name, and why it answers as it does."""

    @property
    def name(self) -> str:
        """The rule's name, as the evidence of a decision names it."""
        ...

    @property
    def because(self) -> str:
        """The rule's reason, in one sentence."""
        ...


class CriterionShape(Protocol):
    """A criterion of a bug decision: its rules, in the policy's order."""

    @property
    def rules(self) -> Sequence[RuleShape]:
        """The criterion's rules."""
        ...


class RecordedPolicy(Protocol):
    """The policy a batch was decided with, as the store records it."""

    @property
    def name(self) -> str:
        """The policy's name."""
        ...

    @property
    def sha256(self) -> str:
        """The digest of the file the policy was read from."""
        ...

    @property
    def criteria(self) -> Mapping[str, CriterionShape]:
        """Every criterion by name."""
        ...

    def criterion_names(self) -> list[str]:
        """The criteria for bugs, in the order they are asked."""
        ...
