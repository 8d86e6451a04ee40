"""Every dashboard page at phone and desktop widths: no sideways scrolling, a heading, no
accessibility violation that axe-core finds (its colour-contrast rule included), a screenshot
to look at (in SHOTS: set PANELIST_SCREENSHOTS to keep them)."""

import pytest
from playwright.sync_api import Page, expect

from accounts.models import Team
from candidates.models import Candidate, CandidateInterview, DecisionFileRequest
from interviews.models import AITextQuestion, AudioQuestion, Interview, SurveyQuestion
from tests.e2e.conftest import SHOTS
from tests.e2e.test_runner import AXE

pytestmark = pytest.mark.django_db(transaction=True)

WIDTHS = {"phone": (360, 740), "desktop": (1280, 800)}


def _pages() -> list[tuple[str, str]]:
    return [
        ("home", "/"),
        ("members", "/settings/members/"),
        ("teams", "/settings/teams/"),
        ("audit", "/settings/audit/"),
        ("team-edit", "/settings/teams/{team}/"),
        ("password", "/accounts/password/"),
        ("interviews", "/interviews/"),
        ("interview-new", "/interviews/new/"),
        ("builder", "/interviews/{interview}/"),
        ("interview-settings", "/interviews/{interview}/edit/"),
        ("scorecard", "/interviews/{interview}/scorecard/"),
        ("preview", "/interviews/{interview}/preview/"),
        ("audio-list", "/questions/audio/"),
        ("audio-new", "/questions/audio/new/"),
        ("audio-edit", "/questions/audio/{audio}/"),
        ("survey-list", "/questions/survey/"),
        ("survey-new", "/questions/survey/new/"),
        ("survey-edit", "/questions/survey/{survey}/"),
        ("ai-text-list", "/questions/ai-text/"),
        ("ai-text-new", "/questions/ai-text/new/"),
        ("ai-text-edit", "/questions/ai-text/{ai_text}/"),
        ("narrators", "/narrators/"),
        ("candidates", "/candidates/"),
        ("candidate", "/candidates/{candidate}/"),
        ("candidate-new", "/candidates/new/"),
        ("candidate-import", "/candidates/import/"),
        ("invites", "/invites/"),
        ("invite-new", "/invites/new/"),
        ("invite", "/invites/{invite}/"),
        ("api-keys", "/settings/api-keys/"),
        ("webhooks", "/settings/webhooks/"),
        ("webhook-new", "/settings/webhooks/new/"),
        ("integrations", "/settings/integrations/"),
        ("privacy", "/settings/privacy/"),
        ("impact", "/settings/adverse-impact/"),
        ("message-templates", "/settings/message-templates/"),
        (
            "message-template-edit",
            "/settings/message-templates/edit/?kind=invite&channel=email&language=fr",
        ),
        (
            "message-template-sms",
            "/settings/message-templates/edit/?kind=reminder&channel=sms&language=en",
        ),
        ("interview-impact", "/interviews/{interview}/adverse-impact/"),
        ("results", "/interviews/{interview}/results/"),
        ("share-links", "/interviews/{interview}/share-links/"),
        ("review", "/invites/{invite}/review/"),
        ("candidate-erase", "/candidates/{candidate}/erase/"),
        ("decision-files", "/decision-files/?status=all"),
        ("decision-file", "/decision-files/{decision_file}/"),
        ("two-factor", "/accounts/two-factor/"),
        ("sso", "/accounts/sso/"),
        ("ai-models", "/settings/models/"),
    ]


@pytest.mark.parametrize("width", list(WIDTHS))
def test_it_fits_every_page_to_the_screen(live_server, demo, page: Page, width):
    page.set_viewport_size(dict(zip(("width", "height"), WIDTHS[width], strict=True)))
    page.goto(f"{live_server.url}/accounts/login/")
    page.screenshot(path=SHOTS / f"login-{width}.png", full_page=True)
    page.get_by_label("Email").fill("owner@panelist.demo")
    page.get_by_label("Password").fill("panelist-demo")
    page.get_by_role("button", name="Sign in").click()
    team = Team.objects.get(slug="northwind-engineering")
    ids = {
        "team": team.pk,
        "interview": Interview.objects.get(team=team, title="Backend Engineer").pk,
        "audio": AudioQuestion.objects.filter(team=team).first().pk,
        "survey": SurveyQuestion.objects.filter(team=team, survey_type="MULTIPLE_CHOICE_WEIGHTED")
        .first()
        .pk,
        "ai_text": AITextQuestion.objects.filter(team=team).first().pk,
        "candidate": Candidate.objects.filter(team=team).first().pk,
        "invite": CandidateInterview.objects.filter(team=team, status="COMPLETED").first().pk,
        # A candidate's request for their decision file, waiting for review.
        "decision_file": DecisionFileRequest.objects.create(
            team=team,
            candidate_interview=CandidateInterview.objects.filter(
                team=team, status="COMPLETED"
            ).first(),
            language="en",
        ).pk,
    }
    violations = {}
    for name, path in _pages():
        page.goto(live_server.url + path.format(**ids))
        expect(page.get_by_role("heading", level=1)).to_be_visible()
        page.screenshot(path=SHOTS / f"{name}-{width}.png", full_page=True)
        overflow = page.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert overflow <= 0, f"{path} scrolls sideways by {overflow}px at {width} width"
        # Every rule axe-core runs by default, colour contrast included.
        found = _axe(page)
        if found:
            violations[path] = found
    assert violations == {}, "\n".join(f"{p}: {v}" for p, vs in violations.items() for v in vs)


def _axe(page: Page) -> list[str]:
    """axe-core's violations on the page, each with the elements and what is wrong."""
    page.evaluate(AXE.read_text())
    found = page.evaluate(
        """async () => (await axe.run(document, {resultTypes: ['violations']})).violations.map(
            v => v.nodes.map(n => v.id + ' ' + n.target.join(' ') + ': ' +
                (n.any.concat(n.all, n.none).map(c => c.message).join('; '))))"""
    )
    return [line for lines in found for line in lines]
