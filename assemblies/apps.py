from django.apps import AppConfig


class AssembliesConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "assemblies"
    demo_builder = "assemblies.lottery_demo.build"
