from django.apps import AppConfig


class CivicConfig(AppConfig):
    """The project package as an app, so its management commands (``demo_data``) and template tags load."""

    name = "civic"
    verbose_name = "civic (site)"
