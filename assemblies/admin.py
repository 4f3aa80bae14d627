"""Officers create assemblies, seat members and schedule sessions here.

Saves from the admin are audited like the services' (the admin has its own forms and validation).
"""

from typing import Any

from django.contrib import admin

from audit import services as audit
from audit.context import AuditContext

from .models import Assembly, Membership, Session


class AuditedAdmin(admin.ModelAdmin):
    def save_model(self, request: Any, obj: Any, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        label = obj._meta.model_name
        audit.record(
            request.user, f"assembly.admin_{'change' if change else 'add'}_{label}", obj,
            after={name: str(form.cleaned_data.get(name)) for name in form.changed_data},
            context=AuditContext.from_request(request),
        )

    def save_formset(self, request: Any, form: Any, formset: Any, change: bool) -> None:
        super().save_formset(request, form, formset, change)
        context = AuditContext.from_request(request)
        for obj in formset.new_objects:
            audit.record(request.user, f"assembly.admin_add_{obj._meta.model_name}", obj, context=context)
        for obj, changed in formset.changed_objects:
            audit.record(
                request.user, f"assembly.admin_change_{obj._meta.model_name}", obj,
                after={"changed": list(changed)}, context=context,
            )
        for obj in formset.deleted_objects:
            audit.record(request.user, f"assembly.admin_delete_{obj._meta.model_name}", obj, context=context)

    def delete_model(self, request: Any, obj: Any) -> None:
        audit.record(
            request.user, f"assembly.admin_delete_{obj._meta.model_name}", obj,
            context=AuditContext.from_request(request),
        )
        super().delete_model(request, obj)


class MembershipInline(admin.TabularInline):
    model = Membership
    autocomplete_fields = ["user"]
    extra = 0


class SessionInline(admin.TabularInline):
    model = Session
    extra = 0


@admin.register(Assembly)
class AssemblyAdmin(AuditedAdmin):
    list_display = ["name", "council", "status", "created_at"]
    list_filter = ["status", "council"]
    search_fields = ["name", "question"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [MembershipInline, SessionInline]


@admin.register(Membership)
class MembershipAdmin(AuditedAdmin):
    list_display = ["user", "assembly", "role", "joined_at"]
    list_filter = ["role", "assembly"]
    search_fields = ["user__email", "user__display_name"]
    autocomplete_fields = ["user"]


@admin.register(Session)
class SessionAdmin(AuditedAdmin):
    list_display = ["title", "assembly", "starts_at", "status"]
    list_filter = ["status", "assembly"]
    search_fields = ["title", "assembly__name"]
