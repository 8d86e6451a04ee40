"""How long free text may be, in characters: the one table that model fields, forms,
serializers (and so the OpenAPI schema's ``maxLength``) and services read.

A database ``text`` column has no limit of its own, so without these one request could store
a megabyte that every page, export and speech or language model then has to carry. People's
text is refused when too long (a 400 or 422 naming the field and the limit); text the system
writes itself (transcripts, model output, error messages) is clipped with :func:`clip`.
``tests/test_limits.py`` fails on any model text field without a bound.
"""

from __future__ import annotations

import json
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator
from django.db import models
from django.utils.deconstruct import deconstructible

# --- written by people (refused when longer) -----------------------------------------------
QUESTION_SCRIPT = 2_000  # what a narrator speaks: a prompt of a few minutes
SURVEY_QUESTION_TEXT = 2_000  # what a survey question asks
AI_QUESTION_TEXT = 10_000  # a written question, which may set out a case to answer
SURVEY_OPTION = 300  # one choice of a survey question
DESCRIPTION = 2_000  # notes on a question or a scorecard criterion, for the team
INTERVIEW_DESCRIPTION = 10_000  # an interview's description (often the job's)
STRONG_ANSWER = 2_000  # what a strong answer to a rubric criterion shows
IDEAL_ANSWER = 5_000  # a rubric criterion's model answer
SCORECARD_ANCHOR = 300  # what one point of a scorecard's 1-5 scale means
MESSAGE = 10_000  # an interview's welcome and thank-you messages
NOTICE = 10_000  # a team's privacy and AI notices
FREE_TEXT_ANSWER = 10_000  # a survey's free-text answer: the most a question may allow
WRITTEN_ANSWER = 50_000  # a written (AI text) answer: the most a question may allow
SPOKEN_REPLY = 5_000  # a typed reply to a spoken question in the chat interview
COMMENT = 5_000  # comments, scorecard notes, rating notes
OVERRIDE_REASON = 1_000  # why a reviewer changed an AI score
ALTERNATIVE_NOTE = 2_000  # a candidate's request for another process
ACCOMMODATION_NOTE = 1_000  # what a candidate adds to a request for an accommodation
PERSONAL_NOTE = 1_000  # a recruiter's personal note in one invite's message
SHARE_COMMENT = 2_000  # an outside reviewer's comment left through a share link
MESSAGE_TEMPLATE = 5_000  # a team's own email to candidates (invite, reminder, ...)
SMS_TEMPLATE = 459  # a team's own text message: three concatenated GSM segments (3 x 153)
DECISION_FILE_NOTE = 1_000  # a reviewer's note added to a candidate's decision file

# --- numbers a candidate's browser reports --------------------------------------------------
INTEGRITY_SECONDS = 86_400  # one stretch of the page hidden: at most a day is counted
INTEGRITY_FACTS = 200  # facts a browser may report per invite (page hidden, paste)

# --- written by the system (clipped) ---------------------------------------------------------
REASON = 2_000  # failure reasons and error messages
TRANSCRIPT = 100_000  # a recorded answer's words (30 minutes of speech is ~30,000)
TURN = 20_000  # one line of a transcript
EVALUATION_TEXT = 10_000  # a model's summary, evidence or rationale
SECRET = 500  # an encrypted two-factor secret
DECISION_FILE = 50_000  # a decision file as it was sent to the candidate

# --- JSON, in bytes of its compact encoding -----------------------------------------------------
AGENT_EVALUATION = 20_000  # what an AI voice agent attaches to one turn


def bounded_text(limit: int, **kwargs: Any) -> models.TextField[str, str]:
    """A TextField that refuses more than ``limit`` characters everywhere Django validates:
    ``max_length`` alone only reaches forms, the validator reaches ``full_clean`` too."""
    return models.TextField(max_length=limit, validators=[MaxLengthValidator(limit)], **kwargs)


@deconstructible
class JSONSizeValidator:
    """Refuses a JSON value whose compact encoding is longer than ``limit`` bytes."""

    def __init__(self, limit: int) -> None:
        self.limit = limit

    def __call__(self, value: Any) -> None:
        size = len(json.dumps(value, separators=(",", ":"), default=str).encode())
        if size > self.limit:
            raise ValidationError(
                f"At most {self.limit:,} bytes of JSON (this is {size:,}).", code="max_length"
            )

    def __eq__(self, other: object) -> bool:
        return isinstance(other, JSONSizeValidator) and other.limit == self.limit


def clip(text: str, limit: int) -> str:
    """System-written text cut to ``limit`` characters, marked as cut."""
    return text if len(text) <= limit else text[: limit - 1] + "…"
