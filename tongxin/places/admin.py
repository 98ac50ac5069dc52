from django.contrib import admin

from tongxin.places.models import Place


@admin.register(Place)
class PlaceAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "code", "parent"]
    list_filter = ["kind"]
    search_fields = ["name", "code"]
    raw_id_fields = ["parent"]
    readonly_fields = ["code", "depth", "parent", "kind", "name"]

    # The tree changes through places.services (codes are allocated there).
    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
