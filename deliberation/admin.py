"""Read-only views of the live rooms for officers: the event log is history and is never edited here.

Changes to a room go through :mod:`deliberation.services` (the room page or the WebSocket).
"""

from typing import Any

from django.contrib import admin

from .models import (
    AgendaItem,
    Amendment,
    Draft,
    DraftVersion,
    Message,
    Poll,
    RecommendationVote,
    Room,
    RoomEvent,
    Statement,
    TableRound,
)


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: Any, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: Any, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: Any, obj: Any = None) -> bool:
        return False


@admin.register(RoomEvent)
class RoomEventAdmin(ReadOnlyAdmin):
    list_display = ["session", "seq", "type", "actor_name", "table", "at"]
    list_filter = ["type", "session"]
    search_fields = ["type", "actor_name"]


@admin.register(Room)
class RoomAdmin(ReadOnlyAdmin):
    list_display = ["session", "last_seq", "equal_voice"]


@admin.register(AgendaItem)
class AgendaItemAdmin(ReadOnlyAdmin):
    list_display = ["session", "position", "title", "status", "planned_seconds", "extended_seconds"]
    list_filter = ["session"]


@admin.register(Statement)
class StatementAdmin(ReadOnlyAdmin):
    list_display = ["session", "text", "author", "removed_reason", "posted_at"]
    list_filter = ["session"]


@admin.register(Message)
class MessageAdmin(ReadOnlyAdmin):
    list_display = ["session", "table", "author", "text", "removed_reason", "posted_at"]
    list_filter = ["session"]


@admin.register(Poll)
class PollAdmin(ReadOnlyAdmin):
    list_display = ["session", "question", "kind", "status", "opened_at"]
    list_filter = ["session", "kind"]


@admin.register(TableRound)
class TableRoundAdmin(ReadOnlyAdmin):
    list_display = ["session", "number", "table_size", "created_at"]


class DraftVersionInline(admin.TabularInline):
    model = DraftVersion
    extra = 0
    can_delete = False
    readonly_fields = ["number", "text", "author", "amendment", "created_at"]

    def has_add_permission(self, request: Any, obj: Any = None) -> bool:
        return False


@admin.register(Draft)
class DraftAdmin(ReadOnlyAdmin):
    list_display = ["session", "title", "status", "version"]
    inlines = [DraftVersionInline]


@admin.register(Amendment)
class AmendmentAdmin(ReadOnlyAdmin):
    list_display = ["draft", "proposer", "base_version", "status", "proposed_at"]


@admin.register(RecommendationVote)
class RecommendationVoteAdmin(ReadOnlyAdmin):
    list_display = ["session", "draft", "amendment", "threshold_percent", "status", "support", "oppose", "abstain",
                    "passed"]
    list_filter = ["session", "status"]
