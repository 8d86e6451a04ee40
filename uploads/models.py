"""Resumable uploads (tus 1.0) of candidates' recordings, received in pieces."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from accounts.ids import uuid7
from kit import limits
from kit.limits import bounded_text


class Upload(models.Model):
    """One tus upload: its state lives here, its bytes in a partial file on local disk.

    The partial file grows with each PATCH until ``offset == length``; then the recording is
    checked by content, stored through the default storage and the partial file removed.
    """

    class Status(models.TextChoices):
        RECEIVING = "receiving", "Receiving"
        COMPLETE = "complete", "All bytes received, being checked"
        VERIFIED = "verified", "Verified and stored"
        REJECTED = "rejected", "Rejected by the content check"
        TERMINATED = "terminated", "Terminated by the client"
        EXPIRED = "expired", "Expired unfinished"

    GONE_STATUSES = frozenset({Status.REJECTED, Status.TERMINATED, Status.EXPIRED})

    id = models.UUIDField(primary_key=True, default=uuid7, editable=False)
    candidate_interview = models.ForeignKey(
        "candidates.CandidateInterview",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="uploads",
    )
    interview_question = models.ForeignKey(
        "interviews.InterviewQuestion",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    attempt = models.PositiveSmallIntegerField(default=1)
    length = models.PositiveBigIntegerField(
        null=True,
        blank=True,
        help_text="The whole upload's size in bytes; empty while deferred (a recording that is "
        "still being made is uploaded as it grows and declares its length with the last bytes).",
    )
    offset = models.PositiveBigIntegerField(default=0, help_text="Bytes received so far.")
    reserved = models.PositiveBigIntegerField(
        default=0,
        help_text="Bytes counted against the invite's in-flight limit while unfinished: the "
        "declared length, or for a deferred one the bytes written and being written.",
    )
    metadata = models.JSONField(default=dict, blank=True, help_text="Decoded Upload-Metadata.")
    content_type = models.CharField(
        max_length=100, blank=True, help_text="Declared by the client; set from the content once."
    )
    partial_path = models.CharField(
        max_length=255, help_text="The partial file's name inside UPLOAD_TEMP_DIR."
    )
    stored_name = models.CharField(
        max_length=255, blank=True, help_text="The finished file's name in the default storage."
    )
    sha256 = models.CharField(max_length=64, blank=True)
    duration_seconds = models.FloatField(null=True, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.RECEIVING)
    rejection_reason = bounded_text(limits.REASON, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    expires_at = models.DateTimeField()
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["status", "expires_at"], name="upload_status_expiry"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(length__isnull=True) | Q(offset__lte=F("length")),
                name="upload_offset_within_length",
            ),
            models.CheckConstraint(
                condition=Q(
                    status__in=[
                        "receiving",
                        "complete",
                        "verified",
                        "rejected",
                        "terminated",
                        "expired",
                    ]
                ),
                name="upload_status_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"Upload {self.pk} ({self.offset}/{self.length} bytes, {self.status})"

    @property
    def partial_file(self) -> Path:
        return Path(settings.UPLOAD_TEMP_DIR) / self.partial_path

    @property
    def is_expired(self) -> bool:
        return self.status == self.Status.RECEIVING and self.expires_at <= timezone.now()

    @property
    def is_gone(self) -> bool:
        """Answer 410 for it: terminated, rejected, or expired (swept or not yet)."""
        return self.status in self.GONE_STATUSES or self.is_expired
