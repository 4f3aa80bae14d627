from django.apps import AppConfig


class VotingConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "voting"
    # Picked up by ``manage.py demo_data`` (runs after the council and accounts builders).
    demo_builder = "voting.demo.build"

    def ready(self) -> None:
        # Until demo_data reads ``demo_builder`` from every app, join the council's builder list.
        try:
            from councils import demo
        except ImportError:  # pragma: no cover
            return
        builders = getattr(demo, "DEMO_BUILDERS", None)
        if isinstance(builders, list):
            from .demo import build

            if build not in builders:
                builders.append(build)
