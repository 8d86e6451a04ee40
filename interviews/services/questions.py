"""What every question kind shares: archiving. A bank hides an archived question; the
interviews that already use it keep asking it."""

from __future__ import annotations

from typing import TypeVar

from django.db import transaction
from django.utils import timezone

from interviews.models import QuestionBase

Q = TypeVar("Q", bound=QuestionBase)


@transaction.atomic
def question_archive(*, question: Q) -> Q:
    """Hide the question from its bank. Interviews that use it keep asking it."""
    if question.archived_at is None:
        question.archived_at = timezone.now()
        question.save(update_fields=["archived_at", "updated_at"])
    return question


@transaction.atomic
def question_unarchive(*, question: Q) -> Q:
    if question.archived_at is not None:
        question.archived_at = None
        question.save(update_fields=["archived_at", "updated_at"])
    return question
