"""Writes for interviews and their ordered question lists.

Ordinals stay 1..n with no gaps. Every change to an interview's question list runs with the
interview row locked and bumps ``questions_version``; a caller that passes the version it saw
(``expected_version``) gets ``StaleQuestionList`` instead of overwriting a newer change.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from interviews.models import (
    AITextQuestion,
    AudioQuestion,
    Interview,
    InterviewQuestion,
    Keyword,
    SurveyQuestion,
)
from webhooks.services import (
    interview_archived,
    interview_created,
    interview_updated,
    interviews_changed,
)

if TYPE_CHECKING:
    from collections.abc import Collection, Iterable, Mapping

    from accounts.models import Team, User

AnyQuestion = AudioQuestion | SurveyQuestion | AITextQuestion

KIND_FIELD: dict[type[AnyQuestion], tuple[str, str]] = {
    AudioQuestion: (InterviewQuestion.Kind.AUDIO, "audio_question"),
    SurveyQuestion: (InterviewQuestion.Kind.SURVEY, "survey_question"),
    AITextQuestion: (InterviewQuestion.Kind.AI_TEXT, "ai_text_question"),
}
KIND_MODEL: dict[str, type[AnyQuestion]] = {kind: model for model, (kind, _f) in KIND_FIELD.items()}

# Ordinals are moved out of the way by this much before being rewritten, so the unique
# (interview, ordinal) constraint holds at every statement on every database.
_ORDINAL_PARKING = 1_000_000

# Settings a recruiter edits on the interview form (and the API's PATCH).
EDITABLE_FIELDS = (
    "title",
    "display_name",
    "description",
    "description_url",
    "interview_type",
    "language",
    "narrator",
    "status",
    "welcome_message",
    "thank_you_message",
    "think_time_seconds",
    "answer_time_seconds",
    "retakes_allowed",
    "attempts_allowed",
    "random_question_count",
    "visibility",
    "resume",
    "web_only",
    "integrity_facts",
    "recording_mode",
    "ai_style",
    "ai_seniority",
    "ai_tone",
    "ai_followups_max",
)


class _Unchanged:
    """The value of an optional argument that was not given (``None`` means "clear")."""


UNCHANGED = _Unchanged()


class StaleQuestionList(ValidationError):
    """The question list changed since the caller loaded it."""

    def __init__(self) -> None:
        super().__init__(
            {
                "order": "Someone else changed this interview's questions a moment ago. "
                "The list below is the current one: make your change again."
            },
            code="stale",
        )


def _lock(interview: Interview, expected_version: int | None) -> list[InterviewQuestion]:
    version = (
        Interview.objects.select_for_update()
        .filter(pk=interview.pk)
        .values_list("questions_version", flat=True)
        .get()
    )
    if expected_version is not None and expected_version != version:
        raise StaleQuestionList()
    return list(InterviewQuestion.objects.filter(interview=interview).order_by("ordinal"))


def _renumber(interview: Interview, items: list[InterviewQuestion]) -> None:
    """Write ordinals 1..n in the order of ``items`` (the whole list) and bump the list's
    version; the question count is the list's length (the callers hold the interview's lock)."""
    if items:
        ids = [item.pk for item in items]
        InterviewQuestion.objects.filter(pk__in=ids).update(ordinal=F("ordinal") + _ORDINAL_PARKING)
        for position, item in enumerate(items, start=1):
            item.ordinal = position
        InterviewQuestion.objects.bulk_update(items, ["ordinal"])
    Interview.objects.filter(pk=interview.pk).update(
        questions_version=F("questions_version") + 1,
        question_count=len(items),
        updated_at=timezone.now(),
    )
    interview.refresh_from_db(fields=["questions_version", "question_count", "updated_at"])


@transaction.atomic
def interview_question_add(
    *,
    interview: Interview,
    question: AnyQuestion,
    position: int | None = None,
    knockout: bool = False,
    expected_version: int | None = None,
) -> InterviewQuestion:
    """Add ``question`` at ``position`` (1-based; default last), shifting later ones down."""
    kind, field = KIND_FIELD[type(question)]
    if question.team_id != interview.team_id:
        raise ValidationError({"question": "That question belongs to another team."})
    if question.archived_at is not None:
        raise ValidationError({"question": f"“{question}” is archived: unarchive it to use it."})
    if knockout and kind != InterviewQuestion.Kind.SURVEY:
        raise ValidationError({"knockout": "Only survey questions can be knockout questions."})
    items = _lock(interview, expected_version)
    if any(getattr(item, f"{field}_id") == question.pk for item in items):
        raise ValidationError({"question": f"“{question}” is already in this interview."})
    count = len(items)
    if position is None:
        position = count + 1
    if not 1 <= position <= count + 1:
        raise ValidationError({"position": f"Position must be between 1 and {count + 1}."})
    new = InterviewQuestion.objects.create(
        interview=interview,
        kind=kind,
        ordinal=_ORDINAL_PARKING * 2,
        knockout=knockout,
        **{field: question},
    )
    items.insert(position - 1, new)
    _renumber(interview, items)
    return new


@transaction.atomic
def interview_question_move(
    *, item: InterviewQuestion, position: int, expected_version: int | None = None
) -> None:
    items = _lock(item.interview, expected_version)
    if not 1 <= position <= len(items):
        raise ValidationError({"position": f"Position must be between 1 and {len(items)}."})
    items = [i for i in items if i.pk != item.pk]
    items.insert(position - 1, item)
    _renumber(item.interview, items)


@transaction.atomic
def interview_question_remove(
    *, item: InterviewQuestion, expected_version: int | None = None
) -> None:
    items = _lock(item.interview, expected_version)
    removed = item.pk  # delete() clears item.pk
    item.delete()
    _renumber(item.interview, [i for i in items if i.pk != removed])


@transaction.atomic
def interview_questions_set_order(
    *, interview: Interview, item_ids: list[Any], expected_version: int | None = None
) -> None:
    """Reorder by a full list of item ids (drag and drop)."""
    items = _lock(interview, expected_version)
    by_id = {str(i.pk): i for i in items}
    if sorted(map(str, item_ids)) != sorted(by_id):
        if expected_version is not None:
            raise StaleQuestionList()
        raise ValidationError(
            {"order": "The order must list every question of the interview once."}
        )
    _renumber(interview, [by_id[str(i)] for i in item_ids])


@transaction.atomic
def interview_question_update(
    *,
    item: InterviewQuestion,
    knockout: bool | None = None,
    think_time_seconds: int | _Unchanged | None = UNCHANGED,
    answer_time_seconds: int | _Unchanged | None = UNCHANGED,
) -> InterviewQuestion:
    """Change a question's settings within one interview; ``None`` clears a time override."""
    if knockout is not None:
        if knockout and item.kind != InterviewQuestion.Kind.SURVEY:
            raise ValidationError({"knockout": "Only survey questions can be knockout questions."})
        item.knockout = knockout
    if not isinstance(think_time_seconds, _Unchanged):
        item.think_time_seconds = think_time_seconds
    if not isinstance(answer_time_seconds, _Unchanged):
        item.answer_time_seconds = answer_time_seconds
    item.full_clean(exclude=["interview", "audio_question", "survey_question", "ai_text_question"])
    item.save(update_fields=["knockout", "think_time_seconds", "answer_time_seconds"])
    return item


@dataclass(frozen=True)
class ItemSettings:
    """One question's settings within an interview as the builder shows them (``None``: no
    time override; ``knockout`` is ignored for questions that are not survey questions)."""

    knockout: bool = False
    think_time_seconds: int | None = None
    answer_time_seconds: int | None = None


@transaction.atomic
def interview_questions_apply(
    *,
    interview: Interview,
    expected_version: int | None,
    remove: str = "",
    move: tuple[str, str] | None = None,
    order: list[str] | None = None,
    settings: Mapping[str, ItemSettings] | None = None,
) -> None:
    """Apply the builder's question list as the recruiter left it: one removal (an item id),
    or one keyboard move (item id, "up"/"down"), or else the whole order (drag and drop) and
    each shown item's settings. Items are named by id; an id that is not the interview's, or
    an ``expected_version`` that is not current, raises ``StaleQuestionList`` and changes
    nothing."""
    items = {str(i.pk): i for i in InterviewQuestion.objects.filter(interview=interview)}
    if remove:
        if remove not in items:
            raise StaleQuestionList()
        interview_question_remove(item=items[remove], expected_version=expected_version)
        return
    if move is not None:
        item_id, direction = move
        if item_id not in items or direction not in ("up", "down"):
            raise StaleQuestionList()
        item = items[item_id]
        position = item.ordinal - 1 if direction == "up" else item.ordinal + 1
        if 1 <= position <= len(items):
            interview_question_move(item=item, position=position, expected_version=expected_version)
        return
    current = [str(i.pk) for i in sorted(items.values(), key=lambda i: i.ordinal)]
    if order and order != current:
        interview_questions_set_order(
            interview=interview, item_ids=order, expected_version=expected_version
        )
    else:
        _lock(interview, expected_version)
    for item_id, changes in (settings or {}).items():
        if (shown := items.get(item_id)) is None:
            continue  # removed since the page was drawn (a version given catches it above)
        interview_question_update(
            item=shown,
            knockout=changes.knockout if shown.kind == InterviewQuestion.Kind.SURVEY else None,
            think_time_seconds=changes.think_time_seconds,
            answer_time_seconds=changes.answer_time_seconds,
        )


@transaction.atomic
def interview_questions_replace(
    *,
    interview: Interview,
    kind: str,
    questions: list[AnyQuestion],
    knockout_ids: Collection[Any] = (),
    expected_version: int | None = None,
) -> list[InterviewQuestion]:
    """Make the interview's questions of ``kind`` exactly ``questions``, in that order, in the
    places questions of that kind held; questions of other kinds keep theirs (the API's PATCH
    of ``questionIds`` or ``surveyQuestions``). Returns the whole list, in order."""
    field = f"{kind}_question_id"
    wanted = [q.pk for q in questions]
    if len(set(wanted)) != len(wanted):
        raise ValidationError({"questions": "A question can appear only once in an interview."})
    if any(KIND_FIELD[type(q)][0] != kind for q in questions):
        raise ValidationError({"questions": f"Every question here must be a {kind} question."})
    _lock(interview, expected_version)
    for item in InterviewQuestion.objects.filter(interview=interview, kind=kind):
        if getattr(item, field) not in wanted:
            interview_question_remove(item=item)
    present = {
        getattr(i, field): i
        for i in InterviewQuestion.objects.filter(interview=interview, kind=kind)
    }
    for question in questions:
        knockout = question.pk in knockout_ids
        if (existing := present.get(question.pk)) is None:
            interview_question_add(interview=interview, question=question, knockout=knockout)
        elif existing.knockout != knockout:
            interview_question_update(item=existing, knockout=knockout)
    items = list(InterviewQuestion.objects.filter(interview=interview).order_by("ordinal"))
    by_question = {getattr(i, field): i for i in items if i.kind == kind}
    in_order = iter(by_question[pk] for pk in wanted)
    order = [next(in_order) if i.kind == kind else i for i in items]
    interview_questions_set_order(interview=interview, item_ids=[i.pk for i in order])
    return list(InterviewQuestion.objects.filter(interview=interview).order_by("ordinal"))


def _clean_keywords(words: Iterable[str]) -> list[str]:
    cleaned: dict[str, str] = {}
    for word in words:
        word = " ".join(str(word).split())
        if not word:
            continue
        if len(word) > 100:
            raise ValidationError({"keywords": f"“{word[:30]}…” is longer than 100 characters."})
        cleaned.setdefault(word.lower(), word)
    return list(cleaned.values())


@transaction.atomic
def interview_update_keywords(
    *, interview: Interview, add: Iterable[str] = (), remove: Iterable[str] = ()
) -> list[str]:
    """Add and remove keywords (case-insensitive, duplicates ignored), as the seed's PATCH does."""
    existing = {k.text.lower(): k for k in interview.keywords.all()}
    for word in _clean_keywords(remove):
        if (keyword := existing.pop(word.lower(), None)) is not None:
            keyword.delete()
    for word in _clean_keywords(add):
        if word.lower() not in existing:
            existing[word.lower()] = Keyword.objects.create(interview=interview, text=word)
    return sorted(k.text for k in existing.values())


@transaction.atomic
def interview_set_keywords(*, interview: Interview, keywords: Iterable[str]) -> list[str]:
    """Make the interview's keywords exactly ``keywords``."""
    wanted = {w.lower() for w in _clean_keywords(keywords)}
    current = [k.text for k in interview.keywords.all()]
    return interview_update_keywords(
        interview=interview,
        add=keywords,
        remove=[w for w in current if w.lower() not in wanted],
    )


def _validate(interview: Interview) -> None:
    if not interview.title.strip():
        raise ValidationError({"title": "Enter a title."})
    if interview.narrator_id and interview.narrator.team_id != interview.team_id:  # type: ignore[union-attr]
        raise ValidationError({"narrator": "That narrator belongs to another team."})
    if interview.random_question_count == 0:
        raise ValidationError(
            {"random_question_count": "Ask at least one question, or leave this empty to ask all."}
        )
    interview.full_clean(exclude=["team", "created_by", "narrator"])


@transaction.atomic
def interview_create(
    *,
    team: Team,
    title: str,
    by: User | None,
    questions: Iterable[AnyQuestion] = (),
    knockout_ids: Collection[Any] = (),
    keywords: Iterable[str] = (),
    scorecard_name: str = "",
    scorecard_criteria: list[dict[str, Any]] | None = None,
    ip: str | None = None,
    **fields: Any,
) -> Interview:
    """Create an interview with its questions (in order; survey questions whose id is in
    ``knockout_ids`` are knockouts), keywords and scorecard template, and audit it.

    Every interview starts with a scorecard template: ``scorecard_criteria`` (see
    ``scorecard_template_save``), else the standard four criteria.
    """
    from accounts.audit import audit_record
    from interviews.services.scorecards import (
        scorecard_template_create_default,
        scorecard_template_save,
    )

    unknown = set(fields) - set(EDITABLE_FIELDS)
    if unknown:
        raise TypeError(f"interview_create() got unknown fields: {', '.join(sorted(unknown))}")
    interview = Interview(team=team, title=title.strip(), created_by=by, **fields)
    if interview.status == Interview.Status.ARCHIVED:
        interview.archived_at = timezone.now()
    _validate(interview)
    interview.save()
    for question in questions:
        interview_question_add(
            interview=interview, question=question, knockout=question.pk in knockout_ids
        )
    if keywords:
        interview_update_keywords(interview=interview, add=keywords)
    if scorecard_criteria is None:
        scorecard_template_create_default(interview=interview)
    else:
        scorecard_template_save(
            interview=interview, name=scorecard_name, criteria=scorecard_criteria
        )
    audit_record(action="interview.created", actor=by, team=team, obj=interview, ip=ip)
    interview_created(interview=interview, by=by)
    return interview


@transaction.atomic
def interview_update(
    *,
    interview: Interview,
    keywords: Iterable[str] | None = None,
    keywords_add: Iterable[str] = (),
    keywords_remove: Iterable[str] = (),
    **fields: Any,
) -> Interview:
    """Change an interview's settings and keywords, and send ``interview.updated``.

    ``status`` also sets or clears ``archived_at``. ``keywords`` replaces the keywords (the
    settings form); ``keywords_add``/``keywords_remove`` change some (the API's PATCH).
    """
    unknown = set(fields) - set(EDITABLE_FIELDS)
    if unknown:
        raise TypeError(f"interview_update() got unknown fields: {', '.join(sorted(unknown))}")
    if keywords is not None and (keywords_add or keywords_remove):
        raise TypeError("interview_update() takes keywords, or keywords_add/keywords_remove")
    was_archived = interview.status == Interview.Status.ARCHIVED
    for name, value in fields.items():
        setattr(interview, name, value.strip() if name == "title" else value)
    if "status" in fields:
        archived = interview.status == Interview.Status.ARCHIVED
        if archived and interview.archived_at is None:
            interview.archived_at = timezone.now()
        elif not archived:
            interview.archived_at = None
    _validate(interview)
    # Only what changed: a full save would write back this object's counters and question-list
    # version, undoing a change another request made since it was read.
    changed = [*fields, "updated_at", *(["archived_at"] if "status" in fields else [])]
    interview.save(update_fields=changed)
    if keywords is not None:
        interview_set_keywords(interview=interview, keywords=keywords)
    elif keywords_add or keywords_remove:
        interview_update_keywords(interview=interview, add=keywords_add, remove=keywords_remove)
    interview_updated(interview=interview)
    if interview.status == Interview.Status.ARCHIVED and not was_archived:
        interview_archived(interview=interview)
    return interview


@transaction.atomic
def interview_set_status(*, interview: Interview, status: int) -> Interview:
    if status not in Interview.Status.values:
        raise ValidationError(
            {"status": "Status must be 0 (active), 1 (paused), 2 (closed) or 3 (archived)."}
        )
    return interview_update(interview=interview, status=status)


@transaction.atomic
def interview_bulk_set_status(*, team: Team, ids: Iterable[Any], status: int) -> int:
    """Set the status of many of ``team``'s interviews at once; returns how many changed.

    Every id must be one of the team's interviews, else nothing changes.
    """
    if status not in Interview.Status.values:
        raise ValidationError(
            {"status": "Status must be 0 (active), 1 (paused), 2 (closed) or 3 (archived)."}
        )
    wanted = {str(i) for i in ids}
    if not wanted:
        raise ValidationError({"ids": "Select at least one interview."})
    interviews = list(Interview.objects.for_team(team).select_for_update().filter(pk__in=wanted))
    if len(interviews) != len(wanted):
        raise ValidationError({"ids": "Some of the selected interviews do not exist in this team."})
    now = timezone.now()
    archived_at = now if status == Interview.Status.ARCHIVED else None
    changed = [i for i in interviews if i.status != status]
    for interview in changed:
        interview.status = status
        if status != Interview.Status.ARCHIVED or interview.archived_at is None:
            interview.archived_at = archived_at
        interview.updated_at = now
    Interview.objects.bulk_update(changed, ["status", "archived_at", "updated_at"])
    interviews_changed(interviews=changed, archived=status == Interview.Status.ARCHIVED)
    return len(changed)


@transaction.atomic
def interview_agent_secret_rotate(*, interview: Interview) -> str:
    """Issue a new secret for the AI voice agent (``X-Agent-Secret``); the old one stops working.

    Returns the secret; only its SHA-256 is stored, so it can be shown once.
    """
    import hashlib
    import secrets

    secret = secrets.token_urlsafe(32)
    interview.agent_secret_hash = hashlib.sha256(secret.encode()).hexdigest()
    interview.save(update_fields=["agent_secret_hash", "updated_at"])
    return secret


def _results_url(interview_id: Any) -> str:
    """The interview's results page. Reversed when the email is written, not at import: the
    candidates app's URLs import this module's neighbours."""
    from django.conf import settings
    from django.urls import reverse

    return settings.SITE_URL + reverse("candidates:interview_results", args=[interview_id])


def _email_new_reviewer(interview: Interview, user: User, by: User | None) -> None:
    from django.template.loader import render_to_string

    from accounts.tasks import send_email

    context = {
        "interview": interview,
        "user": user,
        "by": by.display_name if by else "A colleague",
        "url": _results_url(interview.pk),
    }
    send_email.delay(
        f"You can now review candidates for {interview.title}",
        render_to_string("interviews/emails/reviewer_added.txt", context),
        [user.email],
    )


@transaction.atomic
def interview_reviewers_set(
    *, interview: Interview, users: Iterable[User], by: User | None
) -> list[User]:
    """Make ``users`` the interview's reviewers (the hiring managers who see its candidates).

    Each must be a hiring manager in the interview's team. The change is audited, and reviewers
    newly added are emailed a link to the interview's results. Returns the newly added users.
    """
    from accounts.audit import audit_record
    from accounts.models import Membership, Role

    users = list(dict.fromkeys(users))
    managers = set(
        Membership.objects.filter(
            team_id=interview.team_id, role=Role.HIRING_MANAGER, user__in=users
        ).values_list("user_id", flat=True)
    )
    refused = [u for u in users if u.pk not in managers]
    if refused:
        names = ", ".join(u.email for u in refused)
        raise ValidationError(
            {"reviewers": f"Only hiring managers of this team can review it (not {names})."}
        )
    before = set(interview.reviewers.values_list("pk", flat=True))
    after = {u.pk for u in users}
    if before == after:
        return []
    interview.reviewers.set(users)
    added = [u for u in users if u.pk not in before]
    audit_record(
        action="interview.reviewers_changed",
        actor=by,
        team=interview.team,
        obj=interview,
        data={
            "added": [str(u.pk) for u in added],
            "removed": [str(pk) for pk in before - after],
        },
    )
    for user in added:
        transaction.on_commit(
            lambda user=user: _email_new_reviewer(interview, user, by)  # type: ignore[misc]
        )
    return added
