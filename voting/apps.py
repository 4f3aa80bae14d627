from django.apps import AppConfig


class VotingConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "voting"
    # Picked up by ``manage.py demo_data`` (runs after the council and accounts builders).
    demo_builder = "voting.demo.build"
