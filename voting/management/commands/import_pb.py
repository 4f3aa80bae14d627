"""``manage.py import_pb FILE.pb``: a finished PB process (projects, anonymised ballots, published
results) from a pabulib file.

The file's META gives the budget, ballot format and rule (``--rule`` overrides it; a file whose rule
is ``unknown`` needs one). Ballots are stored in random order under fresh random receipt hashes (the
file's voter ids are not kept), then counted exactly as a closed online vote is, so the results
page, the published ``.pb``, ``results.json`` and ``manifest.json`` work for it. Bad input: one line
``FILE:LINE: reason`` on stderr and exit status 2.
"""

from __future__ import annotations

import sys
import time

from django.core.management.base import BaseCommand, CommandParser

from voting import imports
from voting.counting import CountError


class Command(BaseCommand):
    help = "Import a pabulib .pb file as a finished PB process with published results."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="pabulib .pb file")
        parser.add_argument("--slug", help="process slug (default: from the file name)")
        parser.add_argument("--title", help="process title (default: META description)")
        parser.add_argument("--rule", help="counting rule, when META has none or 'unknown'")
        parser.add_argument("--replace", action="store_true", help="replace an existing process with this slug")

    def handle(self, *args, **options) -> None:
        started = time.perf_counter()
        try:
            process = imports.import_pb(options["file"], slug=options.get("slug"), title=options.get("title"),
                                        rule=options.get("rule"), replace=options["replace"])
        except (CountError, imports.ImportRefused) as error:
            sys.stderr.write(f"{error}\n")
            sys.exit(2)
        elapsed = time.perf_counter() - started
        self.stdout.write(f"Imported {process.slug}: {process.ideas.count()} projects, "
                          f"{process.ballots.count()} ballots, counted by {process.rule} in {elapsed:.1f} s.")
