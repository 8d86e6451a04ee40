from django.contrib import admin

from uploads.models import Upload


@admin.register(Upload)
class UploadAdmin(admin.ModelAdmin):
    list_display = ["id", "candidate_interview", "status", "offset", "length", "created_at"]
    list_filter = ["status"]
    list_select_related = ["candidate_interview__candidate", "candidate_interview__interview"]
    raw_id_fields = ["candidate_interview", "interview_question"]
    readonly_fields = [
        "offset",
        "length",
        "metadata",
        "partial_path",
        "stored_name",
        "sha256",
        "duration_seconds",
        "created_at",
        "updated_at",
        "completed_at",
    ]
    search_fields = ["id", "sha256"]
