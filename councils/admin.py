from django.contrib import admin

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
