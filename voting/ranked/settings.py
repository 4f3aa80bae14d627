"""What a rule reads from an RCTab configuration's ``rules`` section to build its options.

A rule that implements an RCTab ``winnerElectionMode`` registers an ``rctab_options`` builder that
takes an object of this shape; ``voting.formats.rctab.RctabConfig`` is one. The rules never import
the format, and the format never picks a rule by name: it asks the registry for the mode.
"""

from __future__ import annotations

from typing import Any, Protocol

from engines.errors import EngineInputError


class RctabRules(Protocol):
    """Typed access to the ``rules`` of an RCTab configuration."""

    def rule(self, key: str, default: Any = "") -> Any: ...

    def int_rule(self, key: str, default: int | None) -> int | None: ...

    def flag(self, key: str) -> bool: ...

    def error(self, reason: str) -> EngineInputError: ...
