"""A candidate's decision file: the plain-language record of their process, composed from the
data as it stands. One composer (``decision_file_compose``) feeds the team's review page, the
email that sends it and the API, so what a reviewer checks is what the candidate gets.

What it says: what was collected (which answers of which kind, recordings and transcripts,
consent), when it will be deleted (the team's retention), the AI advice on each answer with its
evidence (or that the candidate declined AI, or that none was made), whether an accommodation
applied (yes or no, never which or why), and who decided what and when. What it never says: the
voluntary self-identification answers (only that they are kept apart and never used in review),
reviewers' private notes and comments, or any internal id.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.template.loader import render_to_string
from django.utils import timezone, translation

from candidates.models import (
    Answer,
    CandidateInterview,
    CriterionScore,
    DecisionFileRequest,
    Evaluation,
    IntegrityFact,
    SelfIdentification,
    Turn,
)
from candidates.scores import round_score
from candidates.services.privacy import deletion_dates
from interviews.models import InterviewQuestion
from kit.limits import clip

Decision = CandidateInterview.Decision
EvalStatus = Evaluation.Status
# A question's words in the file: enough to recognise it, not a page of a case study.
PROMPT_CHARS = 300


# ---------------------------------------------------------------- the team's lists


def decision_file_requests(*, team: Any, status: str = "") -> QuerySet[DecisionFileRequest]:
    """The team's requests (``status``: one of ``DecisionFileRequest.Status``, or all), oldest
    open first, with what the list shows in one query."""
    rows = DecisionFileRequest.objects.for_team(team).select_related(
        "candidate_interview__candidate", "candidate_interview__interview", "sent_by"
    )
    if status:
        rows = rows.filter(status=status)
    return rows.order_by("requested_at") if status == "requested" else rows


def open_decision_file(invite: CandidateInterview) -> DecisionFileRequest | None:
    """The invite's request waiting to be sent, if any (at most one: a named constraint)."""
    return (
        DecisionFileRequest.objects.filter(
            candidate_interview=invite, status=DecisionFileRequest.Status.REQUESTED
        )
        .order_by("-requested_at")
        .first()
    )


# ---------------------------------------------------------------- the record


@dataclass(frozen=True)
class Criterion:
    name: str
    score: int
    reviewer_score: int | None  # a reviewer's own score beside the AI's, if one was given
    evidence: str


@dataclass(frozen=True)
class Advice:
    """The AI's advice on one answer (or on the whole interview)."""

    state: str  # "advice", "abstained" (read, no advice), "none" (could not), "pending"
    score: Decimal | None = None
    criteria: tuple[Criterion, ...] = ()
    model: str = ""


@dataclass(frozen=True)
class Item:
    number: int
    prompt: str
    kind: str  # "audio", "survey" or "ai_text"
    collected: str  # "video", "audio", "transcript", "written", "survey" or "" (no answer)
    transcript: bool
    advice: Advice | None  # None: no AI looked at it (a survey, or AI declined)


@dataclass
class DecisionFile:
    """Everything the file says, as plain values; rendered by ``decision_file_text`` and
    ``decision_file_html`` in ``language``."""

    language: str
    first_name: str
    team_name: str
    interview_name: str
    composed_at: datetime
    contact: tuple[str, ...]  # "email", "phone"
    completed_at: datetime | None
    consented_at: datetime | None
    items: list[Item] = field(default_factory=list)
    conversation: bool = False  # an AI chat interview's transcript
    whole_advice: Advice | None = None
    ai_declined_at: datetime | None = None
    self_identified: bool = False
    accommodation: bool = False
    # Integrity facts noted for reviewers (candidates.services.integrity); None: not noted.
    integrity_facts: int | None = None
    reviewers: int = 0
    decision: str = ""  # "advance", "reject" or "" (none, or on hold)
    decided_by: str = ""
    decided_at: datetime | None = None
    retention_months: int = 0
    delete_after: datetime | None = None
    media_retention_months: int | None = None
    media_delete_after: datetime | None = None
    note: str = ""

    @property
    def ai_advice_count(self) -> int:
        advices = [i.advice for i in self.items] + [self.whole_advice]
        return sum(1 for a in advices if a is not None and a.state == "advice")

    @property
    def ai_used(self) -> bool:
        return self.whole_advice is not None or any(i.advice is not None for i in self.items)

    @property
    def has_surveys(self) -> bool:
        return any(i.kind == InterviewQuestion.Kind.SURVEY and i.collected for i in self.items)

    @property
    def has_recordings(self) -> bool:
        return any(i.collected in ("video", "audio") for i in self.items)


def _file_invites() -> QuerySet[CandidateInterview]:
    """Invites with everything the file reads, in a fixed number of queries."""
    current = (
        Evaluation.objects.filter(is_current=True)
        .order_by("-version")
        .prefetch_related(Prefetch("scores", queryset=CriterionScore.objects.order_by("id")))
    )
    answers = (
        Answer.objects.order_by("attempt", "created_at")
        .annotate(has_turns=Exists(Turn.objects.filter(answer=OuterRef("pk"))))
        .prefetch_related(Prefetch("evaluations", queryset=current, to_attr="current"))
    )
    items = InterviewQuestion.objects.select_related(
        "audio_question", "survey_question", "ai_text_question"
    ).order_by("ordinal")
    return (
        CandidateInterview.objects.select_related("candidate", "interview", "team", "decided_by")
        .annotate(
            submitted_scorecards=Count(
                "scorecards", filter=Q(scorecards__submitted_at__isnull=False), distinct=True
            ),
            self_identified=Exists(
                SelfIdentification.objects.filter(candidate_interview=OuterRef("pk"))
            ),
            conversation=Exists(
                Turn.objects.filter(candidate_interview=OuterRef("pk"), answer__isnull=True)
            ),
            integrity_count=Coalesce(
                Subquery(
                    IntegrityFact.objects.filter(candidate_interview=OuterRef("pk"))
                    .order_by()
                    .values("candidate_interview")
                    .annotate(n=Count("pk"))
                    .values("n")
                ),
                0,
            ),
        )
        .prefetch_related(Prefetch("answers", queryset=answers))
        .prefetch_related(Prefetch("interview__items", queryset=items))
        .prefetch_related(
            Prefetch(
                "evaluations",
                queryset=current.filter(answer__isnull=True),
                to_attr="whole_evaluations",
            )
        )
    )


def _advice(evaluation: Evaluation | None) -> Advice | None:
    if evaluation is None:
        return None
    if evaluation.status == EvalStatus.COMPLETED:
        return Advice(
            state="advice",
            score=round_score(evaluation.overall_score),
            criteria=tuple(
                Criterion(
                    name=s.criterion_name,
                    score=s.score,
                    reviewer_score=s.override_score,
                    evidence=s.evidence,
                )
                for s in evaluation.scores.all()
            ),
            model=" ".join(p for p in (evaluation.provider, evaluation.model_name) if p),
        )
    if evaluation.status == EvalStatus.ABSTAINED:
        return Advice(state="abstained")
    if evaluation.status == EvalStatus.PENDING:
        return Advice(state="pending")
    return Advice(state="none")


def _collected(item: InterviewQuestion, answer: Answer | None) -> str:
    if answer is None:
        return ""
    if item.kind == InterviewQuestion.Kind.AUDIO:
        if answer.media:
            return "video" if answer.media_type.startswith("video") else "audio"
        return "transcript" if answer.transcript or getattr(answer, "has_turns", False) else ""
    if item.kind == InterviewQuestion.Kind.SURVEY:
        return "survey"
    return "written" if answer.text else ""


def _items(invite: CandidateInterview) -> list[Item]:
    items = list(invite.interview.items.all())
    if invite.question_order:
        position = {str(pk): n for n, pk in enumerate(invite.question_order)}
        # Only the questions this candidate was given (a random subset leaves some out).
        items = [i for i in items if str(i.pk) in position]
        items.sort(key=lambda item: position[str(item.pk)])
    latest: dict[Any, Answer] = {}
    for attempt in invite.answers.all():  # by attempt: the last one wins
        latest[attempt.interview_question_id] = attempt
    declined = invite.ai_evaluation_declined
    out = []
    for number, item in enumerate(items, start=1):
        answer = latest.get(item.pk)
        evaluations: list[Evaluation] = getattr(answer, "current", []) if answer else []
        advice = None if declined else _advice(evaluations[0] if evaluations else None)
        out.append(
            Item(
                number=number,
                prompt=clip(" ".join(item.display_text.split()), PROMPT_CHARS),
                kind=item.kind,
                collected=_collected(item, answer),
                transcript=bool(
                    answer is not None
                    and item.kind == InterviewQuestion.Kind.AUDIO
                    and (answer.transcript or getattr(answer, "has_turns", False))
                ),
                advice=advice,
            )
        )
    return out


def decision_file_compose(
    *, invite: CandidateInterview, note: str = "", language: str = "", now: datetime | None = None
) -> DecisionFile:
    """The file of ``invite`` as the data stands now (reads the invite again, fully)."""
    full = _file_invites().get(pk=invite.pk)
    candidate = full.candidate
    delete_after, media_delete_after = deletion_dates(candidate=candidate)
    whole: list[Evaluation] = getattr(full, "whole_evaluations", [])
    decided = full.decision in (Decision.ADVANCE, Decision.REJECT)
    decider = full.decided_by
    return DecisionFile(
        language=language or full.page_language,
        first_name=candidate.first_name,
        team_name=full.team.name,
        interview_name=full.interview.name_for_candidates,
        composed_at=now or timezone.now(),
        contact=tuple(name for name in ("email", "phone") if getattr(candidate, name)),
        completed_at=full.completed_at,
        consented_at=full.consented_at,
        items=_items(full),
        conversation=bool(getattr(full, "conversation", False)),
        whole_advice=None if full.ai_evaluation_declined else _advice(whole[0] if whole else None),
        ai_declined_at=full.ai_declined_at,
        self_identified=bool(getattr(full, "self_identified", False)),
        accommodation=full.has_accommodation,
        integrity_facts=int(getattr(full, "integrity_count", 0))
        if full.integrity_told_at is not None
        else None,
        reviewers=int(getattr(full, "submitted_scorecards", 0)),
        decision=full.decision if decided else "",
        decided_by=(decider.full_name if decider is not None else "") if decided else "",
        decided_at=full.decided_at if decided else None,
        retention_months=full.team.retention_months,
        delete_after=delete_after,
        media_retention_months=full.team.media_retention_months,
        media_delete_after=media_delete_after,
        note=note.strip(),
    )


def decision_file_text(record: DecisionFile) -> str:
    """The file as plain text, in its language: what the email's text part carries and what
    is kept as sent."""
    with translation.override(record.language):
        text = render_to_string("candidates/decision_files/record.txt", {"file": record})
    lines = [line.rstrip() for line in text.splitlines()]
    # The template's tags leave blank lines; keep single blank lines between paragraphs only.
    out: list[str] = []
    for line in lines:
        if line or (out and out[-1]):
            out.append(line)
    return "\n".join(out).strip() + "\n"


def decision_file_html(record: DecisionFile) -> str:
    """The file as an HTML fragment (the review page and the email's HTML part)."""
    with translation.override(record.language):
        return render_to_string("candidates/decision_files/_record.html", {"file": record})
