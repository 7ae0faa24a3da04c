from django.contrib import admin

from .models import AuditEntry


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    """The audit log, read-only: entries are facts, nobody edits or deletes them here."""

    list_display = ["at", "action", "username", "actor", "ip"]
    list_filter = ["action", ("at", admin.DateFieldListFilter)]
    search_fields = ["username", "ip"]
    date_hierarchy = "at"
    list_select_related = ["actor"]
    readonly_fields = ["at", "action", "actor", "username", "ip", "user_agent", "detail"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
