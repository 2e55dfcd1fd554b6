from django.contrib import admin

from notifications.models import Notification
from notifications.registry import registered_kinds


class KindFilter(admin.SimpleListFilter):
    # The registered kinds, rather than Django's default SELECT DISTINCT over the whole outbox.
    title = "kind"
    parameter_name = "kind"

    def lookups(self, request, model_admin):
        return [(key, key) for key in registered_kinds()]

    def queryset(self, request, queryset):
        return queryset.filter(kind=self.value()) if self.value() else queryset


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    """Read-only: the operator watches the outbox here; only the dispatcher changes rows.

    The context is not shown (it holds only ids, but nobody needs them here), nor is the recipient's
    address; the user id is there when a case needs following up.
    """

    list_display = ["id", "kind", "status", "attempts", "due_at", "sent_at", "short_error"]
    list_filter = ["status", KindFilter]
    search_fields = ["dedupe_key"]
    ordering = ["-id"]  # the primary key's index; the outbox keeps every sent row
    show_full_result_count = False
    fields = [
        "id",
        "kind",
        "dedupe_key",
        "user_id",
        "status",
        "attempts",
        "due_at",
        "claimed_at",
        "sent_at",
        "last_error",
        "created_at",
    ]
    readonly_fields = fields

    @admin.display(description="last error")
    def short_error(self, obj: Notification) -> str:
        return obj.last_error[:120]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
