from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from .models import EqualityMonitoring, Profile, User


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    ordering = ["email"]
    list_display = ["email", "display_name", "role", "is_active", "date_joined"]
    list_filter = ["role", "is_active"]
    search_fields = ["email", "display_name"]
    fieldsets = [
        (None, {"fields": ["email", "password"]}),
        ("Details", {"fields": ["display_name", "role"]}),
        ("Status", {"fields": ["is_active", "is_staff", "date_joined", "last_login"]}),
    ]
    add_fieldsets = [(None, {"classes": ["wide"], "fields": ["email", "password1", "password2"]})]
    # Roles change only through accounts.services.change_role (audited), at /officer/users/.
    readonly_fields = ["role", "is_staff", "date_joined", "last_login"]


@admin.register(Profile)
class ProfileAdmin(admin.ModelAdmin):
    list_display = ["user", "area"]
    list_filter = ["area"]


@admin.register(EqualityMonitoring)
class EqualityMonitoringAdmin(admin.ModelAdmin):
    """Individual answers are not browsable: only counts, to protect respondents."""

    list_display = ["consented_at"]

    def has_view_permission(self, request, obj=None) -> bool:
        return False
