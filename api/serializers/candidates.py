"""Candidate, candidate-interview and AI-interview turn shapes of the Gather API."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from api.media import answer_media_link
from api.serializers.fields import Text, Url
from candidates.models import Answer, CandidateInterview, Evaluation, InviteDelivery, Turn
from kit import limits

# ---------------------------------------------------------------- candidates


class CandidateOut(serializers.Serializer):
    id = serializers.UUIDField()
    firstName = Text(source="first_name")
    lastName = Text(source="last_name")
    email = Text()
    phone = Text(help_text="E.164, e.g. +14155550123; empty if none.")
    externalId = Text(source="external_id")
    teamId = serializers.UUIDField(source="team_id")
    createdById = serializers.UUIDField(source="created_by_id", allow_null=True)
    createdAt = serializers.DateTimeField(source="created_at")
    updatedAt = serializers.DateTimeField(source="updated_at")


@extend_schema_field({"type": "string", "format": "email"})
class _EmailText(Text):
    """Checked by the candidate service (its own message); the schema says it is an email."""


class CandidateCreateIn(serializers.Serializer):
    firstName = Text(max_length=100)
    lastName = Text(max_length=100, required=False, allow_blank=True)
    email = _EmailText(max_length=254, required=False, allow_blank=True)
    phone = Text(
        max_length=30,
        required=False,
        allow_blank=True,
        help_text="E.164: + then the country code and number, e.g. +14155550123.",
    )
    externalId = Text(max_length=100, required=False, allow_blank=True)
    teamId = serializers.UUIDField(required=False)


class CandidateUpdateIn(CandidateCreateIn):
    firstName = Text(max_length=100, required=False)


# ---------------------------------------------------------------- candidate interviews


class CandidateInterviewOut(serializers.Serializer):
    id = serializers.UUIDField()
    status = Text(help_text=" | ".join(CandidateInterview.Status.values))
    candidateId = serializers.UUIDField(source="candidate_id")
    interviewId = serializers.UUIDField(source="interview_id")
    teamId = serializers.UUIDField(source="team_id")
    deliveryTypes = serializers.ListField(
        child=serializers.ChoiceField(choices=InviteDelivery.Channel.choices),
        source="delivery_types",
    )
    language = Text()
    source = Text()
    expiresAt = serializers.DateTimeField(source="expires_at", allow_null=True)
    invitedAt = serializers.DateTimeField(source="invited_at", allow_null=True)
    startedAt = serializers.DateTimeField(source="started_at", allow_null=True)
    completedAt = serializers.DateTimeField(source="completed_at", allow_null=True)
    cancelledAt = serializers.DateTimeField(source="cancelled_at", allow_null=True)
    externalRedirectUri = Text(source="external_redirect_uri")
    smsOptIn = serializers.BooleanField(source="sms_opt_in", allow_null=True)
    smsOptInAt = serializers.DateTimeField(source="sms_opt_in_at", allow_null=True)
    timezone = Text(source="time_zone")
    personalNote = Text(source="personal_note")
    aiEvaluationDeclined = serializers.BooleanField(
        source="ai_evaluation_declined",
        help_text="The candidate declined AI evaluation (the human-only lane): answers are "
        "transcribed but never AI-scored or summarised; aiScore stays null.",
    )
    aiEvaluationDeclinedAt = serializers.DateTimeField(
        source="ai_declined_at", allow_null=True, help_text="When the candidate declined."
    )
    createdAt = serializers.DateTimeField(source="created_at")
    updatedAt = serializers.DateTimeField(source="updated_at")


class SelectedOptionOut(serializers.Serializer):
    id = serializers.UUIDField()
    text = Text()


class AnswerOut(serializers.Serializer):
    id = serializers.UUIDField()
    questionId = serializers.SerializerMethodField()
    kind = serializers.SerializerMethodField()
    status = Text()
    attempt = serializers.IntegerField()
    text = Text()
    selectedOptions = SelectedOptionOut(many=True, source="selected_options.all")
    mediaUrl = serializers.SerializerMethodField(
        help_text="The recording: a signed absolute URL that plays without a key (an <audio> "
        "or <video> src) and expires after MEDIA_URL_TTL_SECONDS (4 hours by default); null "
        "without a recording, or once it is erased."
    )
    mediaDurationSeconds = serializers.SerializerMethodField(
        help_text="The recording's length in seconds; null without one or until it is measured."
    )
    mediaContentType = serializers.SerializerMethodField(
        help_text="The recording's MIME type, as mediaUrl serves it; null without one."
    )
    submittedAt = serializers.DateTimeField(source="submitted_at", allow_null=True)

    @extend_schema_field(serializers.UUIDField(allow_null=True))
    def get_questionId(self, answer: Answer) -> str | None:
        item = answer.interview_question
        return str(item.question.pk) if item is not None else None

    @extend_schema_field(Text(allow_null=True))
    def get_kind(self, answer: Answer) -> str | None:
        item = answer.interview_question
        return item.kind if item is not None else None

    @extend_schema_field(Url(allow_null=True))
    def get_mediaUrl(self, answer: Answer) -> str | None:
        return answer_media_link(answer, request=self.context.get("request"))

    @extend_schema_field(serializers.FloatField(allow_null=True))
    def get_mediaDurationSeconds(self, answer: Answer) -> float | None:
        return answer.duration_seconds if answer.media else None

    @extend_schema_field(Text(allow_null=True))
    def get_mediaContentType(self, answer: Answer) -> str | None:
        return (answer.media_type or "application/octet-stream") if answer.media else None


class TurnOut(serializers.Serializer):
    turnNumber = serializers.IntegerField(source="turn_number")
    role = serializers.ChoiceField(choices=Turn.Role.choices)
    content = Text()
    audioUrl = Text(source="audio_url")
    isPendingQuestion = serializers.BooleanField(source="is_pending_question")
    evaluation = serializers.JSONField(allow_null=True)
    createdAt = serializers.DateTimeField(source="created_at")


class CriterionScoreOut(serializers.Serializer):
    criterionId = serializers.UUIDField(source="criterion_id", allow_null=True)
    criterionName = Text(source="criterion_name")
    score = serializers.IntegerField()
    evidence = Text()
    rationale = Text()


class EvaluationOut(serializers.Serializer):
    id = serializers.UUIDField()
    status = Text(help_text=" | ".join(Evaluation.Status.values))
    provider = Text()
    modelName = Text(source="model_name")
    promptVersion = Text(source="prompt_version")
    version = serializers.IntegerField()
    overallScore = serializers.FloatField(source="overall_score", allow_null=True)
    reason = Text(
        source="error",
        help_text="Why there is no score (refused, abstained or failed); empty otherwise.",
    )
    summary = Text()
    createdAt = serializers.DateTimeField(source="created_at")
    completedAt = serializers.DateTimeField(source="completed_at", allow_null=True)
    scores = CriterionScoreOut(many=True, source="scores.all")


class RatingOut(serializers.Serializer):
    criterionId = serializers.UUIDField(source="criterion_id")
    criterionName = Text(source="criterion.name")
    score = serializers.IntegerField()
    note = Text()


class ScorecardOut(serializers.Serializer):
    id = serializers.UUIDField()
    reviewerId = serializers.UUIDField(source="reviewer_id", allow_null=True)
    recommendation = Text()
    notes = Text()
    submittedAt = serializers.DateTimeField(source="submitted_at", allow_null=True)
    ratings = RatingOut(many=True, source="ratings.all")


class ScoresOut(serializers.Serializer):
    """The candidate's headline figures, as every page and export shows them."""

    reviewerScore = serializers.DecimalField(
        source="human_rounded",
        max_digits=3,
        decimal_places=1,
        allow_null=True,
        help_text="Weighted mean of submitted scorecard ratings, rounded half up to 1 decimal.",
    )
    aiScore = serializers.DecimalField(
        source="ai_rounded",
        max_digits=3,
        decimal_places=1,
        allow_null=True,
        help_text="AI advice: whole-interview report, else the mean of per-answer evaluations.",
    )
    aiBasis = serializers.CharField(
        source="ai_basis", help_text='"interview", "answers" or "" (no AI score).'
    )
    aiAnswers = serializers.IntegerField(source="ai_answers")
    aiQuestions = serializers.IntegerField(source="ai_questions")


class CandidateInterviewDetailOut(CandidateInterviewOut):
    answers = AnswerOut(many=True, source="answers.all")
    transcript = TurnOut(many=True, source="turns.all")
    evaluation = serializers.SerializerMethodField(
        help_text="The latest current AI evaluation (of the whole interview when there is one)."
    )
    scorecards = ScorecardOut(many=True, source="scorecards.all")
    scores = serializers.SerializerMethodField()

    @extend_schema_field(ScoresOut())
    def get_scores(self, invite: CandidateInterview) -> dict[str, Any]:
        from candidates.scores import scores_of

        return ScoresOut(scores_of(invite)).data

    @extend_schema_field(EvaluationOut(allow_null=True))
    def get_evaluation(self, invite: CandidateInterview) -> dict[str, Any] | None:
        chosen = latest_evaluation(invite)
        return EvaluationOut(chosen).data if chosen is not None else None


def latest_evaluation(invite: CandidateInterview) -> Any:
    """The invite's latest current AI evaluation, the whole-interview report before any
    answer's (from its prefetched ``evaluations``); None without one. The candidate
    interview's ``evaluation`` and its ``results`` both show this one."""
    current = [e for e in invite.evaluations.all() if e.is_current]
    whole = [e for e in current if e.answer_id is None]
    return max(whole or current, key=lambda e: e.created_at, default=None)


class CandidateInterviewCreateIn(serializers.Serializer):
    candidateId = serializers.UUIDField()
    interviewId = serializers.UUIDField()
    sendInvite = serializers.BooleanField(
        default=True, help_text="Send the invite now; false leaves a DRAFT."
    )
    deliveryTypes = serializers.ListField(
        child=serializers.ChoiceField(choices=InviteDelivery.Channel.choices),
        default=["email"],
    )
    expiresAt = serializers.DateTimeField(
        required=False, help_text="ISO 8601; the team's default expiry if absent."
    )
    language = Text(max_length=16, required=False, allow_blank=True)
    expiryDays = serializers.IntegerField(
        required=False,
        min_value=1,
        max_value=365,
        help_text="Days until the link expires (1 to 365), instead of expiresAt.",
    )
    externalRedirectUri = Url(
        max_length=2000,
        required=False,
        allow_blank=True,
        help_text="http(s) page the thank-you page offers the candidate after hand-in.",
    )
    smsOptIn = serializers.BooleanField(
        required=False,
        allow_null=True,
        default=None,
        help_text="true: the candidate agreed to text messages about this interview (recorded "
        "with the time). sms in deliveryTypes without true is a 400.",
    )
    timezone = Text(
        max_length=64,
        required=False,
        allow_blank=True,
        help_text="The candidate's IANA time zone, e.g. Europe/Paris. Stored and returned.",
    )
    personalNote = Text(
        max_length=limits.PERSONAL_NOTE,
        required=False,
        allow_blank=True,
        help_text="The recruiter's own words, quoted in the invite's email and reminders.",
    )
    teamId = serializers.UUIDField(required=False)
    userId = serializers.UUIDField(required=False)


class CandidateInterviewUpdateIn(serializers.Serializer):
    expiresAt = serializers.DateTimeField(
        help_text="The new expiry (ISO 8601); an expired invite reopens."
    )


# ---------------------------------------------------------------- results and status (Gather)

EVALUATION_TYPES = ("ai_generated", "manual", "hybrid")


class ScoreCardOut(serializers.Serializer):
    evaluationType = serializers.ChoiceField(
        choices=EVALUATION_TYPES,
        allow_null=True,
        help_text="ai_generated (AI score only), manual (reviewers only), hybrid (both); "
        "null until there is a score.",
    )
    reviewerScore = serializers.DecimalField(
        max_digits=3, decimal_places=1, allow_null=True, help_text="As scores.reviewerScore."
    )
    aiScore = serializers.DecimalField(
        max_digits=3, decimal_places=1, allow_null=True, help_text="As scores.aiScore."
    )
    evaluation = EvaluationOut(allow_null=True)
    scorecards = ScorecardOut(many=True)


class ResultsOut(serializers.Serializer):
    candidateInterviewId = serializers.UUIDField()
    status = Text(help_text=" | ".join(CandidateInterview.Status.values))
    score = serializers.DecimalField(
        max_digits=3,
        decimal_places=1,
        allow_null=True,
        help_text="The reviewer score when reviewers have scored, else the AI score; "
        "the same figures as scores and the review page.",
    )
    scores = ScoresOut()
    scoreCard = ScoreCardOut()
    summary = Text(help_text="The AI evaluation's summary; empty without one.")
    aiEvaluationDeclined = serializers.BooleanField(
        help_text="The candidate declined AI evaluation: no AI score, evaluation or summary."
    )
    completedAt = serializers.DateTimeField(allow_null=True)


STATUS_TARGETS = ("CANCELLED", "INVITED")


class CandidateInterviewStatusIn(serializers.Serializer):
    whole_on_patch = True

    status = serializers.ChoiceField(
        choices=STATUS_TARGETS,
        help_text="CANCELLED cancels (as the cancel endpoint); INVITED sends a draft or "
        "reopens an expired invite with the same link.",
    )


# ---------------------------------------------------------------- AI voice-interview turns


class TurnCreateIn(serializers.Serializer):
    turnNumber = serializers.IntegerField(min_value=1)
    role = serializers.ChoiceField(choices=Turn.Role.choices)
    content = Text(required=False, allow_blank=True, default="", max_length=limits.TURN)
    audioUrl = Url(max_length=500, required=False, allow_blank=True, default="")
    isPendingQuestion = serializers.BooleanField(default=False)
    evaluation = serializers.DictField(
        required=False,
        allow_null=True,
        default=None,
        validators=[limits.JSONSizeValidator(limits.AGENT_EVALUATION)],
        help_text=f"Free-form, at most {limits.AGENT_EVALUATION:,} bytes of JSON.",
    )


class TurnUpdateIn(serializers.Serializer):
    content = Text(required=False, allow_blank=True, max_length=limits.TURN)
    audioUrl = Url(max_length=500, required=False, allow_blank=True)
    isPendingQuestion = serializers.BooleanField(required=False)
    evaluation = serializers.DictField(
        required=False,
        validators=[limits.JSONSizeValidator(limits.AGENT_EVALUATION)],
        help_text=f"Free-form, at most {limits.AGENT_EVALUATION:,} bytes of JSON.",
    )


class FinalizeIn(serializers.Serializer):
    endedAt = serializers.DateTimeField(required=False)
    audioUrl = Url(
        max_length=500,
        required=False,
        allow_blank=True,
        help_text="Accepted for compatibility; not stored yet.",
    )
    generateReport = serializers.BooleanField(
        required=False,
        allow_null=True,
        help_text="Make the AI report (default true); false completes the interview only.",
    )
