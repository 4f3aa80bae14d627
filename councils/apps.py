from django.apps import AppConfig


class CouncilsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "councils"
    demo_builder = "councils.demo.build"
