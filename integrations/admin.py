from django.contrib import admin

from integrations.models import AtsOrder, Connector, ConnectorRequest


@admin.register(Connector)
class ConnectorAdmin(admin.ModelAdmin):
    # Only the key's prefix is shown; its hash and the sealed keys are neither shown nor
    # editable.
    list_display = ["kind", "team", "enabled", "key_prefix", "created_at"]
    list_filter = ["kind", "enabled"]
    list_select_related = ["team"]
    raw_id_fields = ["team", "created_by"]
    exclude = ["key_hash", "key_sealed", "ats_key_sealed"]
    readonly_fields = ["key_prefix", "key_rotated_at", "ats_key_set_at", "created_at"]


@admin.register(AtsOrder)
class AtsOrderAdmin(admin.ModelAdmin):
    list_display = [
        "invite",
        "connector",
        "external_candidate_id",
        "application_id",
        "pushed_status",
        "created_at",
    ]
    list_select_related = ["connector", "invite"]
    raw_id_fields = ["connector", "invite"]
    search_fields = ["external_candidate_id", "application_id"]


@admin.register(ConnectorRequest)
class ConnectorRequestAdmin(admin.ModelAdmin):
    list_display = ["created_at", "connector", "method", "path", "status_code", "duration_ms"]
    list_filter = ["status_code"]
    list_select_related = ["connector"]
    raw_id_fields = ["connector"]
