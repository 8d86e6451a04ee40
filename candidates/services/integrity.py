"""Integrity as evidence, not surveillance (issue 18, item 8).

An interview may note a few plain facts for its reviewers (``Interview.integrity_facts``, off by
default). They are noted only for a candidate who was told on the consent page
(``CandidateInterview.integrity_told_at``), and they are facts with times, never a score:

* **page hidden**: the candidate's browser reports that the interview page was hidden (another
  tab or app in front) for N seconds while a question was on screen;
* **text pasted**: N characters were pasted into a written answer;
* **near-duplicate**: after a written answer is saved or a recording transcribed, its words
  are compared (the multilingual-e5-small embedding that ships with Panelist) with the other
  told candidates' answers to the same question; a pair at or above ``NEAR_DUPLICATE_AT``
  cosine similarity is noted on both answers.

Nothing is inferred from face, voice or emotion; a fact never changes a status or a score; a
candidate who declined AI evaluation (the human-only lane) is not compared at all.
"""

from __future__ import annotations

import logging
import re
from datetime import timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import numpy as np
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from candidates.models import AnswerEmbedding, CandidateInterview, IntegrityFact
from candidates.ratelimit import RateLimit, rate_limit_hit
from interviews.models import Interview, InterviewQuestion
from kit import limits

if TYPE_CHECKING:
    from candidates.models import Answer

logger = logging.getLogger(__name__)

Kind = IntegrityFact.Kind
# The facts a candidate's browser reports; near-duplicates are found by the pipeline.
BROWSER_KINDS = (Kind.PAGE_HIDDEN, Kind.PASTE)

# E5 similarities sit high: unrelated answers to one question score about 0.75-0.85, a close
# paraphrase 0.9 or more; 0.95 is kept for answers that are nearly the same text
# (bench/integrity prints the figures this was chosen from).
NEAR_DUPLICATE_AT = 0.95
# Short answers ("Yes, I have a licence.") are alike by nature: not compared.
NEAR_DUPLICATE_MIN_WORDS = 25
# The most recent answers to the same question an answer is compared with.
COMPARE_WITH = 2000
# At most this many near-duplicates are noted per answer (the closest).
NOTE_AT_MOST = 3

PER_MINUTE = RateLimit(scope="integrity-facts", limit=30, window_seconds=60)

_WORD = re.compile(r"\w+", re.UNICODE)


class IntegrityRefused(Exception):
    """The fact is not noted: the candidate was not told, or the browser sent too many."""

    def __init__(self, message: str, *, status: int) -> None:
        super().__init__(message)
        self.status = status


def integrity_noted(interview: Interview) -> bool:
    """Whether the interview notes integrity facts: turned on, and asked question by question
    (an AI chat interview has no question pages to note them on)."""
    return interview.integrity_facts and interview.interview_type != Interview.InterviewType.AI


def integrity_told(invite: CandidateInterview) -> bool:
    """Whether facts may be noted for this invite: the candidate was told before starting."""
    return invite.integrity_told_at is not None


def _count(value: Any, *, field: str, most: int) -> int:
    """A whole number of at least 1 from the browser; more than ``most`` counts as ``most``."""
    try:
        number = int(str(value).strip())
    except (TypeError, ValueError):
        raise ValidationError({field: f"{field} must be a whole number."}) from None
    if number < 1:
        raise ValidationError({field: f"{field} must be at least 1."})
    return min(number, most)


def integrity_fact_record(
    *, invite: CandidateInterview, item: InterviewQuestion, kind: str, value: Any
) -> IntegrityFact:
    """Note what the candidate's browser reported while ``item`` was on screen: the page was
    hidden for ``value`` seconds (counted up to a day), or ``value`` characters were pasted
    into its written answer.

    Raises ``ValidationError`` naming the field for bad input, and ``IntegrityRefused`` (with
    an HTTP status) when facts are not noted for this invite (403) or the browser reported more
    than ``PER_MINUTE`` a minute or ``limits.INTEGRITY_FACTS`` in all (429). Nothing is saved
    then.
    """
    if kind not in BROWSER_KINDS:
        raise ValidationError({"kind": "kind must be page_hidden or paste."})
    if kind == Kind.PASTE and item.kind == InterviewQuestion.Kind.AUDIO:
        raise ValidationError({"kind": "paste is noted only for a written answer."})
    if kind == Kind.PAGE_HIDDEN:
        amount = {"seconds": _count(value, field="seconds", most=limits.INTEGRITY_SECONDS)}
    else:
        amount = {"characters": _count(value, field="characters", most=limits.WRITTEN_ANSWER)}
    if not integrity_told(invite):
        raise IntegrityRefused("Integrity facts are not noted for this interview.", status=403)
    if not rate_limit_hit(PER_MINUTE, str(invite.pk)).allowed:
        raise IntegrityRefused("Too many reports; try again in a minute.", status=429)
    now = timezone.now()
    with transaction.atomic():
        # One report at a time per invite, so the cap holds under concurrent reports.
        CandidateInterview.objects.select_for_update().filter(pk=invite.pk).first()
        noted = IntegrityFact.objects.filter(
            candidate_interview=invite, kind__in=BROWSER_KINDS
        ).count()
        if noted >= limits.INTEGRITY_FACTS:
            raise IntegrityRefused(
                f"At most {limits.INTEGRITY_FACTS} facts are noted per interview.", status=429
            )
        return IntegrityFact.objects.create(
            candidate_interview=invite,
            interview_question=item,
            kind=kind,
            occurred_at=now - timedelta(seconds=amount.get("seconds", 0)),
            **amount,
        )


# --- near-duplicates (the processing pipeline's ``similar`` step)


def compares_answers(invite: CandidateInterview) -> bool:
    """Whether the pipeline compares this invite's answers: told, and not in the human-only
    lane (a candidate who declined AI evaluation is not read by a model beyond transcription)."""
    return integrity_told(invite) and not invite.ai_evaluation_declined


def answer_words(answer: Answer) -> str:
    return (answer.text or answer.transcript or "").strip()


def near_duplicates_find(*, answer: Answer) -> list[IntegrityFact]:
    """Keep the answer's embedding and note the other told candidates' answers to the same
    question that are nearly the same (both ways). Idempotent: a pair found again is not
    noted twice. Returns the facts of the pairs found. An answer too short to compare, or a
    server without the embedding model, notes nothing (the latter says so in the log)."""
    from speech.evaluators import EMBEDDING_MODEL, EvaluatorUnavailable, embed

    invite = answer.candidate_interview
    text = answer_words(answer)
    if not compares_answers(invite) or answer.interview_question_id is None:
        return []
    if len(_WORD.findall(text)) < NEAR_DUPLICATE_MIN_WORDS:
        return []
    try:
        vector = embed([text])[0].astype(np.float32)
    except EvaluatorUnavailable as exc:
        logger.warning("Near-duplicates of answer %s not looked for: %s", answer.pk, exc)
        return []
    AnswerEmbedding.objects.update_or_create(
        answer=answer,
        defaults={
            "interview_question_id": answer.interview_question_id,
            "vector": vector.tobytes(),
            "model": EMBEDDING_MODEL,
        },
    )
    others = list(
        AnswerEmbedding.objects.filter(
            interview_question_id=answer.interview_question_id, model=EMBEDDING_MODEL
        )
        .exclude(answer__candidate_interview=invite)
        # The same person invited twice is not "another candidate".
        .exclude(answer__candidate_interview__candidate_id=invite.candidate_id)
        .order_by("-created_at")
        .values_list("answer_id", "answer__candidate_interview_id", "vector")[:COMPARE_WITH]
    )
    if not others:
        return []
    matrix = np.frombuffer(b"".join(bytes(v) for _a, _i, v in others), dtype=np.float32)
    scores = matrix.reshape(len(others), -1) @ vector
    close = sorted(
        ((float(score), n) for n, score in enumerate(scores) if score >= NEAR_DUPLICATE_AT),
        reverse=True,
    )[:NOTE_AT_MOST]
    now = timezone.now()
    facts: list[IntegrityFact] = []
    for score, n in close:
        other_answer_id, other_invite_id, _vector = others[n]
        similarity = Decimal(str(round(min(score, 1.0), 3)))
        # Noted on both answers, each pointing at the other.
        for invite_id, answer_id, similar_id in (
            (invite.pk, answer.pk, other_answer_id),
            (other_invite_id, other_answer_id, answer.pk),
        ):
            facts.append(
                IntegrityFact(
                    candidate_interview_id=invite_id,
                    interview_question_id=answer.interview_question_id,
                    kind=Kind.NEAR_DUPLICATE,
                    answer_id=answer_id,
                    similar_answer_id=similar_id,
                    similarity=similarity,
                    occurred_at=now,
                )
            )
    return IntegrityFact.objects.bulk_create(facts, ignore_conflicts=True)


# --- what reviewers and the API read


def integrity_facts_of(invite: CandidateInterview) -> list[IntegrityFact]:
    """The invite's facts, oldest first, with what the review page shows of each (one query)."""
    return list(
        IntegrityFact.objects.filter(candidate_interview=invite)
        .select_related("similar_answer")
        .order_by("occurred_at", "pk")
    )


def facts_by_question(invite: CandidateInterview) -> dict[Any, list[IntegrityFact]]:
    """The invite's facts by question (``interview_question_id``), each with its ``sentence``."""
    grouped: dict[Any, list[IntegrityFact]] = {}
    for fact in integrity_facts_of(invite):
        fact.sentence = fact_sentence(fact)  # type: ignore[attr-defined]
        grouped.setdefault(fact.interview_question_id, []).append(fact)
    return grouped


def fact_sentence(fact: IntegrityFact) -> str:
    """The fact in plain words, as reviewers read it (the time is shown beside it)."""
    if fact.kind == Kind.PAGE_HIDDEN:
        seconds = fact.seconds or 0
        span = f"{seconds} s" if seconds < 120 else f"{seconds // 60} min {seconds % 60} s"
        return f"The page was hidden for {span} while this question was on screen."
    if fact.kind == Kind.PASTE:
        return f"{fact.characters:,} characters were pasted into the answer."
    if fact.similar_answer_id is None:
        return (
            f"Nearly identical (similarity {fact.similarity}) to another candidate's answer "
            "that has since been deleted."
        )
    return f"Nearly identical (similarity {fact.similarity}) to another candidate's answer."
