"""Webhooks: where a team's events are sent (Endpoint), what happened (Event), and each
attempt to send one event to one endpoint (Delivery)."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from accounts.ids import uuid7
from accounts.tenancy import TeamScopedQuerySet

RESPONSE_EXCERPT_BYTES = 1024


class EventType(models.TextChoices):
    QUESTION_AUDIO_GENERATED = "question.audio_generated", "Question audio generated"
    INVITED = "candidate_interview.invited", "Candidate invited"
    STARTED = "candidate_interview.started", "Candidate started an interview"
    COMPLETED = "candidate_interview.completed", "Candidate completed an interview"
    EXPIRED = "candidate_interview.expired", "Invite expired"
    CANCELLED = "candidate_interview.cancelled", "Invite cancelled"
    EVALUATION_COMPLETED = "evaluation.completed", "Evaluation completed"
    INTERVIEW_UPDATED = "interview.updated", "Interview updated"
    QUESTION_AUDIO_FAILED = "question.audio_failed", "Question audio failed"
    STATUS_CHANGED = "candidate_interview.status_changed", "Invite status changed"
    DECIDED = "candidate_interview.decided", "Recruiter decided"
    SCORECARD_SUBMITTED = "scorecard.submitted", "Scorecard submitted"
    EVALUATION_OVERRIDDEN = "evaluation.overridden", "AI evaluation score overridden"
    CANDIDATE_ERASED = "candidate.erased", "Candidate erased"
    INTERVIEW_CREATED = "interview.created", "Interview created"
    INTERVIEW_ARCHIVED = "interview.archived", "Interview archived"


class EndpointQuerySet(TeamScopedQuerySet["Endpoint"]):
    pass


class Endpoint(models.Model):
    """A URL that receives a team's events, signed with its own Standard Webhooks secret.

    The secret is stored as is: signing needs it. It is shown to the team once, on creation.
    """

    id = models.UUIDField(primary_key=True, default=uuid7, editable=False)
    team = models.ForeignKey("accounts.Team", on_delete=models.CASCADE, related_name="+")
    url = models.URLField(max_length=2000)
    description = models.CharField(max_length=200, blank=True)
    event_types = models.JSONField(default=list, blank=True)
    secret = models.CharField(max_length=100, editable=False)
    enabled = models.BooleanField(default=True)
    disabled_reason = models.CharField(max_length=300, blank=True)
    failing_since = models.DateTimeField(
        null=True, blank=True, help_text="When deliveries started failing without a success since."
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = EndpointQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.url

    def __repr__(self) -> str:
        # Never the secret.
        return f"<Endpoint {self.pk} {self.url}>"

    def wants(self, event_type: str) -> bool:
        return self.enabled and event_type in self.event_types


class EventQuerySet(TeamScopedQuerySet["Event"]):
    pass


class Event(models.Model):
    """Something that happened in a team; ``payload`` is the ``data`` integrators receive."""

    id = models.UUIDField(primary_key=True, default=uuid7, editable=False)
    team = models.ForeignKey("accounts.Team", on_delete=models.CASCADE, related_name="+")
    type = models.CharField(max_length=64, choices=EventType.choices)
    payload = models.JSONField(default=dict)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    objects = EventQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.type} {self.pk}"

    def body(self) -> dict[str, object]:
        """What is POSTed: ``{"type", "timestamp", "data"}``."""
        return {"type": self.type, "timestamp": self.created_at.isoformat(), "data": self.payload}


class DeliveryQuerySet(TeamScopedQuerySet["Delivery"]):
    team_lookup = "endpoint__team"


class Delivery(models.Model):
    """One attempt to send one event to one endpoint. A retry or a redelivery is a new row."""

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        SUCCEEDED = "succeeded", "Succeeded"
        FAILED = "failed", "Failed"
        RETRYING = "retrying", "Failed, will retry"

    id = models.BigAutoField(primary_key=True)
    endpoint = models.ForeignKey(Endpoint, on_delete=models.CASCADE, related_name="deliveries")
    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="deliveries")
    attempt = models.PositiveSmallIntegerField(default=1)
    is_redelivery = models.BooleanField(
        default=False, help_text="Asked for by the team; a failed redelivery is not retried."
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    response_status = models.PositiveSmallIntegerField(null=True, blank=True)
    response_excerpt = models.CharField(max_length=RESPONSE_EXCERPT_BYTES, blank=True)
    duration_ms = models.PositiveIntegerField(null=True, blank=True)
    error = models.CharField(max_length=500, blank=True)
    next_attempt_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text="Pending: when it is due (or when a worker's claim on it lapses).",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = DeliveryQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name_plural = "deliveries"
        indexes = [
            models.Index(fields=["status", "next_attempt_at"], name="delivery_status_due"),
            models.Index(fields=["endpoint", "-created_at"], name="delivery_endpoint_created"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status__in=["pending", "succeeded", "failed", "retrying"]),
                name="delivery_status_valid",
            )
        ]

    def __str__(self) -> str:
        return f"{self.event} → {self.endpoint} #{self.attempt}"

    @property
    def is_success(self) -> bool:
        return self.status == self.Status.SUCCEEDED
