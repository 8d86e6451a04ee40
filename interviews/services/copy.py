"""Copying an interview, with the Gather API's exact semantics.

- Same team: the title gets " (copy)"; the copy reuses the same question objects.
- Another team (same organization): audio, survey (with options and preferred options) and AI
  text (with rubric) questions are copied as new questions of the target team.
- Keywords are copied only when asked (``copy_keywords``).
- Scorecard templates are always copied; the AI configuration (style, seniority, tone) too.
- Order, knockout flags and per-question time overrides are kept.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction

from accounts.audit import audit_record
from interviews.counters import question_count_apply
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
from interviews.selectors import interview_scorecard_template
from webhooks.services import interview_created

if TYPE_CHECKING:
    from accounts.models import Team, User

COPIED_FIELDS = (
    "display_name",
    "interview_type",
    "description",
    "description_url",
    "language",
    "resume",
    "web_only",
    "visibility",
    "recording_mode",
    "think_time_seconds",
    "answer_time_seconds",
    "retakes_allowed",
    "attempts_allowed",
    "random_question_count",
    "welcome_message",
    "thank_you_message",
    "ai_style",
    "ai_seniority",
    "ai_tone",
    "ai_followups_max",
)
_QUESTION_FIELDS = ("description", "language")
COPY_SUFFIX = " (copy)"


def copy_title(question: AudioQuestion | SurveyQuestion | AITextQuestion) -> str:
    """``question``'s title + " (copy)", within the title's length."""
    max_length = type(question)._meta.get_field("title").max_length or 200
    return question.title[: max_length - len(COPY_SUFFIX)] + COPY_SUFFIX


def _narrator_in(team: Team, narrator: Narrator | None) -> Narrator | None:
    """The target team's narrator of the same name, if it has one."""
    if narrator is None:
        return None
    if narrator.team_id == team.pk:
        return narrator
    return Narrator.objects.filter(team=team, name=narrator.name).first()


def _copy_audio(question: AudioQuestion, team: Team, by: User | None, title: str) -> AudioQuestion:
    copy = AudioQuestion(
        team=team,
        created_by=by,
        title=title,
        question_script=question.question_script,
        narrator=_narrator_in(team, question.narrator),
        audio_url=question.audio_url,
        audio_type=question.audio_type,
        transcription_status=question.transcription_status,
        failure_reason=question.failure_reason,
        audio_script_hash=question.audio_script_hash,
        **{f: getattr(question, f) for f in _QUESTION_FIELDS},
    )
    if question.audio_file:
        # Each question owns its file, so deleting one never breaks the other.
        with question.audio_file.open("rb") as source:
            data = source.read()
        name = (question.audio_file.name or "audio.mp3").rsplit("/", 1)[-1]
        copy.audio_file.save(name, ContentFile(data), save=False)
    elif question.audio_source:
        # A recording still waiting for its conversion: the copy converts its own copy of it.
        with question.audio_source.open("rb") as source:
            data = source.read()
        name = (question.audio_source.name or "audio.bin").rsplit("/", 1)[-1]
        copy.audio_source.save(name, ContentFile(data), save=False)
    copy.save()
    if copy.audio_source:
        from interviews.services.audio import audio_question_enqueue

        audio_question_enqueue(question=copy)
    if not copy.audio_file and copy.audio_type == AudioQuestion.AudioType.TTS:
        # The original's audio is still being made (or failed): the copy makes its own.
        from interviews.services.audio import audio_question_request_tts

        if copy.question_script:
            audio_question_request_tts(question=copy)
    return copy


def _copy_survey(
    question: SurveyQuestion, team: Team, by: User | None, title: str
) -> SurveyQuestion:
    copy = SurveyQuestion.objects.create(
        team=team,
        created_by=by,
        title=title,
        question_text=question.question_text,
        survey_type=question.survey_type,
        max_character_length=question.max_character_length,
        preferred_option=question.preferred_option,
        select_all_for_full_score=question.select_all_for_full_score,
        **{f: getattr(question, f) for f in _QUESTION_FIELDS},
    )
    SurveyOption.objects.bulk_create(
        SurveyOption(
            question=copy,
            text=o.text,
            ordinal=o.ordinal,
            weight=o.weight,
            is_preferred=o.is_preferred,
        )
        for o in question.options.order_by("ordinal")
    )
    return copy


def _copy_ai_text(
    question: AITextQuestion, team: Team, by: User | None, title: str
) -> AITextQuestion:
    copy = AITextQuestion.objects.create(
        team=team,
        created_by=by,
        title=title,
        question_text=question.question_text,
        max_answer_length=question.max_answer_length,
        **{f: getattr(question, f) for f in _QUESTION_FIELDS},
    )
    RubricCriterion.objects.bulk_create(
        RubricCriterion(
            question=copy,
            name=c.name,
            strong_answer=c.strong_answer,
            weight=c.weight,
            ideal_answer=c.ideal_answer,
            ordinal=c.ordinal,
        )
        for c in question.criteria.order_by("ordinal")
    )
    return copy


def question_copy[Q: (AudioQuestion, SurveyQuestion, AITextQuestion)](
    *, question: Q, team: Team, by: User | None, title: str | None = None
) -> Q:
    """A new question of ``team`` with ``question``'s content, options or rubric, and its own
    audio file. The one place that knows what a question's copy holds: duplicating in a team
    and copying an interview to another team both use it."""
    name = question.title if title is None else title
    if isinstance(question, AudioQuestion):
        return _copy_audio(question, team, by, name)
    if isinstance(question, SurveyQuestion):
        return _copy_survey(question, team, by, name)
    return _copy_ai_text(question, team, by, name)


@transaction.atomic
def interview_copy(
    *,
    interview: Interview,
    to_team: Team,
    by: User | None,
    copy_keywords: bool = False,
    ip: str | None = None,
) -> Interview:
    """Copy ``interview`` into ``to_team`` and audit it (``interview.copied``, in the target
    team). The caller checks that ``by`` may write there."""
    if to_team.organization_id != interview.team.organization_id:
        raise ValidationError(
            {"team": "Interviews can be copied only to teams of your organization."}
        )
    same_team = to_team.pk == interview.team_id
    copy = Interview.objects.create(
        team=to_team,
        created_by=by,
        title=f"{interview.title} (copy)" if same_team else interview.title,
        narrator=_narrator_in(to_team, interview.narrator),
        status=(
            Interview.Status.ACTIVE
            if interview.status == Interview.Status.ARCHIVED
            else interview.status
        ),
        **{f: getattr(interview, f) for f in COPIED_FIELDS},
    )
    items = (
        InterviewQuestion.objects.filter(interview=interview)
        .select_related("audio_question__narrator", "survey_question", "ai_text_question")
        .prefetch_related("survey_question__options", "ai_text_question__criteria")
        .order_by("ordinal")
    )
    links = []
    for item in items:
        audio, survey, ai_text = item.audio_question, item.survey_question, item.ai_text_question
        if not same_team:
            audio = question_copy(question=audio, team=to_team, by=by) if audio else None
            survey = question_copy(question=survey, team=to_team, by=by) if survey else None
            ai_text = question_copy(question=ai_text, team=to_team, by=by) if ai_text else None
        links.append(
            InterviewQuestion(
                interview=copy,
                kind=item.kind,
                ordinal=item.ordinal,
                knockout=item.knockout,
                think_time_seconds=item.think_time_seconds,
                answer_time_seconds=item.answer_time_seconds,
                audio_question=audio,
                survey_question=survey,
                ai_text_question=ai_text,
            )
        )
    InterviewQuestion.objects.bulk_create(links)
    question_count_apply(interview_id=copy.pk, delta=len(links))
    copy.question_count = len(links)
    if copy_keywords:
        Keyword.objects.bulk_create(
            Keyword(interview=copy, text=k.text) for k in interview.keywords.all()
        )
    if (template := interview_scorecard_template(interview)) is not None:
        new_template = ScorecardTemplate.objects.create(
            team=to_team, interview=copy, name=template.name
        )
        ScorecardCriterion.objects.bulk_create(
            ScorecardCriterion(
                template=new_template,
                name=c.name,
                description=c.description,
                weight=c.weight,
                anchors=c.anchors,
                ordinal=c.ordinal,
            )
            for c in template.criteria.all()
        )
    audit_record(
        action="interview.copied",
        actor=by,
        team=to_team,
        obj=copy,
        ip=ip,
        data={"from": str(interview.pk), "from_team": str(interview.team_id)},
    )
    interview_created(interview=copy, by=by)
    return copy
