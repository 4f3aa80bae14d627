"""``manage.py purge_expired``: delete respondents' personal data whose retention period has ended.

Safe to run daily (cron or systemd timer): running it twice deletes nothing more. Anonymised counts
per quota value are kept for the representativeness dashboard.
"""

from __future__ import annotations

from datetime import date

from django.core.management.base import BaseCommand, CommandError, CommandParser

from assemblies.lottery import purge_expired


class Command(BaseCommand):
    help = "Delete civic-lottery personal data past its retention date, keeping anonymised counts."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--today", help="purge as if today were this date (YYYY-MM-DD)")

    def handle(self, *args: object, **options: object) -> None:
        today = None
        if options["today"]:
            try:
                today = date.fromisoformat(str(options["today"]))
            except ValueError:
                raise CommandError(f"--today {options['today']!r}: expected a date as YYYY-MM-DD", returncode=2) from None
        purged = purge_expired(today)
        self.stdout.write(
            f"purged {purged['respondents']} respondents, {purged['addresses']} addresses, "
            f"{purged['invitations']} invitations"
        )
