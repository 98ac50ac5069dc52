from django.contrib import admin

from tongxin.core.models import Event


@admin.register(Event)
class EventAdmin(admin.ModelAdmin):
    """Events are append-only: the admin reads them and nothing more."""

    list_display = ["at", "action", "actor", "subject_type", "subject_id", "place_code"]
    list_filter = ["action"]
    search_fields = ["place_code", "subject_id"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
