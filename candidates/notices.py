"""What candidates are told before they answer: the privacy notice and the AI notice.

A team may write its own; these defaults are what Panelist says when it has not (translated
with the runner's languages). The AI notice says what the AI assesses and that a person decides,
as the EU AI Act's transparency duties and NYC Local Law 144's notice require.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.utils.translation import gettext as _

if TYPE_CHECKING:
    from accounts.models import Team
    from interviews.models import Interview


def default_privacy_notice(*, team: Team) -> str:
    months = team.retention_months
    return _(
        "%(team)s uses Panelist to run this interview. We record your answers — recordings, "
        "written answers and survey choices — and the time you took, so that the people hiring "
        "for this role can review them. Recordings are transcribed into text on our own "
        "server. We keep your answers for %(months)s months after your last activity and then "
        "delete them. You can ask us for a copy of everything we hold about you, or ask us to "
        "delete it, at any time."
    ) % {"team": team.name, "months": months}


def default_ai_notice() -> str:
    return _(
        "This interview uses automated evaluation. Software compares what you say or write "
        "with what the hiring team said a strong answer shows, and suggests a score for each "
        "of those points, quoting the part of your answer it relied on. It does not look at "
        "your face, your voice's tone or your emotions, and it does not decide anything: a "
        "person reviews your answers and makes every decision. If you prefer not to be "
        "assessed this way, you can ask for an alternative process instead."
    )


def default_integrity_notice() -> str:
    return _(
        "To help reviewers, this interview notes a few plain facts: when this page was hidden "
        "while you were answering (for example you switched to another app) and for how long, "
        "and when text was pasted into a written answer and how much. Your answers are also "
        "compared with other candidates' answers to the same question, to spot nearly "
        "identical ones. Nothing is read from your face, voice or emotions, no score is made "
        "from these facts, and they never change your application on their own: a person "
        "looks at them with your answers."
    )


def uses_ai_evaluation(interview: Interview) -> bool:
    """Whether the interview's answers are evaluated by AI (every recorded or written answer
    is; a survey-only questionnaire is scored by fixed rules, not AI)."""
    return interview.items.exclude(kind="survey").exists()


def privacy_notice(*, team: Team) -> str:
    return team.privacy_notice or default_privacy_notice(team=team)


def ai_notice(*, team: Team) -> str:
    return team.ai_notice or default_ai_notice()


def notice_version(*, team: Team) -> str:
    """Stored with each consent: which text the candidate saw."""
    return f"{team.pk}:{team.notice_version}"
