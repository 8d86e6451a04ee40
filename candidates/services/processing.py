"""The answer-processing pipeline: transcribe, score, spot keywords, evaluate.

``answer_process`` runs the steps an answer's kind needs, each recorded in ``answer.processing``
(``{"status": "pending|running|done|failed|skipped", "error", "at"}``) and skipped when already
done, so running it again (a retried task, a second worker) changes nothing:

* a recorded answer: ``remux`` (a duration, cues and a Safari rendition: see
  ``candidates.recordings``), ``transcribe`` (its words and one candidate Turn per segment),
  ``keywords``, ``evaluate``;
* a survey answer: ``score`` (and ``keywords`` for free text);
* an AI text answer: ``keywords``, ``evaluate``;
* and, for a candidate told that integrity facts are noted, ``similar`` after ``keywords`` on
  answers with words (``candidates.services.integrity``): never fails the answer.

The answer moves submitted → processing → processed, or failed with the failing step's reason.
Transient failures (the speech or language model server is down) leave the answer processing
and propagate, so the Celery task retries later. A ``remux`` that cannot be done (or was cut
short) is marked skipped with its reason and never fails the answer: the recording stays as
uploaded and the other steps run.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from datetime import datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from candidates.models import Answer, CandidateInterview, Evaluation, Turn
from candidates.services.evaluations import answer_evaluate, answer_request
from interviews.models import InterviewQuestion, Keyword, SurveyOption, SurveyQuestion
from kit import limits
from kit.limits import clip
from speech.evaluation import TransientEvaluationError

if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence

    from speech.stt import Transcript

SurveyType = SurveyQuestion.SurveyType
Kind = InterviewQuestion.Kind

TRANSCRIBE, SCORE, KEYWORDS, EVALUATE = "transcribe", "score", "keywords", "evaluate"
REMUX = "remux"
# Integrity facts (candidates.services.integrity): near-duplicates of other candidates' answers.
SIMILAR = "similar"
STEP_NAMES = {
    REMUX: "recording preparation",
    TRANSCRIBE: "transcription",
    SCORE: "survey scoring",
    KEYWORDS: "keyword search",
    EVALUATE: "AI evaluation",
    SIMILAR: "comparison with other answers",
    "process": "processing",
}
FINISHED = ("done", "skipped")


# A step "running" for longer than this was cut short (a killed worker): another run may redo it.
LEASE = timedelta(minutes=15)

# Starts of one step that found it still "running" (its worker was killed: out of memory, a
# restart) before the answer fails, so a recording that kills workers cannot come back forever.
MAX_INTERRUPTED = 3

logger = logging.getLogger(__name__)


class StepFailed(Exception):
    """A step failed for good (a damaged recording, a refused transcription): the answer fails."""


class AnswerBusy(Exception):
    """Another run is processing this answer right now."""


# ---------------------------------------------------------------- survey scoring


def _weight(option: SurveyOption) -> Decimal:
    """An option's points: its weight, else 1 for a preferred option and 0 for another."""
    if option.weight is not None:
        return option.weight
    return Decimal(1) if option.is_preferred else Decimal(0)


def _scored(options: Sequence[SurveyOption]) -> bool:
    """Whether a choice question scores at all: some weight, or some preferred option."""
    return any(o.weight is not None or o.is_preferred for o in options)


def survey_answer_score(*, answer: Answer) -> tuple[Decimal | None, bool]:
    """The survey answer's score and whether it trips its knockout (see ``survey_score``)."""
    item = answer.interview_question
    if item is None or item.survey_question is None:
        return None, False
    return survey_score(
        item=item,
        text=answer.text,
        chosen=list(answer.selected_options.all()),
        options=list(item.survey_question.options.all()),
    )


def survey_score(
    *,
    item: InterviewQuestion,
    text: str,
    chosen: Sequence[SurveyOption],
    options: Sequence[SurveyOption],
) -> tuple[Decimal | None, bool]:
    """The score of a survey answer (``text`` and the ``chosen`` of the question's ``options``)
    and whether it trips the item's knockout, following the seeds:

    * FREE_TEXT: no score.
    * YES_NO: 1 for the preferred option, 0 for the other; no score without a preferred option.
    * THUMBS_UP_DOWN, MULTIPLE_CHOICE, MULTIPLE_CHOICE_WEIGHTED (one choice): the chosen
      option's weight (a preferred option without a weight counts 1, another 0).
    * MULTIPLE_CHOICE_MULTIPLE_ANSWER: the sum of the chosen options' weights; with
      ``select_all_for_full_score`` it is all or nothing: the full score (the preferred options'
      sum) only when exactly the preferred options are chosen, else 0.

    A knockout item flags (never rejects) an answer that is not the preferred one. Questions
    with no preferred option (and no weights) neither score nor flag. Pure: the demo seed
    scores its unsaved answers with it too.
    """
    question = item.survey_question
    if question is None:
        return None, False
    kind = question.survey_type
    if kind == SurveyType.FREE_TEXT:
        return None, False
    if kind == SurveyType.YES_NO:
        if not question.preferred_option:
            return None, False
        preferred = text.strip().upper() == question.preferred_option
        return Decimal(1 if preferred else 0), item.knockout and not preferred
    if not chosen or not _scored(options):
        return None, False
    preferred_ids = {o.pk for o in options if o.is_preferred}
    chosen_ids = {o.pk for o in chosen}
    if kind == SurveyType.MULTIPLE_CHOICE_MULTIPLE_ANSWER:
        if question.select_all_for_full_score and preferred_ids:
            full = sum((_weight(o) for o in options if o.is_preferred), Decimal(0))
            exact = chosen_ids == preferred_ids
            return (full if exact else Decimal(0)), item.knockout and not exact
        score = sum((_weight(o) for o in chosen), Decimal(0))
        not_preferred = bool(preferred_ids) and not chosen_ids <= preferred_ids
        return score, item.knockout and not_preferred
    option = chosen[0]
    not_preferred = bool(preferred_ids) and option.pk not in preferred_ids
    return _weight(option), item.knockout and not_preferred


# ---------------------------------------------------------------- keyword spotting

# Tolerated endings on a keyword's last word: plurals (-s, -es, -ies for -y) and the
# possessive. Deliberately no stemming beyond that: "manage" does not find "management".
_SUFFIX = r"(?:s|es|'s|’s|s'|s’)?"


def _pattern(keyword: str) -> re.Pattern[str] | None:
    words = keyword.split()
    if not words:
        return None
    parts = [re.escape(w) for w in words]
    last = words[-1]
    if len(last) > 2 and last[-1].lower() == "y" and last[-2].lower() not in "aeiou":
        parts[-1] = f"(?:{re.escape(last)}|{re.escape(last[:-1])}ies)"
    # Words of a phrase may be split by spaces, line breaks or hyphens ("machine-learning").
    body = r"[\s\-]+".join(parts)
    tail = _SUFFIX if last[-1].isalnum() else ""
    return re.compile(rf"(?<![\w]){body}{tail}(?![\w])", re.IGNORECASE)


def keywords_find(
    keywords: Iterable[str], texts: Sequence[tuple[int | None, str]]
) -> list[dict[str, Any]]:
    """``[{"keyword", "count", "turns"}]`` for each keyword found in ``texts`` ((turn number or
    None, text) pairs). Case-insensitive, whole words and phrases only ("java" is not in
    "javascript"), tolerant of simple plurals and possessives."""
    hits = []
    for keyword in keywords:
        pattern = _pattern(keyword)
        if pattern is None:
            continue
        count, turns = 0, []
        for number, text in texts:
            found = len(pattern.findall(text))
            if found:
                count += found
                if number is not None and number not in turns:
                    turns.append(number)
        if count:
            hits.append({"keyword": keyword, "count": count, "turns": turns})
    return hits


@transaction.atomic
def keywords_spot(*, answer: Answer) -> Answer:
    """Record in ``answer.keyword_hits`` where the interview's keywords occur: in a recorded
    answer's turns (with their numbers), else in its text."""
    keywords = list(
        Keyword.objects.filter(interview_id=answer.candidate_interview.interview_id)
        .order_by("text")
        .values_list("text", flat=True)
    )
    texts: list[tuple[int | None, str]]
    if answer.media:
        texts = [
            (number, content)
            for number, content in Turn.objects.filter(answer=answer)
            .order_by("turn_number")
            .values_list("turn_number", "content")
        ]
    else:
        texts = [(None, answer.text)]
    answer.keyword_hits = keywords_find(keywords, texts)
    Answer.objects.filter(pk=answer.pk).update(keyword_hits=answer.keyword_hits)
    return answer


# ---------------------------------------------------------------- transcription


def transcription_hints(answer: Answer) -> list[str]:
    """What the recogniser should expect to hear, most telling first: the interview's keywords,
    the names of the criteria the answer is judged on, and the question (the evaluator's own
    request, so both see the same words)."""
    request = answer_request(answer=answer)
    # The stand-in "Relevance" criterion of an interview without a scorecard adds no words.
    names = [] if request.rubric_source == "relevance" else [c.name for c in request.criteria]
    return [*request.keywords, *names, request.question]


def _transcribe(answer: Answer) -> Transcript:
    from speech.media import MediaError
    from speech.stt import STTError, TransientSTTError, get_transcriber

    try:
        with answer.media.open("rb") as handle:
            recording = handle.read()
        # The transcriber decodes any container a browser records (WebM, MP4, Ogg) with PyAV.
        return get_transcriber().transcribe(
            recording,
            language=answer.candidate_interview.base_language,
            hints=transcription_hints(answer),
        )
    except TransientSTTError:
        raise
    except (MediaError, OSError) as exc:
        raise StepFailed(f"The recording cannot be read: {exc}") from exc
    except STTError as exc:
        raise StepFailed(f"The transcription failed: {exc}") from exc


@transaction.atomic
def _store_transcript(answer: Answer, transcript: Transcript) -> None:
    """The transcript and one candidate Turn per segment, numbered after the invite's last turn.

    The invite row is locked, so two answers of one invite finishing together never take the
    same numbers.
    """
    invite = CandidateInterview.objects.select_for_update().get(pk=answer.candidate_interview_id)
    Turn.objects.filter(answer=answer).delete()
    top = Turn.objects.filter(candidate_interview=invite).aggregate(top=Max("turn_number"))["top"]
    lines = [
        (float(s.start), max(float(s.end), float(s.start)), clip(s.text.strip(), limits.TURN))
        for s in transcript.segments
        if s.text.strip()
    ]
    if not lines and transcript.text.strip():
        lines = [
            (0.0, float(transcript.duration or 0.0), clip(transcript.text.strip(), limits.TURN))
        ]
    Turn.objects.bulk_create(
        [
            Turn(
                candidate_interview=invite,
                answer=answer,
                turn_number=(top or 0) + i,
                role=Turn.Role.CANDIDATE,
                content=text,
                start_seconds=round(start, 2),
                end_seconds=round(end, 2),
            )
            for i, (start, end, text) in enumerate(lines, start=1)
        ]
    )
    answer.transcript = clip(transcript.text.strip(), limits.TRANSCRIPT)
    answer.transcript_language = transcript.language or ""
    answer.transcript_model = clip(transcript.model, 64)
    Answer.objects.filter(pk=answer.pk).update(
        transcript=answer.transcript,
        transcript_language=answer.transcript_language,
        transcript_model=answer.transcript_model,
    )


# ---------------------------------------------------------------- the pipeline


def answer_steps(answer: Answer) -> list[str]:
    """The steps ``answer`` goes through, in order. A candidate who declined AI evaluation
    (candidates.services.ai_choice) gets every step but ``evaluate`` (and ``similar``):
    transcribed, not scored."""
    from candidates.services.integrity import compares_answers

    steps = _kind_steps(answer)
    if EVALUATE in steps and answer.candidate_interview.ai_evaluation_declined:
        steps.remove(EVALUATE)
    # The answers with words (those searched for keywords) of a candidate told of integrity
    # facts are compared with other candidates' answers.
    if KEYWORDS in steps and compares_answers(answer.candidate_interview):
        steps.insert(steps.index(KEYWORDS) + 1, SIMILAR)
    return steps


def _kind_steps(answer: Answer) -> list[str]:
    item = answer.interview_question
    if answer.media:
        return [REMUX, TRANSCRIBE, KEYWORDS, EVALUATE]
    if item is not None and item.kind == Kind.SURVEY:
        assert item.survey_question is not None
        if item.survey_question.survey_type == SurveyType.FREE_TEXT:
            return [SCORE, KEYWORDS]
        return [SCORE]
    if item is not None and item.kind == Kind.AI_TEXT:
        return [KEYWORDS, EVALUATE]
    return [KEYWORDS]


def _mark(answer: Answer, step: str, status: str, error: str = "", run: str = "") -> None:
    before = (answer.processing or {}).get(step, {})
    mark: dict[str, Any] = {"status": status, "error": error, "at": timezone.now().isoformat()}
    if run:
        mark["run"] = run
    if before.get("interrupted"):
        mark["interrupted"] = before["interrupted"]
    answer.processing = {**(answer.processing or {}), step: mark}
    Answer.objects.filter(pk=answer.pk).update(processing=answer.processing)


def _load(answer_id: Any) -> Answer:
    return Answer.objects.select_related(
        "candidate_interview__interview",
        "candidate_interview__team",
        "interview_question__audio_question",
        "interview_question__survey_question",
        "interview_question__ai_text_question",
    ).get(pk=answer_id)


def _leased(answer: Answer, run: str) -> bool:
    """Whether another run holds the answer. A step left running by ``run`` itself was cut
    short: the same task, redelivered after its worker died, takes it over at once."""
    since = timezone.now() - LEASE
    return any(
        step.get("status") == "running"
        and datetime.fromisoformat(step["at"]) > since
        and not (run and step.get("run") == run)
        for step in (answer.processing or {}).values()
    )


@transaction.atomic
def _start(answer_id: Any, run: str) -> Answer | None:
    """Claim the answer for processing; None when there is nothing to do."""
    answer = Answer.objects.select_for_update().get(pk=answer_id)
    if answer.status in (Answer.Status.DRAFT, Answer.Status.PROCESSED):
        return None
    if answer.status == Answer.Status.PROCESSING and _leased(answer, run):
        raise AnswerBusy(f"Answer {answer.pk} is being processed by another run.")
    if answer.status != Answer.Status.PROCESSING:
        Answer.objects.filter(pk=answer.pk).update(status=Answer.Status.PROCESSING)
    return _load(answer_id)


def _score(answer: Answer) -> None:
    score, flagged = survey_answer_score(answer=answer)
    answer.survey_score, answer.knockout_flagged = score, flagged
    Answer.objects.filter(pk=answer.pk).update(survey_score=score, knockout_flagged=flagged)


def _evaluate(answer: Answer) -> None:
    evaluation = answer_evaluate(answer=answer)
    if evaluation.status == Evaluation.Status.FAILED:
        raise StepFailed(evaluation.error or "The evaluation failed.")


def _similar(answer: Answer) -> None:
    from candidates.services.integrity import near_duplicates_find

    near_duplicates_find(answer=answer)


def _remux(answer: Answer) -> None:
    from candidates.recordings import answer_recording_prepare

    answer_recording_prepare(answer=answer)


def _step(answer: Answer, name: str) -> Callable[[], object]:
    return {
        REMUX: lambda: _remux(answer),
        TRANSCRIBE: lambda: _store_transcript(answer, _transcribe(answer)),
        SCORE: lambda: _score(answer),
        KEYWORDS: lambda: keywords_spot(answer=answer),
        EVALUATE: lambda: _evaluate(answer),
        SIMILAR: lambda: _similar(answer),
    }[name]


def answer_process(*, answer_id: Any, run: str = "") -> Answer:
    """Run the answer's pending steps (idempotent; see the module docstring). ``run`` names the
    caller (its Celery task id) on the steps it runs, so that a redelivery of the same task
    may finish what a killed worker left running.

    Raises TransientSTTError / TransientEvaluationError (the step stays pending, the answer
    processing) for the caller to retry, and AnswerBusy when another run holds the answer.
    """
    from candidates.recordings import RecordingSkipped
    from speech.stt import TransientSTTError

    answer = _start(answer_id, run)
    if answer is None:
        return _load(answer_id)
    for name in answer_steps(answer):
        before = (answer.processing or {}).get(name, {})
        if before.get("status") in FINISHED:
            continue
        if before.get("status") == "running" and name == REMUX:
            # A recording that kills the worker while converting keeps its original form.
            _mark(answer, name, "skipped", "The conversion was cut short; kept as uploaded.")
            continue
        if before.get("status") == "running":
            cut_short = int(before.get("interrupted", 0)) + 1
            answer.processing[name] = {**before, "interrupted": cut_short}
            if cut_short >= MAX_INTERRUPTED:
                reason = (
                    f"The {STEP_NAMES[name]} was cut short {cut_short} times (the worker stopped "
                    "or ran out of memory) and was not tried again."
                )
                _mark(answer, name, "failed", reason)
                return answer_process_fail(answer_id=answer.pk, reason=reason)
        _mark(answer, name, "running", run=run)
        try:
            _step(answer, name)()
        except (TransientSTTError, TransientEvaluationError) as exc:
            _mark(answer, name, "pending", str(exc))
            raise
        except StepFailed as exc:
            _mark(answer, name, "failed", str(exc))
            return answer_process_fail(answer_id=answer.pk, reason=str(exc))
        except RecordingSkipped as exc:
            logger.warning("Recording of answer %s kept as uploaded: %s", answer.pk, exc)
            _mark(answer, name, "skipped", clip(str(exc), limits.REASON))
            continue
        _mark(answer, name, "done")
    Answer.objects.filter(pk=answer.pk).update(status=Answer.Status.PROCESSED)
    return _load(answer.pk)


def too_slow_reason(answer: Answer, seconds: int) -> str:
    """Why an answer failed when its task ran out of time, naming the step that was running."""
    steps = answer.processing or {}
    running = [n for n in answer_steps(answer) if steps.get(n, {}).get("status") == "running"]
    step = STEP_NAMES[running[0] if running else "process"]
    return (
        f"The {step} took longer than {seconds} s and was stopped; a shorter recording or a "
        "faster speech or language model server would help."
    )


def answer_process_fail(*, answer_id: Any, reason: str) -> Answer:
    """Give up on the answer: status failed, the reason on its unfinished step."""
    answer = _load(answer_id)
    steps = answer.processing or {}
    if not any(s.get("status") == "failed" for s in steps.values()):
        unfinished = [
            n for n in answer_steps(answer) if steps.get(n, {}).get("status") not in FINISHED
        ]
        _mark(answer, unfinished[0] if unfinished else "process", "failed", reason)
    Answer.objects.filter(pk=answer.pk).update(status=Answer.Status.FAILED)
    return _load(answer_id)


def answers_pending(*, invite: CandidateInterview) -> list[Answer]:
    """The invite's answers still to process: submitted, or left processing by a crash."""
    return list(
        Answer.objects.filter(
            candidate_interview=invite,
            status__in=[Answer.Status.SUBMITTED, Answer.Status.PROCESSING],
        ).order_by("created_at")
    )


# ---------------------------------------------------------------- triggers


def answer_process_enqueue(*, answer: Answer) -> None:
    """A new take or a changed text: forget what processing found in the earlier one and
    process the answer again in the background once the transaction commits. Its earlier
    evaluations stay in the history, no longer current."""
    from candidates.tasks import answer_process_task

    made = [n for n in (answer.playback.name, answer.rendition.name) if n]
    reset: dict[str, Any] = {
        "playback": "",
        "rendition": "",
        "rendition_type": "",
        "processing": {},
        "keyword_hits": [],
        "transcript": "",
        "transcript_language": "",
        "survey_score": None,
        "knockout_flagged": False,
    }
    Answer.objects.filter(pk=answer.pk).update(**reset)
    for name, value in reset.items():
        setattr(answer, name, value)
    Turn.objects.filter(answer=answer).delete()
    Evaluation.objects.filter(answer=answer, is_current=True).update(is_current=False)

    def forget_copies() -> None:  # the earlier take's seekable copy and rendition
        for name in made:
            default_storage.delete(name)

    if made:
        transaction.on_commit(forget_copies)
    answer_id = str(answer.pk)
    transaction.on_commit(lambda: answer_process_task.delay(answer_id))


def candidate_interview_process_enqueue(*, invite: CandidateInterview) -> None:
    """Process every answer of ``invite`` and write its report, once the transaction commits."""
    from candidates.tasks import candidate_interview_process

    invite_id = str(invite.pk)
    transaction.on_commit(lambda: candidate_interview_process.delay(invite_id))
