"""What the three engines share: one error contract, one registry, one outcome envelope, bounded
number parsing and atomic writes.

The PB rules (``voting.pb``), the ranked counts (``voting.ranked``), the file formats
(``voting.formats``) and sortition (``assemblies.sortition``) all build on these few modules, so
that a results page, an export or a background task reads every engine's outcome the same way.
Pure Python: no Django imports, no I/O beyond :mod:`engines.files`.
"""
