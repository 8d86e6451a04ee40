from django.contrib import admin

from webhooks.models import Delivery, Endpoint, Event


@admin.register(Endpoint)
class EndpointAdmin(admin.ModelAdmin):
    # The signing secret is never shown here (it is not an editable field either).
    list_display = ["url", "team", "enabled", "failing_since", "created_at"]
    list_filter = ["enabled"]
    list_select_related = ["team"]
    search_fields = ["url", "description"]
    raw_id_fields = ["team", "created_by"]
    exclude = ["secret"]
    readonly_fields = ["failing_since", "created_at"]


@admin.register(Event)
class EventAdmin(admin.ModelAdmin):
    list_display = ["type", "team", "created_at"]
    list_filter = ["type"]
    list_select_related = ["team"]
    raw_id_fields = ["team"]


@admin.register(Delivery)
class DeliveryAdmin(admin.ModelAdmin):
    list_display = ["event", "endpoint", "attempt", "status", "response_status", "created_at"]
    list_filter = ["status"]
    list_select_related = ["event", "endpoint"]
    raw_id_fields = ["endpoint", "event"]
