"""Build the demo borough and print the logins it created (idempotent)."""

from django.core.management.base import BaseCommand

from councils.demo import DEMO_PASSWORD, build_all


class Command(BaseCommand):
    help = "Create a demo council with wards, residents, officers and assembly members; print the logins."

    def handle(self, *args, **options) -> None:
        logins = build_all()
        self.stdout.write(self.style.SUCCESS("Demo data is ready. Sign in at http://127.0.0.1:8000/accounts/login/"))
        self.stdout.write(f"Password for every demo account: {DEMO_PASSWORD}")
        width = max(len(login.email) for login in logins)
        for login in logins:
            note = f"  ({login.note})" if login.note else ""
            self.stdout.write(f"  {login.email.ljust(width)}  {login.role}{note}")
