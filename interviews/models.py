"""Interviews and their questions: the three kinds, their ordered links, narrators, scorecards.

Field names follow the Gather API seeds (in snake_case); the API layer renames them.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q

from accounts.ids import uuid7
from accounts.tenancy import (
    InterviewScopedQuerySet,
    QuestionScopedQuerySet,
    TeamScopedQuerySet,
)
from interviews.languages import LANGUAGES
from kit import limits
from kit.limits import bounded_text


class Narrator(models.Model):
    """A text-to-speech voice a team uses to speak its audio questions."""

    class Provider(models.TextChoices):
        ESPEAK = "espeak", "eSpeak NG (offline)"
        KOKORO = "kokoro", "Kokoro (offline, neural)"
        PIPER = "piper", "Piper (offline, neural)"
        OPENAI = "openai", "OpenAI-compatible"

    id = models.UUIDField(primary_key=True, default=uuid7, editable=False)
    team = models.ForeignKey("accounts.Team", on_delete=models.CASCADE, related_name="narrators")
    name = models.CharField(max_length=100)
    provider = models.CharField(max_length=20, choices=Provider.choices, default=Provider.ESPEAK)
    voice = models.CharField(max_length=200, blank=True)
    language = models.CharField(max_length=16, default="en", choices=LANGUAGES)
    speed = models.DecimalField(
        max_digits=3,
        decimal_places=2,
        default=1,
        validators=[MinValueValidator(0.5), MaxValueValidator(2)],
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = TeamScopedQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["team", "name"], name="narrator_unique_name_per_team"),
            models.CheckConstraint(
                condition=Q(speed__gte=0.5, speed__lte=2), name="narrator_speed_range"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class QuestionBase(models.Model):
    """What every question kind shares: a team, a title, who made it, archiving."""

    id = models.UUIDField(primary_key=True, default=uuid7, editable=False)
    team = models.ForeignKey("accounts.Team", on_delete=models.CASCADE, related_name="+")
    title = models.CharField(max_length=200)
    description = bounded_text(limits.DESCRIPTION, blank=True)
    language = models.CharField(max_length=16, default="en", choices=LANGUAGES)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    archived_at = models.DateTimeField(null=True, blank=True)

    objects = TeamScopedQuerySet.as_manager()

    class Meta:
        abstract = True
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.title

    @property
    def is_archived(self) -> bool:
        return self.archived_at is not None

    @property
    def display_text(self) -> str:
        """The question as the candidate is asked it (and as reviewers and the evaluator read
        it): the one rule, used by every page, email and prompt. A spoken question without a
        script (an uploaded recording) shows its title."""
        script = getattr(self, "question_script", None)
        if script is not None:
            return str(script or self.title)
        return str(getattr(self, "question_text", "") or self.title)


class AudioQuestion(QuestionBase):
    """A spoken prompt: a script synthesised by a narrator, or a recording supplied by the team."""

    class TranscriptionStatus(models.TextChoices):
        # The seed calls the text-to-speech state "transcriptionStatus".
        PENDING = "pending", "Pending"
        PROCESSING = "processing", "Processing"
        COMPLETED = "completed", "Ready"
        FAILED = "failed", "Failed"

    class AudioType(models.TextChoices):
        TTS = "tts", "Text to speech"
        UPLOAD = "upload", "Uploaded recording"
        URL = "url", "External URL"

    question_script = bounded_text(limits.QUESTION_SCRIPT, blank=True)
    narrator = models.ForeignKey(
        Narrator, null=True, blank=True, on_delete=models.SET_NULL, related_name="questions"
    )
    audio_file = models.FileField(upload_to="questions/audio/", blank=True)
    audio_source = models.FileField(
        upload_to="questions/audio/sources/",
        blank=True,
        help_text="A recording as uploaded, kept only until the worker has made its MP3.",
    )
    audio_url = models.URLField(max_length=500, blank=True)
    audio_type = models.CharField(max_length=10, choices=AudioType.choices, blank=True)
    transcription_status = models.CharField(
        max_length=12, choices=TranscriptionStatus.choices, default=TranscriptionStatus.PENDING
    )
    failure_reason = bounded_text(limits.REASON, blank=True)
    audio_script_hash = models.CharField(
        max_length=64,
        blank=True,
        help_text="Hash of the script and narrator the audio was made from; stale when it differs.",
    )
    synthesis_interrupted = models.PositiveSmallIntegerField(
        default=0,
        help_text="Runs of text to speech for the current script that were cut short (a killed "
        "worker); the question fails after a few instead of coming back forever.",
    )

    class Meta(QuestionBase.Meta):
        indexes = [models.Index(fields=["team", "-created_at"], name="audioq_team_created")]
        constraints = [
            models.CheckConstraint(
                condition=Q(
                    transcription_status__in=["pending", "processing", "completed", "failed"]
                ),
                name="audioq_transcription_status_valid",
            )
        ]


class SurveyQuestion(QuestionBase):
    class SurveyType(models.TextChoices):
        FREE_TEXT = "FREE_TEXT", "Free text"
        YES_NO = "YES_NO", "Yes / no"
        THUMBS_UP_DOWN = "THUMBS_UP_DOWN", "Thumbs up / down"
        MULTIPLE_CHOICE = "MULTIPLE_CHOICE", "Multiple choice"
        MULTIPLE_CHOICE_WEIGHTED = "MULTIPLE_CHOICE_WEIGHTED", "Multiple choice, weighted"
        MULTIPLE_CHOICE_MULTIPLE_ANSWER = (
            "MULTIPLE_CHOICE_MULTIPLE_ANSWER",
            "Multiple choice, several answers",
        )

    class PreferredOption(models.TextChoices):
        YES = "YES", "Yes"
        NO = "NO", "No"

    question_text = bounded_text(limits.SURVEY_QUESTION_TEXT)
    survey_type = models.CharField(max_length=40, choices=SurveyType.choices)
    max_character_length = models.PositiveIntegerField(
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(limits.FREE_TEXT_ANSWER)],
    )
    preferred_option = models.CharField(
        max_length=3,
        choices=PreferredOption.choices,
        blank=True,
        help_text="YES_NO only: the answer that counts in the candidate's favour.",
    )
    select_all_for_full_score = models.BooleanField(
        default=False,
        help_text="MULTIPLE_CHOICE_MULTIPLE_ANSWER only: full score needs every preferred option.",
    )

    class Meta(QuestionBase.Meta):
        indexes = [models.Index(fields=["team", "-created_at"], name="surveyq_team_created")]
        constraints = [
            models.CheckConstraint(
                condition=Q(
                    survey_type__in=[
                        "FREE_TEXT",
                        "YES_NO",
                        "THUMBS_UP_DOWN",
                        "MULTIPLE_CHOICE",
                        "MULTIPLE_CHOICE_WEIGHTED",
                        "MULTIPLE_CHOICE_MULTIPLE_ANSWER",
                    ]
                ),
                name="surveyq_type_valid",
            ),
            models.CheckConstraint(
                condition=Q(max_character_length__isnull=True) | Q(survey_type="FREE_TEXT"),
                name="surveyq_max_length_only_free_text",
            ),
            models.CheckConstraint(
                condition=Q(preferred_option="") | Q(survey_type="YES_NO"),
                name="surveyq_preferred_option_only_yes_no",
            ),
        ]


class SurveyOption(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid7, editable=False)
    question = models.ForeignKey(SurveyQuestion, on_delete=models.CASCADE, related_name="options")
    text = models.CharField(max_length=limits.SURVEY_OPTION)
    ordinal = models.PositiveIntegerField()
    weight = models.DecimalField(max_digits=8, decimal_places=2, null=True, blank=True)
    is_preferred = models.BooleanField(default=False)

    objects = QuestionScopedQuerySet.as_manager()

    class Meta:
        ordering = ["question", "ordinal"]
        constraints = [
            models.UniqueConstraint(
                fields=["question", "ordinal"], name="surveyoption_unique_ordinal"
            )
        ]

    def __str__(self) -> str:
        return self.text


class AITextQuestion(QuestionBase):
    """A written question evaluated against its rubric."""

    question_text = bounded_text(limits.AI_QUESTION_TEXT)
    max_answer_length = models.PositiveIntegerField(
        default=5000, validators=[MinValueValidator(1), MaxValueValidator(limits.WRITTEN_ANSWER)]
    )

    class Meta(QuestionBase.Meta):
        verbose_name = "AI text question"
        indexes = [models.Index(fields=["team", "-created_at"], name="aitextq_team_created")]


class RubricCriterion(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid7, editable=False)
    question = models.ForeignKey(AITextQuestion, on_delete=models.CASCADE, related_name="criteria")
    name = models.CharField(max_length=120)
    strong_answer = bounded_text(limits.STRONG_ANSWER, help_text="What a strong answer shows.")
    weight = models.PositiveSmallIntegerField(default=1, validators=[MinValueValidator(1)])
    ideal_answer = bounded_text(limits.IDEAL_ANSWER, blank=True)
    ordinal = models.PositiveIntegerField()

    objects = QuestionScopedQuerySet.as_manager()

    class Meta:
        ordering = ["question", "ordinal"]
        verbose_name_plural = "rubric criteria"
        constraints = [
            models.UniqueConstraint(fields=["question", "ordinal"], name="rubric_unique_ordinal"),
            models.CheckConstraint(condition=Q(weight__gte=1), name="rubric_weight_positive"),
        ]

    def __str__(self) -> str:
        return self.name


class Interview(models.Model):
    class InterviewType(models.TextChoices):
        STANDARD = "standard", "Standard"
        QUESTIONNAIRE = "questionnaire", "Questionnaire"
        AI = "ai", "AI interview"

    class Status(models.IntegerChoices):
        ACTIVE = 0, "Active"
        PAUSED = 1, "Paused"
        CLOSED = 2, "Closed"
        ARCHIVED = 3, "Archived"

    class Visibility(models.TextChoices):
        INVITE = "invite", "Invite only"
        UNLISTED = "unlisted", "Anyone with the link"
        PUBLIC = "public", "Public"

    class RecordingMode(models.TextChoices):
        VIDEO = "video", "Video and audio"
        AUDIO = "audio", "Audio only"

    id = models.UUIDField(primary_key=True, default=uuid7, editable=False)
    team = models.ForeignKey("accounts.Team", on_delete=models.CASCADE, related_name="interviews")
    title = models.CharField(max_length=200)
    display_name = models.CharField(
        max_length=200, blank=True, help_text="The name candidates see; the title if empty."
    )
    interview_type = models.CharField(
        max_length=20, choices=InterviewType.choices, default=InterviewType.STANDARD
    )
    status = models.PositiveSmallIntegerField(choices=Status.choices, default=Status.ACTIVE)
    description = bounded_text(limits.INTERVIEW_DESCRIPTION, blank=True)
    description_url = models.URLField(max_length=500, blank=True)
    language = models.CharField(max_length=16, default="en", choices=LANGUAGES)
    narrator = models.ForeignKey(
        Narrator, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    resume = models.BooleanField(default=True, help_text="Candidates may leave and resume.")
    web_only = models.BooleanField(default=True)
    # Integrity facts (candidates.services.integrity): off unless the team turns them on, and
    # then the candidate is told before they start.
    integrity_facts = models.BooleanField(
        default=False,
        help_text="Note when the page was hidden during an answer, when text was pasted into a "
        "written answer, and answers nearly identical to another candidate's (candidates are "
        "told first).",
    )
    visibility = models.CharField(
        max_length=10, choices=Visibility.choices, default=Visibility.INVITE
    )
    recording_mode = models.CharField(
        max_length=10, choices=RecordingMode.choices, default=RecordingMode.VIDEO
    )
    think_time_seconds = models.PositiveIntegerField(
        default=30, validators=[MaxValueValidator(600)]
    )
    answer_time_seconds = models.PositiveIntegerField(
        default=120, validators=[MinValueValidator(10), MaxValueValidator(1800)]
    )
    retakes_allowed = models.PositiveSmallIntegerField(
        default=1, validators=[MaxValueValidator(10)]
    )
    attempts_allowed = models.PositiveSmallIntegerField(
        default=1, validators=[MinValueValidator(1), MaxValueValidator(20)]
    )
    random_question_count = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        help_text="Ask each candidate this many questions drawn at random; empty asks all.",
    )
    welcome_message = bounded_text(limits.MESSAGE, blank=True)
    thank_you_message = bounded_text(limits.MESSAGE, blank=True)
    questions_version = models.PositiveIntegerField(
        default=0,
        help_text="Bumped on every change to the question list; a reorder based on an older "
        "version is refused instead of overwriting someone else's change.",
    )
    ai_style = models.CharField(max_length=40, blank=True)
    ai_seniority = models.CharField(max_length=40, blank=True)
    ai_tone = models.CharField(max_length=40, blank=True)
    ai_followups_max = models.PositiveSmallIntegerField(
        default=2,
        validators=[MaxValueValidator(5)],
        help_text="Follow-up questions the AI interviewer may ask after each base question "
        "(only when a language model is configured).",
    )
    reviewers = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        blank=True,
        related_name="interviews_to_review",
        help_text="Hiring managers who see this interview's candidates.",
    )
    agent_secret_hash = models.CharField(
        max_length=64,
        blank=True,
        help_text="SHA-256 of the secret the AI voice agent sends as X-Agent-Secret; "
        "empty until one is issued.",
    )
    # Counters kept by the services in the same transaction as the change (interviews.counters),
    # so lists read them instead of counting invites; `manage.py interview_counts_recount` checks.
    question_count = models.PositiveIntegerField(default=0, editable=False)
    open_invite_count = models.PositiveIntegerField(
        default=0, editable=False, help_text="Invites invited or in progress."
    )
    completed_invite_count = models.PositiveIntegerField(default=0, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    archived_at = models.DateTimeField(null=True, blank=True)

    objects = TeamScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["team", "status", "-created_at"], name="interview_team_status"),
            models.Index(fields=["team", "-created_at"], name="interview_team_created"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=[0, 1, 2, 3]), name="interview_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(attempts_allowed__gte=1, attempts_allowed__lte=20),
                name="interview_attempts_range",
            ),
            models.CheckConstraint(
                condition=Q(status=3) | Q(archived_at__isnull=True),
                name="interview_archived_at_only_when_archived",
            ),
            models.CheckConstraint(
                condition=Q(interview_type__in=["standard", "questionnaire", "ai"]),
                name="interview_type_valid",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def name_for_candidates(self) -> str:
        return self.display_name or self.title

    @property
    def accepts_answers(self) -> bool:
        return self.status == self.Status.ACTIVE


class Keyword(models.Model):
    """A word or phrase to spot in an interview's transcripts and written answers."""

    id = models.BigAutoField(primary_key=True)
    interview = models.ForeignKey(Interview, on_delete=models.CASCADE, related_name="keywords")
    text = models.CharField(max_length=100)

    objects = InterviewScopedQuerySet.as_manager()

    class Meta:
        ordering = ["text"]
        constraints = [
            models.UniqueConstraint(
                fields=["interview", "text"], name="keyword_unique_per_interview"
            )
        ]

    def __str__(self) -> str:
        return self.text


class InterviewQuestion(models.Model):
    """A question's place in an interview. Ordinals are 1..n, dense and unique per interview.

    Exactly one of the three question links is set, the one that ``kind`` names. Real
    foreign keys (not a generic relation) keep joins, constraints and cascades honest.
    """

    class Kind(models.TextChoices):
        AUDIO = "audio", "Audio"
        SURVEY = "survey", "Survey"
        AI_TEXT = "ai_text", "AI text"

    id = models.UUIDField(primary_key=True, default=uuid7, editable=False)
    interview = models.ForeignKey(Interview, on_delete=models.CASCADE, related_name="items")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    audio_question = models.ForeignKey(
        AudioQuestion, null=True, blank=True, on_delete=models.PROTECT, related_name="usages"
    )
    survey_question = models.ForeignKey(
        SurveyQuestion, null=True, blank=True, on_delete=models.PROTECT, related_name="usages"
    )
    ai_text_question = models.ForeignKey(
        AITextQuestion, null=True, blank=True, on_delete=models.PROTECT, related_name="usages"
    )
    ordinal = models.PositiveIntegerField()
    knockout = models.BooleanField(
        default=False,
        help_text="Survey only: flag (never reject) a candidate whose answer is not preferred.",
    )
    think_time_seconds = models.PositiveIntegerField(
        null=True,
        blank=True,
        validators=[MaxValueValidator(600)],
        help_text="Overrides the interview's think time for this question.",
    )
    answer_time_seconds = models.PositiveIntegerField(
        null=True,
        blank=True,
        validators=[MinValueValidator(10), MaxValueValidator(1800)],
        help_text="Overrides the interview's answer time for this question.",
    )

    objects = InterviewScopedQuerySet.as_manager()

    class Meta:
        ordering = ["interview", "ordinal"]
        constraints = [
            models.UniqueConstraint(
                fields=["interview", "ordinal"], name="interviewquestion_unique_ordinal"
            ),
            models.CheckConstraint(
                condition=Q(ordinal__gte=1), name="interviewquestion_ordinal_positive"
            ),
            models.CheckConstraint(
                condition=(
                    Q(
                        kind="audio",
                        audio_question__isnull=False,
                        survey_question__isnull=True,
                        ai_text_question__isnull=True,
                    )
                    | Q(
                        kind="survey",
                        audio_question__isnull=True,
                        survey_question__isnull=False,
                        ai_text_question__isnull=True,
                    )
                    | Q(
                        kind="ai_text",
                        audio_question__isnull=True,
                        survey_question__isnull=True,
                        ai_text_question__isnull=False,
                    )
                ),
                name="interviewquestion_one_question_matching_kind",
            ),
            models.CheckConstraint(
                condition=Q(knockout=False) | Q(kind="survey"),
                name="interviewquestion_knockout_only_survey",
            ),
            models.UniqueConstraint(
                fields=["interview", "audio_question"],
                condition=Q(kind="audio"),
                name="interviewquestion_unique_audio",
            ),
            models.UniqueConstraint(
                fields=["interview", "survey_question"],
                condition=Q(kind="survey"),
                name="interviewquestion_unique_survey",
            ),
            models.UniqueConstraint(
                fields=["interview", "ai_text_question"],
                condition=Q(kind="ai_text"),
                name="interviewquestion_unique_ai_text",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.ordinal}. {self.question}"

    @property
    def question(self) -> AudioQuestion | SurveyQuestion | AITextQuestion:
        question = {
            self.Kind.AUDIO: self.audio_question,
            self.Kind.SURVEY: self.survey_question,
            self.Kind.AI_TEXT: self.ai_text_question,
        }[self.Kind(self.kind)]
        assert question is not None
        return question

    @property
    def display_text(self) -> str:
        return self.question.display_text


class ScorecardTemplate(models.Model):
    """The criteria hiring managers rate an interview's candidates on."""

    id = models.UUIDField(primary_key=True, default=uuid7, editable=False)
    team = models.ForeignKey("accounts.Team", on_delete=models.CASCADE, related_name="+")
    # One template per interview (a unique key: ``interview.scorecard_template``); a template
    # with no interview is a team's spare, e.g. one detached by migration 0007.
    interview = models.OneToOneField(
        Interview,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="scorecard_template",
    )
    name = models.CharField(max_length=150)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = TeamScopedQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        indexes = [models.Index(fields=["team", "name"], name="scorecardtpl_team_name")]

    def __str__(self) -> str:
        return self.name


class ScorecardCriterionQuerySet(TeamScopedQuerySet["ScorecardCriterion"]):
    team_lookup = "template__team"


def validate_anchors(value: object) -> None:
    """A scorecard scale: {"1".."5": what that point means}, each short enough to read."""
    if not isinstance(value, dict) or not set(value) <= {"1", "2", "3", "4", "5"}:
        raise ValidationError("Anchors describe the points 1 to 5 only.")
    for point, text in value.items():
        if not isinstance(text, str) or len(text) > limits.SCORECARD_ANCHOR:
            raise ValidationError(
                f"Anchor {point}: at most {limits.SCORECARD_ANCHOR} characters of text."
            )


class ScorecardCriterion(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid7, editable=False)
    template = models.ForeignKey(
        ScorecardTemplate, on_delete=models.CASCADE, related_name="criteria"
    )
    name = models.CharField(max_length=120)
    description = bounded_text(limits.DESCRIPTION, blank=True)
    weight = models.PositiveSmallIntegerField(default=1, validators=[MinValueValidator(1)])
    anchors = models.JSONField(
        default=dict,
        blank=True,
        validators=[validate_anchors],
        help_text='What each point of the 1-5 scale means, e.g. {"1": "No evidence", "5": "…"}.',
    )
    ordinal = models.PositiveIntegerField()

    objects = ScorecardCriterionQuerySet.as_manager()

    class Meta:
        ordering = ["template", "ordinal"]
        verbose_name_plural = "scorecard criteria"
        constraints = [
            models.UniqueConstraint(
                fields=["template", "ordinal"], name="scorecardcriterion_unique_ordinal"
            )
        ]

    def __str__(self) -> str:
        return self.name
