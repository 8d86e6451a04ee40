from django.contrib import admin

from candidates.models import (
    Answer,
    AnswerEmbedding,
    Candidate,
    CandidateInterview,
    CandidateMessage,
    Comment,
    CriterionScore,
    DecisionFileRequest,
    Evaluation,
    EvaluationRun,
    ImportJob,
    IntegrityFact,
    InviteDelivery,
    MessageTemplate,
    Rating,
    RetentionTally,
    ReviewNotice,
    Scorecard,
    SelfIdentification,
    ShareLink,
    ShareRating,
    Turn,
)


@admin.register(Candidate)
class CandidateAdmin(admin.ModelAdmin):
    list_display = ["first_name", "last_name", "email", "phone", "team", "created_at"]
    list_select_related = ["team"]
    search_fields = ["first_name", "last_name", "email"]
    raw_id_fields = ["team", "created_by"]


class InviteDeliveryInline(admin.TabularInline):
    model = InviteDelivery
    extra = 0


@admin.register(CandidateInterview)
class CandidateInterviewAdmin(admin.ModelAdmin):
    list_display = ["candidate", "interview", "status", "expires_at", "created_at"]
    list_filter = ["status"]
    list_select_related = ["candidate", "interview"]
    raw_id_fields = ["team", "candidate", "interview", "created_by"]
    exclude = ["token_hash"]
    inlines = [InviteDeliveryInline]


@admin.register(Answer)
class AnswerAdmin(admin.ModelAdmin):
    list_display = ["id", "candidate_interview", "interview_question", "attempt", "status"]
    list_select_related = [
        "candidate_interview__candidate",
        "candidate_interview__interview",
        "interview_question",
    ]
    raw_id_fields = ["candidate_interview", "interview_question"]
    filter_horizontal = ["selected_options"]


@admin.register(Turn)
class TurnAdmin(admin.ModelAdmin):
    list_display = ["candidate_interview", "turn_number", "role", "content"]
    list_select_related = ["candidate_interview__candidate", "candidate_interview__interview"]
    raw_id_fields = ["candidate_interview", "answer"]


class CriterionScoreInline(admin.TabularInline):
    model = CriterionScore
    extra = 0


@admin.register(Evaluation)
class EvaluationAdmin(admin.ModelAdmin):
    list_display = [
        "candidate_interview",
        "provider",
        "model_name",
        "version",
        "status",
        "overall_score",
    ]
    list_select_related = ["candidate_interview__candidate", "candidate_interview__interview"]
    raw_id_fields = ["candidate_interview", "answer"]
    inlines = [CriterionScoreInline]


@admin.register(EvaluationRun)
class EvaluationRunAdmin(admin.ModelAdmin):
    list_display = ["candidate_interview", "status", "created_at", "finished_at"]
    list_filter = ["status"]
    list_select_related = ["candidate_interview__candidate", "candidate_interview__interview"]
    raw_id_fields = ["candidate_interview", "answer", "requested_by", "evaluation"]


class RatingInline(admin.TabularInline):
    model = Rating
    extra = 0


@admin.register(Scorecard)
class ScorecardAdmin(admin.ModelAdmin):
    list_display = ["candidate_interview", "reviewer", "recommendation", "submitted_at"]
    list_select_related = [
        "candidate_interview__candidate",
        "candidate_interview__interview",
        "reviewer",
    ]
    raw_id_fields = ["candidate_interview", "reviewer", "template"]
    inlines = [RatingInline]


@admin.register(SelfIdentification)
class SelfIdentificationAdmin(admin.ModelAdmin):
    """Visible to superusers only (the admin site); reviewers never see it."""

    list_display = ["candidate_interview", "team", "created_at"]
    raw_id_fields = ["team", "candidate_interview"]


@admin.register(RetentionTally)
class RetentionTallyAdmin(admin.ModelAdmin):
    list_display = ["team", "interview", "month", "reason", "invites", "completed", "advanced"]
    list_filter = ["reason"]
    raw_id_fields = ["team", "interview"]


@admin.register(Comment)
class CommentAdmin(admin.ModelAdmin):
    list_display = ["candidate_interview", "author", "created_at"]
    list_select_related = [
        "candidate_interview__candidate",
        "candidate_interview__interview",
        "author",
    ]
    raw_id_fields = ["candidate_interview", "answer", "author", "mentions"]


@admin.register(ShareLink)
class ShareLinkAdmin(admin.ModelAdmin):
    list_display = ["__str__", "interview", "created_by", "expires_at", "revoked_at", "view_count"]
    list_select_related = ["interview", "created_by"]
    raw_id_fields = ["team", "interview", "candidate_interviews", "created_by"]
    exclude = ["token_hash", "pin_hash"]


@admin.register(ShareRating)
class ShareRatingAdmin(admin.ModelAdmin):
    list_display = ["reviewer_name", "rating", "candidate_interview", "share_link", "updated_at"]
    list_select_related = ["candidate_interview__candidate", "share_link"]
    raw_id_fields = ["team", "share_link", "candidate_interview"]


@admin.register(ReviewNotice)
class ReviewNoticeAdmin(admin.ModelAdmin):
    list_display = ["user", "candidate_interview", "kind", "sent_at"]
    list_filter = ["kind"]
    list_select_related = ["user", "candidate_interview__candidate"]
    raw_id_fields = ["user", "candidate_interview"]


@admin.register(CandidateMessage)
class CandidateMessageAdmin(admin.ModelAdmin):
    list_display = ["candidate_interview", "kind", "decision", "status", "send_after", "sent_at"]
    list_filter = ["kind", "status"]
    list_select_related = ["candidate_interview__candidate", "candidate_interview__interview"]
    raw_id_fields = ["candidate_interview"]


@admin.register(DecisionFileRequest)
class DecisionFileRequestAdmin(admin.ModelAdmin):
    list_display = ["candidate_interview", "status", "requested_at", "sent_at", "sent_by"]
    list_filter = ["status"]
    list_select_related = [
        "candidate_interview__candidate",
        "candidate_interview__interview",
        "sent_by",
    ]
    raw_id_fields = ["team", "candidate_interview", "prepared_by", "sent_by"]


@admin.register(IntegrityFact)
class IntegrityFactAdmin(admin.ModelAdmin):
    list_display = ["candidate_interview", "kind", "seconds", "characters", "occurred_at"]
    list_filter = ["kind"]
    list_select_related = ["candidate_interview__candidate", "candidate_interview__interview"]
    raw_id_fields = ["candidate_interview", "interview_question", "answer", "similar_answer"]


@admin.register(AnswerEmbedding)
class AnswerEmbeddingAdmin(admin.ModelAdmin):
    list_display = ["answer", "interview_question", "model", "created_at"]
    list_select_related = ["answer", "interview_question"]
    raw_id_fields = ["answer", "interview_question"]
    # The vector is numbers for the comparison, not for reading.
    exclude = ["vector"]


@admin.register(MessageTemplate)
class MessageTemplateAdmin(admin.ModelAdmin):
    list_display = ["team", "kind", "channel", "language", "updated_by", "updated_at"]
    list_filter = ["kind", "channel", "language"]
    list_select_related = ["team", "updated_by"]
    raw_id_fields = ["team", "updated_by"]


@admin.register(InviteDelivery)
class InviteDeliveryAdmin(admin.ModelAdmin):
    list_display = ["candidate_interview", "channel", "purpose", "status", "attempts", "created_at"]
    list_filter = ["channel", "status"]
    list_select_related = ["candidate_interview__candidate", "candidate_interview__interview"]
    raw_id_fields = ["candidate_interview"]


@admin.register(CriterionScore)
class CriterionScoreAdmin(admin.ModelAdmin):
    list_display = ["criterion_name", "score", "evaluation"]
    list_select_related = ["evaluation"]
    raw_id_fields = ["evaluation", "criterion"]


@admin.register(Rating)
class RatingAdmin(admin.ModelAdmin):
    list_display = ["criterion", "score", "scorecard"]
    list_select_related = ["criterion", "scorecard"]
    raw_id_fields = ["scorecard", "criterion"]


@admin.register(ImportJob)
class ImportJobAdmin(admin.ModelAdmin):
    list_display = ["filename", "team", "status", "total", "processed", "created_at"]
    list_select_related = ["team"]
    raw_id_fields = ["team", "created_by", "interview"]
    exclude = ["rows"]
