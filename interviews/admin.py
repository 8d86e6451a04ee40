from django.contrib import admin

from interviews.models import (
    AITextQuestion,
    AudioQuestion,
    Interview,
    InterviewQuestion,
    Keyword,
    Narrator,
    RubricCriterion,
    ScorecardCriterion,
    ScorecardTemplate,
    SurveyOption,
    SurveyQuestion,
)


class InterviewQuestionInline(admin.TabularInline):
    model = InterviewQuestion
    raw_id_fields = ["audio_question", "survey_question", "ai_text_question"]
    extra = 0


class KeywordInline(admin.TabularInline):
    model = Keyword
    extra = 0


@admin.register(Interview)
class InterviewAdmin(admin.ModelAdmin):
    list_display = ["title", "team", "interview_type", "status", "language", "created_at"]
    list_filter = ["interview_type", "status"]
    list_select_related = ["team"]
    search_fields = ["title", "display_name"]
    raw_id_fields = ["team", "narrator", "created_by"]
    inlines = [InterviewQuestionInline, KeywordInline]


@admin.register(Narrator)
class NarratorAdmin(admin.ModelAdmin):
    list_display = ["name", "team", "provider", "voice", "language", "speed"]
    list_select_related = ["team"]


class QuestionAdmin(admin.ModelAdmin):
    list_display = ["title", "team", "language", "created_at", "archived_at"]
    list_select_related = ["team"]
    search_fields = ["title"]
    raw_id_fields = ["team", "created_by"]


@admin.register(AudioQuestion)
class AudioQuestionAdmin(QuestionAdmin):
    list_display = [*QuestionAdmin.list_display, "transcription_status"]
    raw_id_fields = [*QuestionAdmin.raw_id_fields, "narrator"]


class SurveyOptionInline(admin.TabularInline):
    model = SurveyOption
    extra = 0


@admin.register(SurveyQuestion)
class SurveyQuestionAdmin(QuestionAdmin):
    list_display = [*QuestionAdmin.list_display, "survey_type"]
    list_filter = ["survey_type"]
    inlines = [SurveyOptionInline]


class RubricCriterionInline(admin.TabularInline):
    model = RubricCriterion
    extra = 0


@admin.register(AITextQuestion)
class AITextQuestionAdmin(QuestionAdmin):
    inlines = [RubricCriterionInline]


class ScorecardCriterionInline(admin.TabularInline):
    model = ScorecardCriterion
    extra = 0


@admin.register(ScorecardTemplate)
class ScorecardTemplateAdmin(admin.ModelAdmin):
    list_display = ["name", "team", "interview"]
    list_select_related = ["team", "interview"]
    raw_id_fields = ["team", "interview"]
    inlines = [ScorecardCriterionInline]


@admin.register(SurveyOption)
class SurveyOptionAdmin(admin.ModelAdmin):
    list_display = ["text", "question", "ordinal", "weight", "is_preferred"]
    list_select_related = ["question"]
    raw_id_fields = ["question"]


@admin.register(RubricCriterion)
class RubricCriterionAdmin(admin.ModelAdmin):
    list_display = ["name", "question", "ordinal", "weight"]
    list_select_related = ["question"]
    raw_id_fields = ["question"]


@admin.register(Keyword)
class KeywordAdmin(admin.ModelAdmin):
    list_display = ["text", "interview"]
    list_select_related = ["interview"]
    raw_id_fields = ["interview"]
    search_fields = ["text"]


@admin.register(InterviewQuestion)
class InterviewQuestionAdmin(admin.ModelAdmin):
    list_display = ["interview", "ordinal", "kind", "knockout"]
    list_select_related = ["interview"]
    list_filter = ["kind"]
    raw_id_fields = ["interview", "audio_question", "survey_question", "ai_text_question"]


@admin.register(ScorecardCriterion)
class ScorecardCriterionAdmin(admin.ModelAdmin):
    list_display = ["name", "template", "ordinal", "weight"]
    list_select_related = ["template"]
    raw_id_fields = ["template"]
