"""The fairness part of the team's adverse-impact page: agreement of AI advice with reviewers,
the report on AI advice and the form setting the score at which AI advice passes.
(``compliance.team_impact`` renders it; the interview results page shows the agreement.)"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError

from accounts.audit import client_ip
from candidates.agreement import team_agreement
from candidates.forms.fairness import AIThresholdForm
from candidates.impact_ai import team_ai_impact_report
from candidates.services.fairness import team_ai_threshold_update

if TYPE_CHECKING:
    from accounts.http import TeamRequest


def team_fairness_context(request: TeamRequest) -> dict[str, Any] | None:
    """The page's fairness context; on a valid POST, saves the threshold and returns None
    (the caller redirects). An invalid POST leaves the errors on ``threshold_form``."""
    team = request.team
    if request.method == "POST":
        form = AIThresholdForm(request.POST)
        if form.is_valid():
            try:
                team_ai_threshold_update(
                    team=team,
                    threshold=form.cleaned_data["ai_pass_threshold"],
                    by=request.user,
                    ip=client_ip(request),
                )
            except ValidationError as exc:
                for errors in exc.message_dict.values():
                    form.add_error("ai_pass_threshold", errors)
            else:
                return None
    else:
        form = AIThresholdForm(initial={"ai_pass_threshold": team.ai_pass_threshold})
    return {
        "threshold_form": form,
        "agreement": team_agreement(team=team),
        "ai_report": team_ai_impact_report(team=team),
        "ai_threshold": team.ai_pass_threshold,
    }
