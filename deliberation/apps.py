from django.apps import AppConfig


class DeliberationConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "deliberation"
    verbose_name = "Live deliberation"
    demo_builder = "deliberation.demo.build"
