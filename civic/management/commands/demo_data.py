"""Build the demo borough from every app's demo builder and print the logins (idempotent).

An app takes part by naming its builder on its AppConfig::

    class ProposalsConfig(AppConfig):
        name = "proposals"
        demo_builder = "proposals.demo.build"   # () -> list[accounts.demo.DemoLogin]

Builders run in ``INSTALLED_APPS`` order (councils, then accounts, then the apps that need
people), so this command imports no app and no app imports another app's demo.
"""

from __future__ import annotations

from django.apps import apps
from django.conf import settings
from django.core.management.base import BaseCommand
from django.utils.module_loading import import_string

from accounts.demo import DEMO_PASSWORD


def demo_builders() -> list[tuple[str, str]]:
    """(app label, dotted path of its builder) for every installed app that has one, in order."""
    builders = []
    for config in apps.get_app_configs():
        dotted = getattr(config, "demo_builder", None)
        if dotted:
            builders.append((config.label, str(dotted)))
    return builders


class Command(BaseCommand):
    help = "Create a demo council with wards, residents, officers and assembly members; print the logins."

    def handle(self, *args, **options) -> None:
        logins = []
        for _label, dotted in demo_builders():
            logins.extend(import_string(dotted)())
        self.stdout.write(self.style.SUCCESS(f"Demo data is ready. Sign in at {settings.DEMO_BASE_URL}/accounts/login/"))
        self.stdout.write(f"Password for every demo account: {DEMO_PASSWORD}")
        width = max((len(login.email) for login in logins), default=0)
        for login in logins:
            note = f"  ({login.note})" if login.note else ""
            self.stdout.write(f"  {login.email.ljust(width)}  {login.role}{note}")
