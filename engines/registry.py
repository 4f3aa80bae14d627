"""One small registry pattern for PB rules, ranked methods and sortition algorithms.

A rule registers itself with a decorator carrying its metadata (display name, source, options,
ballot types, and the other names files use for it). Commands build their ``--help`` and choices
from :meth:`Registry.entries`; the officer's rule choice on the web reads the same list. Nothing
else maps names to functions.

To keep registries and rules free of import cycles, each engine has a ``registry`` module that only
creates its :class:`Registry` (it imports no rule), rule modules import that registry to register,
and the engine package's ``__init__`` imports the rule modules so that importing the package fills
the registry.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any


class UnknownNameError(LookupError):
    """A name no registered entry answers to; the message lists the known names."""

    def __init__(self, kind: str, name: str, known: list[str]) -> None:
        self.kind = kind
        self.name = name
        self.known = known
        super().__init__(f"unknown {kind} {name!r} (known: {', '.join(known)})")

    def __str__(self) -> str:
        return str(self.args[0])


@dataclass(frozen=True)
class Entry[F: Callable[..., Any]]:
    """A registered function and what a person choosing it needs to know."""

    key: str
    function: F
    display_name: str
    source: str
    options: Mapping[str, Any] = field(default_factory=dict)
    """Options fixed by this entry (passed to the function on every call)."""
    ballot_types: tuple[str, ...] = ()
    """Ballot or input types the entry accepts (empty: any)."""
    summary: str = ""
    """One line for ``--help`` and the officer's rule choice."""
    metadata: Mapping[str, Any] = field(default_factory=dict)
    """Engine-specific facts (e.g. ``multi_winner``, RCTab modes, ``samples``)."""


@dataclass(frozen=True)
class Alias:
    """Another name for an entry, as a file spells it, with the options that spelling implies."""

    name: str
    key: str
    options: Mapping[str, Any] = field(default_factory=dict)
    note: str = ""


class Registry[F: Callable[..., Any]]:
    """Named functions of one kind (``"PB rule"``, ``"ranked method"``, ``"sortition algorithm"``)."""

    def __init__(self, kind: str) -> None:
        self.kind = kind
        self._entries: dict[str, Entry[F]] = {}
        self._aliases: dict[str, Alias] = {}
        self._refused: dict[str, str] = {}

    def register(
        self,
        key: str,
        *,
        display_name: str,
        source: str,
        options: Mapping[str, Any] | None = None,
        ballot_types: tuple[str, ...] = (),
        summary: str = "",
        aliases: Mapping[str, Mapping[str, Any]] | tuple[str, ...] = (),
        **metadata: Any,
    ) -> Callable[[F], F]:
        """Decorator: record the function under ``key`` (and ``aliases``); returns it unchanged."""

        def decorate(function: F) -> F:
            self.add(
                Entry(
                    key,
                    function,
                    display_name,
                    source,
                    MappingProxyType(dict(options or {})),
                    tuple(ballot_types),
                    summary or _first_line(function.__doc__),
                    MappingProxyType(dict(metadata)),
                )
            )
            alias_map = aliases if isinstance(aliases, Mapping) else {name: {} for name in aliases}
            for name, implied in alias_map.items():
                self.alias(name, key, **implied)
            return function

        return decorate

    def add(self, entry: Entry[F]) -> None:
        """Record an entry built by hand (several keys for one function with different options)."""
        if entry.key in self._entries or entry.key in self._aliases:
            raise ValueError(f"{self.kind} {entry.key!r} registered twice")
        self._entries[entry.key] = entry

    def alias(self, name: str, key: str, *, note: str = "", **options: Any) -> None:
        """Let files call entry ``key`` by ``name`` (e.g. a pabulib META ``rule`` value)."""
        if name in self._entries or name in self._aliases:
            raise ValueError(f"{self.kind} name {name!r} registered twice")
        self._aliases[name] = Alias(name, key, MappingProxyType(dict(options)), note)

    def refuse(self, name: str, reason: str) -> None:
        """A name files use that must not resolve to anything (pabulib's ``unknown`` rule)."""
        self._refused[name] = reason

    def resolve(self, name: str) -> tuple[Entry[F], dict[str, Any]]:
        """The entry ``name`` stands for and the options it implies (entry's own, then the alias's)."""
        if name in self._entries:
            entry = self._entries[name]
            return entry, dict(entry.options)
        if name in self._aliases:
            alias = self._aliases[name]
            entry = self._entries[alias.key]
            return entry, {**entry.options, **alias.options}
        if name in self._refused:
            raise UnknownNameError(self.kind, name, self.names()) from None
        raise UnknownNameError(self.kind, name, self.names())

    def refusal(self, name: str) -> str | None:
        """Why ``name`` is refused, if it is one of the refused names."""
        return self._refused.get(name)

    def get(self, name: str) -> Entry[F]:
        return self.resolve(name)[0]

    def __contains__(self, name: object) -> bool:
        return name in self._entries or name in self._aliases

    def __iter__(self) -> Iterator[Entry[F]]:
        return iter(self.entries())

    def entries(self) -> list[Entry[F]]:
        """Registered entries in registration order."""
        return list(self._entries.values())

    def keys(self) -> list[str]:
        return list(self._entries)

    def aliases(self) -> list[Alias]:
        return list(self._aliases.values())

    def names(self) -> list[str]:
        """Every name :meth:`resolve` accepts, sorted (for error messages and argparse choices)."""
        return sorted({*self._entries, *self._aliases})

    def help_text(self) -> str:
        """``key: display name (source)`` per entry, for a command's ``--help``."""
        return "; ".join(f"{e.key}: {e.display_name}" + (f" ({e.source})" if e.source else "") for e in self)

    def describe(self) -> list[dict[str, Any]]:
        """JSON-ready metadata of every entry (the officer's rule choice; ``--list`` options).

        Callable metadata (e.g. an options builder the RCTab reader calls) is left out: it is for
        code, not for people choosing a rule."""
        return [
            {
                "key": e.key,
                "display_name": e.display_name,
                "source": e.source,
                "summary": e.summary,
                "options": dict(e.options),
                "ballot_types": list(e.ballot_types),
                "aliases": [a.name for a in self._aliases.values() if a.key == e.key],
                **{name: value for name, value in e.metadata.items() if not callable(value)},
            }
            for e in self
        ]


def _first_line(doc: str | None) -> str:
    return (doc or "").strip().split("\n", 1)[0].strip()
