"""Count by name: :func:`count` runs the rule a file or a command names, through :data:`PB_RULES`."""

from __future__ import annotations

from typing import Any

from engines.registry import UnknownNameError

from .outcome import PBOutcome
from .registry import PB_RULES
from .types import PBError, PBInstance, PBProfile


def count(name: str, instance: PBInstance, profile: PBProfile, **options: Any) -> PBOutcome:
    """Run the rule called ``name`` (registered key or pabulib META value) on the election.

    The options the name implies come first, ``options`` on top (``None`` values are dropped); an
    option the rule does not accept (registry metadata ``accepts``) or ballots of a type it does
    not count are an error, not ignored. The outcome records the name asked for (``rule``), the
    entry that counted (``rule_key``) and its source; an alias leaves a note saying how it was read.
    """
    refusal = PB_RULES.refusal(name)
    if refusal is not None:
        raise PBError(refusal)
    try:
        entry, implied = PB_RULES.resolve(name)
    except UnknownNameError as error:
        raise PBError(f"unknown rule {name!r} (known: {', '.join(error.known)})") from None
    given = {key: value for key, value in options.items() if value is not None}
    unknown = set(given) - set(entry.metadata.get("accepts", ()))
    if unknown:
        raise PBError(f"rule {entry.key} takes no option {', '.join(sorted(unknown))}")
    if entry.ballot_types and profile.vote_type not in entry.ballot_types:
        raise PBError(f"{entry.display_name} does not count {profile.vote_type} ballots")
    outcome = entry.function(instance, profile, **{**implied, **given})
    outcome.counted_as = outcome.counted_as or outcome.rule  # what the rule function says it counted
    outcome.rule = name
    outcome.rule_key = entry.key
    outcome.source = entry.source
    for alias in PB_RULES.aliases():
        if alias.name == name:
            read_as = ", ".join(f"{key}={value}" for key, value in alias.options.items())
            outcome.notes.append(alias.note or f"{name} is counted as {entry.key}" + (f" with {read_as}" if read_as else ""))
    return outcome
