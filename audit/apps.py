from django.apps import AppConfig
from django.db.backends.signals import connection_created


class AuditConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "audit"

    def ready(self) -> None:
        from .database import register_sqlite_function

        connection_created.connect(register_sqlite_function, dispatch_uid="audit.sqlite_guard")
