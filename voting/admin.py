"""Admin: counts and published files only. Ballots and participations are deliberately not in the
admin: nobody browses who voted, and a ballot is never edited by hand."""

from django.contrib import admin

from .models import PublishedFile, Tally


@admin.register(Tally)
class TallyAdmin(admin.ModelAdmin):
    list_display = ("process", "status", "progress", "started", "finished")
    readonly_fields = ("process", "status", "task_id", "progress", "error", "result", "started", "finished")


@admin.register(PublishedFile)
class PublishedFileAdmin(admin.ModelAdmin):
    list_display = ("process", "name", "sha256")
    readonly_fields = ("process", "name", "content", "sha256")
