"""The council's details and wards, edited by administrators through councils.services (audited)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin

from audit.context import AuditContext

from . import services
from .models import Area, Council


class AreaInline(admin.TabularInline):
    model = Area
    prepopulated_fields = {"slug": ["name"]}
    extra = 0


@admin.register(Council)
class CouncilAdmin(admin.ModelAdmin):
    list_display = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [AreaInline]

    def save_model(self, request: Any, obj: Council, form: Any, change: bool) -> None:
        services.save_council(
            request.user, obj, changed=list(form.changed_data), context=AuditContext.from_request(request)
        )

    def delete_model(self, request: Any, obj: Council) -> None:
        services.delete_council(request.user, obj, context=AuditContext.from_request(request))

    def delete_queryset(self, request: Any, queryset: Any) -> None:
        for council in queryset:
            self.delete_model(request, council)

    def save_formset(self, request: Any, form: Any, formset: Any, change: bool) -> None:
        context = AuditContext.from_request(request)
        areas = formset.save(commit=False)
        for area in formset.deleted_objects:
            services.delete_area(request.user, area, context=context)
        changed = {id(obj): fields for obj, fields in formset.changed_objects}
        for area in areas:
            fields = changed.get(id(area)) or [f.name for f in area._meta.concrete_fields if f.name != "id"]
            services.save_area(request.user, area, changed=list(fields), context=context)
        formset.save_m2m()
