"""Admin: read-mostly views for support staff. Changes of state go through the officer pages
(``proposals.services``), which write the audit log; the admin shows, it does not decide."""

from django.contrib import admin

from .models import AbuseReport, Comment, Idea, Process, WardBudget


class WardBudgetInline(admin.TabularInline):
    model = WardBudget
    extra = 0


@admin.register(Process)
class ProcessAdmin(admin.ModelAdmin):
    list_display = ("title", "slug", "phase", "ballot_type", "rule", "total_budget")
    list_filter = ("phase", "ballot_type")
    search_fields = ("title", "slug")
    inlines = [WardBudgetInline]
    readonly_fields = ("phase", "rule", "ballot_type", "adjustments")


@admin.register(Idea)
class IdeaAdmin(admin.ModelAdmin):
    list_display = ("title", "process", "area", "status", "estimated_cost", "support_count", "hidden")
    list_filter = ("status", "hidden", "process")
    search_fields = ("title", "description")
    readonly_fields = ("status", "support_count", "hidden", "hidden_reason", "merged_into")


@admin.register(Comment)
class CommentAdmin(admin.ModelAdmin):
    list_display = ("idea", "author", "created", "hidden")


@admin.register(AbuseReport)
class AbuseReportAdmin(admin.ModelAdmin):
    list_display = ("idea", "reporter", "reason", "resolved", "created")
    list_filter = ("resolved",)
