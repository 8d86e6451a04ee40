"""Candidates, their invites (candidate interviews), answers, transcripts and reviews."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.ids import uuid7
from accounts.tenancy import InviteScopedQuerySet, TeamScopedQuerySet
from candidates.validators import validate_e164
from kit import limits
from kit.limits import bounded_text

# Languages the candidate pages and emails are translated into (locale/).
PAGE_LANGUAGES = ("en", "fr", "es")


class Candidate(models.Model):
    """A person invited to interview. Candidates never sign in; they hold invite links."""

    id = models.UUIDField(primary_key=True, default=uuid7, editable=False)
    team = models.ForeignKey("accounts.Team", on_delete=models.CASCADE, related_name="candidates")
    first_name = models.CharField(max_length=100)
    last_name = models.CharField(max_length=100, blank=True)
    email = models.EmailField(blank=True)
    phone = models.CharField(
        max_length=20, blank=True, validators=[validate_e164], help_text="E.164, e.g. +14155550123"
    )
    external_id = models.CharField(max_length=100, blank=True, help_text="The ATS's id, if any.")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    last_activity_at = models.DateTimeField(default=timezone.now)

    objects = TeamScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["team", "-created_at"], name="candidate_team_created"),
            models.Index(fields=["team", "last_name", "first_name"], name="candidate_team_name"),
        ]
        constraints = [
            models.UniqueConstraint(
                "team",
                Lower("email"),
                condition=~Q(email=""),
                name="candidate_unique_email_per_team",
                violation_error_message="A candidate with this email already exists in this team.",
            ),
            models.CheckConstraint(
                condition=Q(email__gt="") | Q(phone__gt=""), name="candidate_has_email_or_phone"
            ),
        ]

    def __str__(self) -> str:
        return self.full_name

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()


class InvalidTransition(Exception):
    """A status change the invite's life cycle forbids."""

    def __init__(self, current: str, target: str) -> None:
        self.current, self.target = current, target
        if current in CandidateInterview.FINAL_STATUSES:
            reason = f"{current} is final"
        else:
            reason = f"allowed next: {', '.join(CandidateInterview.TRANSITIONS[current]) or 'none'}"
        super().__init__(f"An invite cannot go from {current} to {target} ({reason}).")


class CandidateInterview(models.Model):
    """An invite: one candidate taking one interview, through an unguessable link."""

    class Status(models.TextChoices):
        DRAFT = "DRAFT", "Draft"
        INVITED = "INVITED", "Invited"
        IN_PROGRESS = "IN_PROGRESS", "In progress"
        COMPLETED = "COMPLETED", "Completed"
        CANCELLED = "CANCELLED", "Cancelled"
        EXPIRED = "EXPIRED", "Expired"

    TRANSITIONS: dict[str, tuple[str, ...]] = {
        Status.DRAFT: (Status.INVITED, Status.CANCELLED),
        Status.INVITED: (Status.IN_PROGRESS, Status.CANCELLED, Status.EXPIRED),
        Status.IN_PROGRESS: (Status.COMPLETED, Status.CANCELLED, Status.EXPIRED),
        Status.COMPLETED: (),
        # An expired or cancelled invite can be reopened (expiry extended, invite resent).
        Status.CANCELLED: (Status.INVITED,),
        Status.EXPIRED: (Status.INVITED, Status.IN_PROGRESS),
    }
    FINAL_STATUSES = frozenset({Status.COMPLETED})

    class Decision(models.TextChoices):
        """The recruiter's decision: what reports count. Never set from an AI score."""

        ADVANCE = "advance", "Advance"
        HOLD = "hold", "Hold"
        REJECT = "reject", "Reject"

    class ExtraTime(models.TextChoices):
        """How much longer this candidate's think and answer timers run."""

        X125 = "1.25", "1.25× time"
        X15 = "1.5", "1.5× time"
        X2 = "2", "2× time"
        X3 = "3", "3× time"
        UNTIMED = "untimed", "Untimed"

    id = models.UUIDField(primary_key=True, default=uuid7, editable=False)
    team = models.ForeignKey("accounts.Team", on_delete=models.CASCADE, related_name="+")
    candidate = models.ForeignKey(Candidate, on_delete=models.CASCADE, related_name="invites")
    interview = models.ForeignKey(
        "interviews.Interview", on_delete=models.PROTECT, related_name="invites"
    )
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.DRAFT)
    token_hash = models.CharField(max_length=64, unique=True, null=True, blank=True)
    link_nonce = models.CharField(
        max_length=64,
        blank=True,
        default="",
        help_text="With SECRET_KEY, re-derives the current link so it can be shown again "
        "(candidates.tokens); the link itself is never stored.",
    )
    delivery_types = models.JSONField(default=list, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    invited_at = models.DateTimeField(null=True, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    question_order = models.JSONField(
        default=list,
        blank=True,
        help_text="The InterviewQuestion ids this candidate gets, in order (fixed per invite).",
    )
    attempts_used = models.PositiveSmallIntegerField(default=0)
    language = models.CharField(
        max_length=16, blank=True, help_text="The candidate's language; the interview's if empty."
    )
    source = models.CharField(
        max_length=10,
        default="invite",
        help_text="invite (sent by a recruiter), public (self-started from a link), embed, api.",
    )
    reminded_at = models.DateTimeField(null=True, blank=True)
    last_seen_at = models.DateTimeField(null=True, blank=True)
    consented_at = models.DateTimeField(null=True, blank=True)
    consent_ip = models.GenericIPAddressField(null=True, blank=True)
    consent_version = models.CharField(max_length=40, blank=True)
    integrity_told_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text="When the candidate was told, on the consent page, that integrity facts are "
        "noted; only then are any noted.",
    )
    alternative_requested_at = models.DateTimeField(
        null=True, blank=True, help_text="The candidate asked for an alternative process."
    )
    alternative_note = bounded_text(limits.ALTERNATIVE_NOTE, blank=True)
    alternative_resolved_at = models.DateTimeField(null=True, blank=True)
    # Accommodations (candidates.services.accommodations, which every timer and limit reads):
    # set by a recruiter or granted on the candidate's request. No reason is stored beyond the
    # optional words the candidate typed, which only recruiters see.
    accommodation_time = models.CharField(
        max_length=8,
        choices=ExtraTime.choices,
        blank=True,
        help_text="More thinking and answer time: a multiplier, or untimed; empty: standard.",
    )
    accommodation_extra_retakes = models.PositiveSmallIntegerField(
        default=0, validators=[MaxValueValidator(10)]
    )
    accommodation_extra_days = models.PositiveSmallIntegerField(
        default=0,
        validators=[MaxValueValidator(90)],
        help_text="Days added to the expiry (already counted in expires_at).",
    )
    accommodation_set_at = models.DateTimeField(null=True, blank=True)
    accommodation_requested_at = models.DateTimeField(null=True, blank=True)
    accommodation_request_kinds = models.JSONField(
        default=list, blank=True, help_text="What the candidate asked for: time, retakes, days."
    )
    accommodation_request_note = bounded_text(limits.ACCOMMODATION_NOTE, blank=True)
    accommodation_resolved_at = models.DateTimeField(null=True, blank=True)
    # The human-only lane (candidates.services.ai_choice): the candidate declined AI evaluation.
    ai_declined_at = models.DateTimeField(
        null=True, blank=True, help_text="The candidate declined AI evaluation (final)."
    )
    ai_declined_notice_version = models.CharField(
        max_length=40, blank=True, help_text="The notice version the candidate saw when declining."
    )
    decision = models.CharField(max_length=8, choices=Decision.choices, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    external_redirect_uri = models.URLField(
        max_length=2000,
        blank=True,
        help_text="http(s) page offered to the candidate on the thank-you page (API invites).",
    )
    sms_opt_in = models.BooleanField(
        null=True,
        blank=True,
        help_text="The candidate agreed to texts about this invite (True); null: not stated. "
        "Texts go only when True.",
    )
    sms_opt_in_wording = models.CharField(
        max_length=500, blank=True, help_text="The words the agreement to texts was recorded under."
    )
    sms_opt_in_at = models.DateTimeField(null=True, blank=True)
    personal_note = bounded_text(
        limits.PERSONAL_NOTE,
        blank=True,
        help_text="The recruiter's own words, quoted in the invite's message (and reminders).",
    )
    # Not "timezone": that name would shadow django.utils.timezone in this class body.
    time_zone = models.CharField(
        max_length=64, blank=True, help_text="IANA time zone of the candidate, e.g. Europe/Paris."
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = TeamScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        verbose_name = "candidate interview"
        indexes = [
            models.Index(fields=["team", "-created_at"], name="invite_team_created"),
            models.Index(fields=["team", "status", "-created_at"], name="invite_team_status"),
            models.Index(fields=["interview", "status"], name="invite_interview_status"),
            # The home page's recent activity (issue 16: a 1M-row sort without it).
            models.Index(fields=["team", "-updated_at"], name="invite_team_updated"),
            # Its "Needs attention" lists: recently expired invites, open requests for another
            # way to be assessed; both a small part of a big team's invites.
            models.Index(
                fields=["team", "-expires_at"],
                condition=Q(status="EXPIRED"),
                name="invite_team_expired",
            ),
            models.Index(
                fields=["team", "alternative_requested_at"],
                condition=Q(
                    alternative_requested_at__isnull=False, alternative_resolved_at__isnull=True
                ),
                name="invite_alternative_open",
            ),
            models.Index(
                fields=["expires_at"],
                condition=Q(status__in=["INVITED", "IN_PROGRESS"]),
                name="invite_open_expiry",
            ),
            models.Index(
                fields=["team", "accommodation_requested_at"],
                condition=Q(
                    accommodation_requested_at__isnull=False,
                    accommodation_resolved_at__isnull=True,
                ),
                name="invite_accommodation_open",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(
                    status__in=[
                        "DRAFT",
                        "INVITED",
                        "IN_PROGRESS",
                        "COMPLETED",
                        "CANCELLED",
                        "EXPIRED",
                    ]
                ),
                name="invite_status_valid",
            ),
            models.CheckConstraint(
                condition=~Q(status="COMPLETED") | Q(completed_at__isnull=False),
                name="invite_completed_has_completed_at",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.candidate} – {self.interview}"

    @property
    def is_expired(self) -> bool:
        return self.expires_at is not None and self.expires_at <= timezone.now()

    @property
    def ai_evaluation_declined(self) -> bool:
        """The one test of the human-only lane: never AI-score or summarise this invite."""
        return self.ai_declined_at is not None

    @property
    def is_final(self) -> bool:
        return self.status in self.FINAL_STATUSES

    @property
    def accepts_answers(self) -> bool:
        return self.status in (self.Status.INVITED, self.Status.IN_PROGRESS) and not self.is_expired

    # The candidate's language: the one rule. Set on the invite, else the interview's, else
    # the site's (``LANGUAGE_CODE``); stored as a BCP 47 tag such as "fr-CA".
    @property
    def language_tag(self) -> str:
        return self.language or self.interview.language or settings.LANGUAGE_CODE

    @property
    def base_language(self) -> str:
        """The two-letter language ("fr" for "fr-CA"): what speech and the evaluator read."""
        return self.language_tag.replace("_", "-").split("-")[0].lower() or "en"

    @property
    def page_language(self) -> str:
        """The language of the candidate's pages and emails: ``base_language`` when Panelist is
        translated into it, else English."""
        return self.base_language if self.base_language in PAGE_LANGUAGES else "en"

    def can_transition_to(self, status: str) -> bool:
        return status in self.TRANSITIONS[self.status]

    @property
    def has_accommodation(self) -> bool:
        """Whether any accommodation applies (what reviewers see, never which or why)."""
        return bool(
            self.accommodation_time
            or self.accommodation_extra_retakes
            or self.accommodation_extra_days
        )

    @property
    def accommodation_request_open(self) -> bool:
        return (
            self.accommodation_requested_at is not None and self.accommodation_resolved_at is None
        )


class ImportJob(models.Model):
    """A CSV import of candidates: previewed first, then imported (and invited) by a task."""

    class Status(models.TextChoices):
        PREVIEW = "preview", "Previewed"
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Importing"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"

    id = models.UUIDField(primary_key=True, default=uuid7, editable=False)
    team = models.ForeignKey("accounts.Team", on_delete=models.CASCADE, related_name="+")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    filename = models.CharField(max_length=255, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PREVIEW)
    rows = models.JSONField(
        default=list, blank=True, help_text="The valid rows, parsed, waiting to import."
    )
    errors = models.JSONField(
        default=list, blank=True, help_text="Per-row problems: row number, field, message."
    )
    total = models.PositiveIntegerField(default=0)
    processed = models.PositiveIntegerField(default=0)
    created_count = models.PositiveIntegerField(default=0)
    updated_count = models.PositiveIntegerField(default=0)
    interview = models.ForeignKey(
        "interviews.Interview",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="Invite the imported candidates to this interview.",
    )
    delivery_types = models.JSONField(default=list, blank=True)
    failure_reason = bounded_text(limits.REASON, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    objects = TeamScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"Import {self.filename or self.pk}"

    @property
    def percent(self) -> int:
        return 100 if not self.total else min(100, round(100 * self.processed / self.total))


class InviteDelivery(models.Model):
    """One attempt to deliver an invite (or a reminder) by email or SMS."""

    class Channel(models.TextChoices):
        EMAIL = "email", "Email"
        SMS = "sms", "SMS"

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        # Claimed by a batch task run (``claimed_by``) that is sending it now.
        SENDING = "sending", "Sending"
        SENT = "sent", "Sent"
        FAILED = "failed", "Failed"
        RETRYING = "retrying", "Retrying"
        # SMS_PROVIDER=console: the text went to the worker's log, never to the candidate.
        LOGGED = "logged", "Printed to the log (no SMS provider configured)"
        # Quiet hours in the candidate's time zone: waits until ``not_before``.
        HELD = "held", "Held for quiet hours"

    class Purpose(models.TextChoices):
        INVITE = "invite", "Invitation"
        REMINDER = "reminder", "Reminder"

    id = models.BigAutoField(primary_key=True)
    candidate_interview = models.ForeignKey(
        CandidateInterview, on_delete=models.CASCADE, related_name="deliveries"
    )
    channel = models.CharField(max_length=5, choices=Channel.choices)
    purpose = models.CharField(max_length=10, choices=Purpose.choices, default=Purpose.INVITE)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    attempts = models.PositiveSmallIntegerField(default=0)
    error = bounded_text(limits.REASON, blank=True)
    provider_message_id = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    claimed_by = models.CharField(
        max_length=64,
        blank=True,
        help_text="The batch task run sending it while it is 'sending' (a retried run of the "
        "same task takes it back; no other run does).",
    )
    not_before = models.DateTimeField(
        null=True,
        blank=True,
        help_text="Held for quiet hours: not sent before this time (the candidate's window).",
    )
    # What a held delivery is sent with when released: hashes of links, never a link.
    link_hash = models.CharField(max_length=64, blank=True)
    replaces = models.CharField(max_length=64, blank=True)
    import_job = models.ForeignKey(
        ImportJob,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="deliveries",
        # The partial index below serves it; most deliveries have no import.
        db_index=False,
        help_text="The CSV import that invited the candidate: its progress counts this row.",
    )

    objects = InviteScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        verbose_name_plural = "invite deliveries"
        indexes = [
            models.Index(
                fields=["import_job", "status"],
                condition=Q(import_job__isnull=False),
                name="invitedelivery_import_status",
            ),
            models.Index(
                fields=["not_before"],
                condition=Q(status="held"),
                name="invitedelivery_held_due",
            ),
            # "Needs attention": the few failed deliveries, found without reading every open
            # invite's latest delivery (issue 16).
            models.Index(
                fields=["candidate_interview"],
                condition=Q(status="failed"),
                name="invitedelivery_failed",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.channel} {self.status}"


class Answer(models.Model):
    """One answer to one question in one attempt: a recording, survey choices, or text."""

    class Status(models.TextChoices):
        DRAFT = "draft", "Uploading"
        SUBMITTED = "submitted", "Submitted"
        PROCESSING = "processing", "Processing"
        PROCESSED = "processed", "Processed"
        FAILED = "failed", "Failed"

    id = models.UUIDField(primary_key=True, default=uuid7, editable=False)
    candidate_interview = models.ForeignKey(
        CandidateInterview, on_delete=models.CASCADE, related_name="answers"
    )
    interview_question = models.ForeignKey(
        "interviews.InterviewQuestion", null=True, on_delete=models.SET_NULL, related_name="answers"
    )
    attempt = models.PositiveSmallIntegerField(default=1)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.SUBMITTED)
    media = models.FileField(upload_to="answers/%Y/%m/", blank=True)
    media_type = models.CharField(max_length=100, blank=True)
    duration_seconds = models.FloatField(null=True, blank=True)
    playback = models.FileField(
        upload_to="answers/%Y/%m/",
        blank=True,
        max_length=255,
        help_text="The recording's packets rewritten with a duration and cues, so players can "
        "seek; empty when the recording as uploaded has them (or until made).",
    )
    rendition = models.FileField(
        upload_to="answers/%Y/%m/",
        blank=True,
        max_length=255,
        help_text="The recording as MP4 (H.264, AAC) or M4A, for Safari; empty until made.",
    )
    rendition_type = models.CharField(
        max_length=100, blank=True, help_text="The rendition's MIME type with its codecs."
    )
    selected_options = models.ManyToManyField(
        "interviews.SurveyOption", blank=True, related_name="answers"
    )
    text = bounded_text(limits.WRITTEN_ANSWER, blank=True)
    survey_score = models.DecimalField(max_digits=8, decimal_places=2, null=True, blank=True)
    knockout_flagged = models.BooleanField(default=False)
    transcript = bounded_text(
        limits.TRANSCRIPT, blank=True, help_text="The recording's words, for search."
    )
    transcript_language = models.CharField(max_length=16, blank=True)
    transcript_model = models.CharField(
        max_length=64,
        blank=True,
        help_text="The model that made the transcript: an entry of ./panelist models (tiny.en, "
        "base), or the speech server's model.",
    )
    keyword_hits = models.JSONField(
        default=list,
        blank=True,
        help_text='Keywords found: [{"keyword", "count", "turns": [turn numbers]}].',
    )
    processing = models.JSONField(
        default=dict,
        blank=True,
        help_text='Each pipeline step\'s state: {"transcribe": {"status", "error", "at"}, …}.',
    )
    retakes_used = models.PositiveSmallIntegerField(default=0)
    submitted_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = InviteScopedQuerySet.as_manager()

    class Meta:
        ordering = ["candidate_interview", "created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["candidate_interview", "interview_question", "attempt"],
                name="answer_unique_per_question_attempt",
            )
        ]

    def __str__(self) -> str:
        return f"Answer {self.pk}"


class Turn(models.Model):
    """A line of transcript: a recorded answer's segment, or a turn of an AI voice interview."""

    class Role(models.TextChoices):
        AGENT = "agent", "Agent"
        CANDIDATE = "candidate", "Candidate"

    id = models.BigAutoField(primary_key=True)
    candidate_interview = models.ForeignKey(
        CandidateInterview, on_delete=models.CASCADE, related_name="turns"
    )
    answer = models.ForeignKey(
        Answer, null=True, blank=True, on_delete=models.CASCADE, related_name="turns"
    )
    turn_number = models.PositiveIntegerField()
    role = models.CharField(max_length=10, choices=Role.choices)
    content = bounded_text(limits.TURN, blank=True)
    start_seconds = models.FloatField(null=True, blank=True)
    end_seconds = models.FloatField(null=True, blank=True)
    audio_url = models.URLField(max_length=500, blank=True)
    is_pending_question = models.BooleanField(default=False)
    evaluation = models.JSONField(
        null=True, blank=True, validators=[limits.JSONSizeValidator(limits.AGENT_EVALUATION)]
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = InviteScopedQuerySet.as_manager()

    class Meta:
        ordering = ["candidate_interview", "turn_number"]
        constraints = [
            models.UniqueConstraint(
                fields=["candidate_interview", "turn_number"], name="turn_unique_number"
            ),
            models.CheckConstraint(
                condition=Q(end_seconds__isnull=True)
                | Q(start_seconds__isnull=True)
                | Q(end_seconds__gte=models.F("start_seconds")),
                name="turn_end_after_start",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.turn_number} {self.role}: {self.content[:40]}"


class Evaluation(models.Model):
    """An AI evaluation of one answer (or a whole AI interview). Advice, never a decision."""

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        COMPLETED = "completed", "Completed"
        FAILED = "failed", "Failed"
        REFUSED = "refused", "Refused"
        # The evaluator read the answer but could not advise (``error`` says why): no score,
        # and it never counts as one.
        ABSTAINED = "abstained", "No advice"

    id = models.UUIDField(primary_key=True, default=uuid7, editable=False)
    candidate_interview = models.ForeignKey(
        CandidateInterview, on_delete=models.CASCADE, related_name="evaluations"
    )
    answer = models.ForeignKey(
        Answer, null=True, blank=True, on_delete=models.CASCADE, related_name="evaluations"
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    provider = models.CharField(max_length=50)
    model_name = models.CharField(max_length=100, blank=True)
    prompt_version = models.CharField(max_length=20, blank=True)
    version = models.PositiveIntegerField(default=1)
    is_current = models.BooleanField(default=True)
    overall_score = models.DecimalField(max_digits=4, decimal_places=2, null=True, blank=True)
    summary = bounded_text(limits.EVALUATION_TEXT, blank=True)
    error = bounded_text(limits.REASON, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    completed_at = models.DateTimeField(null=True, blank=True)

    objects = InviteScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(overall_score__isnull=True)
                | Q(overall_score__gte=1, overall_score__lte=5),
                name="evaluation_overall_score_range",
            ),
            models.UniqueConstraint(
                fields=["candidate_interview", "answer", "version"],
                name="evaluation_unique_version",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.provider} v{self.version} ({self.status})"


class CriterionScoreQuerySet(TeamScopedQuerySet["CriterionScore"]):
    team_lookup = "evaluation__candidate_interview__team"


class CriterionScore(models.Model):
    """One rubric criterion's AI score within an evaluation, with the evidence quoted."""

    id = models.BigAutoField(primary_key=True)
    evaluation = models.ForeignKey(Evaluation, on_delete=models.CASCADE, related_name="scores")
    criterion = models.ForeignKey(
        "interviews.RubricCriterion",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    criterion_name = models.CharField(max_length=120)
    score = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    evidence = bounded_text(limits.EVALUATION_TEXT, blank=True)
    rationale = bounded_text(limits.EVALUATION_TEXT, blank=True)
    # A reviewer's override: the AI's score stays in ``score``; both are shown.
    override_score = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    override_reason = bounded_text(limits.OVERRIDE_REASON, blank=True)
    overridden_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    overridden_at = models.DateTimeField(null=True, blank=True)

    objects = CriterionScoreQuerySet.as_manager()

    class Meta:
        ordering = ["evaluation", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(score__gte=1, score__lte=5), name="criterionscore_score_range"
            )
        ]

    def __str__(self) -> str:
        return f"{self.criterion_name}: {self.score}"


class Scorecard(models.Model):
    """A reviewer's ratings of one candidate interview, on the interview's scorecard template."""

    class Recommendation(models.TextChoices):
        STRONG_YES = "strong_yes", "Strong yes"
        YES = "yes", "Yes"
        NO = "no", "No"
        STRONG_NO = "strong_no", "Strong no"

    id = models.UUIDField(primary_key=True, default=uuid7, editable=False)
    candidate_interview = models.ForeignKey(
        CandidateInterview, on_delete=models.CASCADE, related_name="scorecards"
    )
    template = models.ForeignKey(
        "interviews.ScorecardTemplate", null=True, on_delete=models.SET_NULL, related_name="+"
    )
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="scorecards"
    )
    recommendation = models.CharField(max_length=12, choices=Recommendation.choices, blank=True)
    notes = bounded_text(limits.COMMENT, blank=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = InviteScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["candidate_interview", "reviewer"], name="scorecard_unique_per_reviewer"
            )
        ]

    def __str__(self) -> str:
        return f"Scorecard by {self.reviewer}"


class RatingQuerySet(TeamScopedQuerySet["Rating"]):
    team_lookup = "scorecard__candidate_interview__team"


class Rating(models.Model):
    id = models.BigAutoField(primary_key=True)
    scorecard = models.ForeignKey(Scorecard, on_delete=models.CASCADE, related_name="ratings")
    criterion = models.ForeignKey(
        "interviews.ScorecardCriterion", on_delete=models.CASCADE, related_name="ratings"
    )
    score = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    note = bounded_text(limits.COMMENT, blank=True)

    objects = RatingQuerySet.as_manager()

    class Meta:
        ordering = ["scorecard", "criterion__ordinal"]
        constraints = [
            models.UniqueConstraint(
                fields=["scorecard", "criterion"], name="rating_unique_per_criterion"
            ),
            models.CheckConstraint(
                condition=Q(score__gte=1, score__lte=5), name="rating_score_range"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.criterion}: {self.score}"


class Comment(models.Model):
    id = models.BigAutoField(primary_key=True)
    candidate_interview = models.ForeignKey(
        CandidateInterview, on_delete=models.CASCADE, related_name="comments"
    )
    answer = models.ForeignKey(
        Answer, null=True, blank=True, on_delete=models.CASCADE, related_name="comments"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    body = bounded_text(limits.COMMENT)
    mentions = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    objects = InviteScopedQuerySet.as_manager()

    class Meta:
        ordering = ["created_at"]

    def __str__(self) -> str:
        return self.body[:50]


class SelfIdentification(models.Model):
    """A candidate's voluntary self-identification, for adverse-impact reports only.

    Kept apart from answers and never shown to reviewers: only the aggregate report reads it.
    Categories follow the NYC Local Law 144 bias-audit categories (EEO-1).
    """

    class Sex(models.TextChoices):
        FEMALE = "female", _("Female")
        MALE = "male", _("Male")
        DECLINED = "declined", _("Prefer not to say")

    class RaceEthnicity(models.TextChoices):
        HISPANIC = "hispanic", _("Hispanic or Latino")
        WHITE = "white", _("White")
        BLACK = "black", _("Black or African American")
        ASIAN = "asian", _("Asian")
        NHPI = "nhpi", _("Native Hawaiian or Other Pacific Islander")
        AIAN = "aian", _("American Indian or Alaska Native")
        TWO_OR_MORE = "two_or_more", _("Two or more races")
        DECLINED = "declined", _("Prefer not to say")

    id = models.BigAutoField(primary_key=True)
    team = models.ForeignKey("accounts.Team", on_delete=models.CASCADE, related_name="+")
    candidate_interview = models.OneToOneField(
        CandidateInterview, on_delete=models.CASCADE, related_name="self_identification"
    )
    sex = models.CharField(max_length=10, choices=Sex.choices, default=Sex.DECLINED)
    race_ethnicity = models.CharField(
        max_length=12, choices=RaceEthnicity.choices, default=RaceEthnicity.DECLINED
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = TeamScopedQuerySet.as_manager()

    def __str__(self) -> str:
        return f"Self-identification {self.pk}"


class RetentionTally(models.Model):
    """Anonymous counts kept when retention or erasure deletes candidates, so reports that
    span deleted data still add up. Names no one."""

    id = models.BigAutoField(primary_key=True)
    team = models.ForeignKey("accounts.Team", on_delete=models.CASCADE, related_name="+")
    interview = models.ForeignKey(
        "interviews.Interview", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    month = models.DateField(help_text="First day of the month the invites were created in.")
    reason = models.CharField(max_length=10)  # "retention" or "erasure"
    invites = models.PositiveIntegerField(default=0)
    completed = models.PositiveIntegerField(default=0)
    advanced = models.PositiveIntegerField(default=0)
    deleted_at = models.DateTimeField(auto_now_add=True)

    objects = TeamScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-deleted_at"]

    def __str__(self) -> str:
        return f"{self.reason} {self.month:%Y-%m}: {self.invites}"


class ShareLink(models.Model):
    """A read-only link to the review of one candidate or a shortlist, for someone without an
    account. Expiring, revocable, optionally behind a PIN; every view through it is audited."""

    id = models.UUIDField(primary_key=True, default=uuid7, editable=False)
    team = models.ForeignKey("accounts.Team", on_delete=models.CASCADE, related_name="+")
    interview = models.ForeignKey(
        "interviews.Interview", on_delete=models.CASCADE, related_name="share_links"
    )
    candidate_interviews = models.ManyToManyField(CandidateInterview, related_name="share_links")
    label = models.CharField(max_length=150, blank=True)
    token_hash = models.CharField(max_length=64, unique=True)
    pin_hash = models.CharField(max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)
    view_count = models.PositiveIntegerField(default=0)
    last_viewed_at = models.DateTimeField(null=True, blank=True)
    hide_names = models.BooleanField(
        default=False, help_text="Show candidates by their initials only."
    )
    allow_ratings = models.BooleanField(
        default=False, help_text="Let whoever opens the link rate each shared candidate."
    )

    objects = TeamScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["team", "-created_at"], name="sharelink_team_created")]

    def __str__(self) -> str:
        return self.label or f"Share link {self.pk}"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None and self.expires_at > timezone.now()


class ShareRating(models.Model):
    """An outside reviewer's rating of a shared candidate, left through a share link that
    allows it. Shown to the team beside its own scorecards, never counted in them."""

    id = models.UUIDField(primary_key=True, default=uuid7, editable=False)
    team = models.ForeignKey("accounts.Team", on_delete=models.CASCADE, related_name="+")
    share_link = models.ForeignKey(ShareLink, on_delete=models.CASCADE, related_name="ratings")
    candidate_interview = models.ForeignKey(
        CandidateInterview, on_delete=models.CASCADE, related_name="outside_ratings"
    )
    reviewer_name = models.CharField(max_length=100)
    rating = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    comment = bounded_text(limits.SHARE_COMMENT, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = TeamScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-updated_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["share_link", "candidate_interview", "reviewer_name"],
                name="sharerating_one_per_reviewer",
            ),
            models.CheckConstraint(
                condition=models.Q(rating__gte=1, rating__lte=5), name="sharerating_1_to_5"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.reviewer_name}: {self.rating}/5"


class ReviewNotice(models.Model):
    """That a reviewer was told (by its own email or in a daily digest) that a candidate
    completed an interview they review: at most one per reviewer and invite, so a retried task
    or a second digest never tells them twice."""

    class Kind(models.TextChoices):
        EACH = "each", "Email"
        DIGEST = "digest", "Daily digest"

    id = models.BigAutoField(primary_key=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    candidate_interview = models.ForeignKey(
        CandidateInterview, on_delete=models.CASCADE, related_name="review_notices"
    )
    kind = models.CharField(max_length=10, choices=Kind.choices)
    sent_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user", "candidate_interview"], name="reviewnotice_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} told of {self.candidate_interview_id} ({self.kind})"


class EvaluationRun(models.Model):
    """A requested re-run of an AI evaluation (one answer, or the invite's report when
    ``answer`` is empty), done by a Celery task so the request answers at once. At most one
    run per target is queued or running: asking again meanwhile returns that run."""

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        COMPLETED = "completed", "Completed"
        FAILED = "failed", "Failed"

    PENDING = (Status.QUEUED, Status.RUNNING)

    id = models.UUIDField(primary_key=True, default=uuid7, editable=False)
    candidate_interview = models.ForeignKey(
        CandidateInterview, on_delete=models.CASCADE, related_name="evaluation_runs"
    )
    answer = models.ForeignKey(
        Answer, null=True, blank=True, on_delete=models.CASCADE, related_name="evaluation_runs"
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    # The version the run made (whatever its status: a refused or abstained evaluation is a
    # finished run too). Empty until it finishes, and for a run that failed.
    evaluation = models.ForeignKey(
        Evaluation, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    error = bounded_text(limits.REASON, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    objects = InviteScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            # Two constraints, not one: NULLs are distinct in a unique index, so the report's
            # runs (no answer) need their own.
            models.UniqueConstraint(
                fields=["candidate_interview", "answer"],
                condition=Q(status__in=["queued", "running"], answer__isnull=False),
                name="evaluationrun_one_pending_per_answer",
            ),
            models.UniqueConstraint(
                fields=["candidate_interview"],
                condition=Q(status__in=["queued", "running"], answer__isnull=True),
                name="evaluationrun_one_pending_report",
            ),
            models.CheckConstraint(
                condition=Q(status__in=["queued", "running"]) | Q(finished_at__isnull=False),
                name="evaluationrun_finished_has_time",
            ),
        ]

    def __str__(self) -> str:
        return f"Re-run {self.pk} ({self.status})"

    @property
    def is_pending(self) -> bool:
        return self.status in self.PENDING


class CandidateMessage(models.Model):
    """An email telling a candidate something after they answered: that their answers were
    received (once per invite), or the decision (advance or reject, sent after the team's delay
    unless the decision changes). Erasing the candidate deletes these rows with the invite."""

    class Kind(models.TextChoices):
        RECEIVED = "received", "Answers received"
        DECISION = "decision", "Decision"

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        SENT = "sent", "Sent"
        CANCELLED = "cancelled", "Cancelled"
        SKIPPED = "skipped", "Not sent"

    id = models.BigAutoField(primary_key=True)
    candidate_interview = models.ForeignKey(
        CandidateInterview, on_delete=models.CASCADE, related_name="messages"
    )
    kind = models.CharField(max_length=10, choices=Kind.choices)
    decision = models.CharField(
        max_length=8, choices=CandidateInterview.Decision.choices, blank=True
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    send_after = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)
    note = bounded_text(limits.REASON, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = InviteScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["candidate_interview"],
                condition=Q(kind="received"),
                name="candidatemessage_one_received",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.status}"


class MessageTemplate(models.Model):
    """A team's own wording of one message to candidates, in one language and on one channel,
    used instead of the translated default. The text holds ``{placeholders}`` from a fixed list
    per kind (``candidates.services.message_templates.VARIABLES``); it is never run through the
    template engine. No row means the default."""

    class Kind(models.TextChoices):
        INVITE = "invite", "Invitation"
        REMINDER = "reminder", "Reminder"
        RECEIVED = "received", "Answers received"
        ADVANCE = "advance", "Decision: advance"
        REJECT = "reject", "Decision: reject"

    class Channel(models.TextChoices):
        EMAIL = "email", "Email"
        SMS = "sms", "SMS"

    class Language(models.TextChoices):
        EN = "en", "English"
        FR = "fr", "French"
        ES = "es", "Spanish"

    id = models.BigAutoField(primary_key=True)
    team = models.ForeignKey("accounts.Team", on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    channel = models.CharField(max_length=5, choices=Channel.choices)
    language = models.CharField(max_length=2, choices=Language.choices)
    subject = models.CharField(max_length=200, blank=True)
    body = bounded_text(limits.MESSAGE_TEMPLATE)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    objects = TeamScopedQuerySet.as_manager()

    class Meta:
        ordering = ["kind", "channel", "language"]
        constraints = [
            models.UniqueConstraint(
                fields=["team", "kind", "channel", "language"],
                name="messagetemplate_unique_per_team_kind_channel_language",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.channel} {self.language}"


class DecisionFileRequest(models.Model):
    """A candidate's request for their decision file: a plain-language record of their process
    (``candidates.selectors_decision_files``), reviewed by the team and then emailed to them.
    At most one is open per invite; erasing the candidate deletes these rows with the invite."""

    class Status(models.TextChoices):
        REQUESTED = "requested", "Requested"
        SENT = "sent", "Sent"
        CANCELLED = "cancelled", "Closed without sending"

    id = models.UUIDField(primary_key=True, default=uuid7, editable=False)
    team = models.ForeignKey("accounts.Team", on_delete=models.CASCADE, related_name="+")
    candidate_interview = models.ForeignKey(
        CandidateInterview, on_delete=models.CASCADE, related_name="decision_files"
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.REQUESTED)
    language = models.CharField(
        max_length=2, blank=True, help_text="The language the candidate asked in (en, fr, es)."
    )
    requested_at = models.DateTimeField(default=timezone.now)
    note = bounded_text(
        limits.DECISION_FILE_NOTE,
        blank=True,
        help_text="The reviewer's note to the candidate, sent with the file.",
    )
    prepared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    prepared_at = models.DateTimeField(null=True, blank=True)
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    sent_at = models.DateTimeField(null=True, blank=True)
    sent_text = bounded_text(
        limits.DECISION_FILE, blank=True, help_text="The file exactly as it was emailed."
    )
    closed_reason = models.CharField(
        max_length=300, blank=True, help_text="Why it was closed without sending."
    )

    objects = TeamScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-requested_at"]
        indexes = [
            models.Index(
                fields=["team", "status", "-requested_at"], name="decisionfile_team_status"
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["candidate_interview"],
                condition=Q(status="requested"),
                name="decisionfile_one_open_per_invite",
            ),
            models.CheckConstraint(
                condition=~Q(status="sent") | Q(sent_at__isnull=False),
                name="decisionfile_sent_has_sent_at",
            ),
        ]

    def __str__(self) -> str:
        return f"Decision file {self.status}"

    @property
    def is_open(self) -> bool:
        return self.status == self.Status.REQUESTED


class IntegrityFact(models.Model):
    """A plain fact about how an answer was given, for reviewers: the page was hidden for N
    seconds, N characters were pasted, or the answer is nearly identical to another candidate's
    (issue 18, item 8; candidates.services.integrity). Recorded only for invites whose
    candidate was told (``integrity_told``); never a score, never a status change."""

    class Kind(models.TextChoices):
        PAGE_HIDDEN = "page_hidden", "Page hidden"
        PASTE = "paste", "Text pasted"
        NEAR_DUPLICATE = "near_duplicate", "Nearly identical to another candidate's answer"

    id = models.BigAutoField(primary_key=True)
    candidate_interview = models.ForeignKey(
        CandidateInterview, on_delete=models.CASCADE, related_name="integrity_facts"
    )
    interview_question = models.ForeignKey(
        "interviews.InterviewQuestion",
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="The question on screen (page hidden, paste) or answered (near-duplicate).",
    )
    kind = models.CharField(max_length=16, choices=Kind.choices)
    seconds = models.PositiveIntegerField(
        null=True, blank=True, validators=[MaxValueValidator(limits.INTEGRITY_SECONDS)]
    )
    characters = models.PositiveIntegerField(
        null=True, blank=True, validators=[MaxValueValidator(limits.WRITTEN_ANSWER)]
    )
    answer = models.ForeignKey(
        Answer, null=True, blank=True, on_delete=models.CASCADE, related_name="integrity_facts"
    )
    # Near-duplicate: the other candidate's answer (gone if it is deleted) and how close.
    similar_answer = models.ForeignKey(
        Answer, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    similarity = models.DecimalField(max_digits=4, decimal_places=3, null=True, blank=True)
    occurred_at = models.DateTimeField(help_text="When it happened (the page hidden: from).")
    created_at = models.DateTimeField(auto_now_add=True)

    objects = InviteScopedQuerySet.as_manager()

    class Meta:
        ordering = ["occurred_at", "pk"]
        indexes = [
            models.Index(fields=["candidate_interview", "occurred_at"], name="integrity_invite"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["answer", "similar_answer"],
                condition=Q(kind="near_duplicate"),
                name="integrity_one_pair",
            ),
        ]

    def __str__(self) -> str:
        return self.get_kind_display()


class AnswerEmbeddingQuerySet(TeamScopedQuerySet["AnswerEmbedding"]):
    team_lookup = "answer__candidate_interview__team"


class AnswerEmbedding(models.Model):
    """An answer's text as a sentence embedding, kept to find near-duplicates among later
    answers to the same question without reading every earlier one again (only for invites
    told of integrity facts; deleted with the answer)."""

    answer = models.OneToOneField(
        Answer, primary_key=True, on_delete=models.CASCADE, related_name="embedding"
    )
    interview_question = models.ForeignKey(
        "interviews.InterviewQuestion", on_delete=models.CASCADE, related_name="+"
    )
    # float32, L2-normalised; the model named beside it (a new model means new vectors).
    vector = models.BinaryField(max_length=4 * 1024)
    model = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = AnswerEmbeddingQuerySet.as_manager()

    class Meta:
        indexes = [
            models.Index(fields=["interview_question", "-created_at"], name="embedding_question"),
        ]

    def __str__(self) -> str:
        return f"Embedding of answer {self.answer_id}"
