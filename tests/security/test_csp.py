"""A strict Content-Security-Policy holds on every page: no inline scripts, no event-handler
attributes, no inline styles, on every HTML page the URL sweep reaches (as the team's owner),
the candidate runner's pages and the public share pages. And, once ``SECURE_CSP`` is set, every
page says so without 'unsafe-inline'.

Run with ``-s`` to print each page's offending markup and the templates that rendered it.
"""

from __future__ import annotations

from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils.csp import build_policy

from accounts.models import Team
from tests.security.conftest import World
from tests.security.sweep import (
    AUTH,
    LIST,
    OBJECT,
    PUBLIC,
    ROUTES,
    RUNNER,
    build_url,
    call,
)

pytestmark = pytest.mark.django_db

# Script types a browser does not run (json_script data blocks): CSP does not block them.
DATA_SCRIPT_TYPES = {"application/json", "application/ld+json", "importmap"}

# Pages that still break the policy: the work list. Fix the templates, then drop the entry
# (the strict xfail fails once a page is clean, so this list cannot go stale).
KNOWN_INLINE: dict[str, str] = {}

# The same, found by reading the templates (emails aside: no policy applies to a mail), so
# states the sweep's world does not reach (empty lists, a PIN page, a failed import) count too.
KNOWN_INLINE_TEMPLATES: set[str] = set()
TEMPLATES_DIR = Path(settings.BASE_DIR) / "templates"
TEMPLATE_FILES = sorted(
    str(path.relative_to(TEMPLATES_DIR))
    for path in TEMPLATES_DIR.rglob("*.html")
    if path.relative_to(TEMPLATES_DIR).parts[0] != "emails"
)


class InlineFinder(HTMLParser):
    """Collects inline scripts, ``on*=`` handlers, ``style=`` attributes and ``<style>``."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        names = {name.lower(): value for name, value in attrs}
        snippet = self.get_starttag_text() or f"<{tag}>"
        script_type = (names.get("type") or "").lower()
        if tag == "script" and "src" not in names and script_type not in DATA_SCRIPT_TYPES:
            self.found.append(f"inline script: {snippet[:160]}")
        if tag == "style":
            self.found.append(f"style element: {snippet[:160]}")
        for name in names:
            if name.startswith("on"):
                self.found.append(f"event handler {name}: {snippet[:160]}")
            if name == "style":
                self.found.append(f"style attribute: {snippet[:160]}")
            # htmx's own inline-script attributes are blocked by a strict policy too.
            if name in ("hx-on", "hx-vars") or name.startswith(("hx-on:", "hx-on-")):
                self.found.append(f"htmx inline handler {name}: {snippet[:160]}")


def inline_markup(html: str) -> list[str]:
    finder = InlineFinder()
    finder.feed(html)
    finder.close()
    return finder.found


def test_the_finder_finds_each_kind():
    html = (
        '<script>alert(1)</script><script src="/static/x.js"></script>'
        '<script type="application/json" id="d">{}</script>'
        '<button onclick="go()">Go</button><div style="color:red"></div><style>p{}</style>'
        '<a hx-on:click="x()">x</a>'
    )
    found = inline_markup(html)
    assert [f.split(":")[0] for f in found] == [
        "inline script",
        "event handler onclick",
        "style attribute",
        "style element",
        "htmx inline handler hx-on",
    ]


def _page(world: World, name: str) -> tuple[str, Any]:
    """The page's URL and who opens it: team A's owner, team A's candidate, or anyone."""
    route = ROUTES[name]
    url = build_url(name, route, dict.fromkeys(route.args, world.a))
    if route.kind == RUNNER:
        return url, {"session_token": world.a.invite_token}
    if route.kind in (LIST, OBJECT):
        return url, {"user": world.a.users["owner"]}
    return url, {}


PAGES = [
    name
    for name, route in ROUTES.items()
    if route.kind in (LIST, OBJECT, AUTH, PUBLIC, RUNNER) and name != "candidates:runner_enter"
]


@pytest.mark.parametrize(
    "name",
    [
        pytest.param(
            name,
            marks=[pytest.mark.xfail(strict=True, reason=KNOWN_INLINE[name])]
            if name in KNOWN_INLINE
            else [],
        )
        for name in PAGES
    ],
)
def test_no_inline_script_or_style(world, name):
    url, who = _page(world, name)
    result = call("GET", url, **who)
    content_type = result.response.get("Content-Type", "")
    if result.status != 200 or not content_type.startswith("text/html"):
        return  # not a page (a download, a POST-only action, a redirect)
    found = inline_markup(result.body)
    if getattr(settings, "SECURE_CSP", None):
        policy = result.response.get("Content-Security-Policy", "")
        if not policy:
            found.append("no Content-Security-Policy header")
        if "'unsafe-inline'" in policy:
            found.append(f"the policy allows 'unsafe-inline': {policy}")
    templates = sorted({t.name for t in getattr(result.response, "templates", []) if t.name})
    if found:
        print(f"\n{name} {url}\n  templates: {', '.join(templates)}")
        for item in found:
            print(f"  {item}")
    assert not found, f"{url} (templates: {templates}):\n" + "\n".join(found)


def test_the_sweep_checks_real_pages(world):
    """The runner and share pages render as pages for their visitors (not a 403 or 404)."""
    checks = {
        reverse("candidates:runner"): {"session_token": world.a.invite_token},
        reverse("candidates:share_public", args=[world.a.share_token]): {},
        reverse("interviews:interview_detail", args=[world.a.objects["interview"].pk]): {
            "user": world.a.users["owner"]
        },
    }
    for url, who in checks.items():
        result = call("GET", url, **who)
        assert result.status == 200, url
        assert result.response["Content-Type"].startswith("text/html")


@pytest.mark.skipif(
    not getattr(settings, "SECURE_CSP", None), reason="SECURE_CSP is not configured yet"
)
@pytest.mark.parametrize("name", ["dashboard:home", "candidates:runner", "candidates:share_public"])
def test_pages_send_a_strict_policy(world, name):
    url, who = _page(world, name)
    response = call("GET", url, **who).response
    policy = response.get("Content-Security-Policy", "")
    assert policy, f"{url} has no Content-Security-Policy header"
    assert "'unsafe-inline'" not in policy
    assert "'unsafe-eval'" not in policy


@pytest.mark.django_db(databases=[])
@pytest.mark.parametrize(
    "template",
    [
        pytest.param(
            name,
            marks=[pytest.mark.xfail(strict=True, reason="inline style")]
            if name in KNOWN_INLINE_TEMPLATES
            else [],
        )
        for name in TEMPLATE_FILES
    ],
)
def test_no_template_has_inline_markup(template):
    found = inline_markup((TEMPLATES_DIR / template).read_text())
    assert not found, "\n".join(found)


@pytest.mark.parametrize("interview_type", ["standard", "ai"])
def test_every_runner_step_is_free_of_inline_markup(world, interview_type):
    """A fresh invite walked through welcome, consent, devices, practice, each question kind
    and the finish page (or the chat of an AI interview): every page the candidate sees."""
    from django.test import Client
    from django.utils import timezone

    from candidates.models import CandidateInterview
    from candidates.tokens import new_invite_token
    from interviews.models import Interview
    from tests.factories import AnswerFactory, CandidateInterviewFactory

    interview = world.a.objects["interview"]
    if interview_type == "ai":
        Interview.objects.filter(pk=interview.pk).update(interview_type=Interview.InterviewType.AI)
    token, digest = new_invite_token()
    invite = CandidateInterviewFactory(interview=interview, token_hash=digest)
    client = Client(raise_request_exception=False)
    client.get(reverse("candidates:runner_enter", args=[token]))

    def flag(key: str) -> None:
        session = client.session
        session[key] = True
        session.save()

    def consent() -> None:
        CandidateInterview.objects.filter(pk=invite.pk).update(
            consented_at=timezone.now(), status=CandidateInterview.Status.IN_PROGRESS
        )

    def answer(key: str) -> Any:
        return lambda: AnswerFactory(
            candidate_interview=invite, interview_question=world.a.objects[key]
        )

    steps = [
        ("welcome", lambda: None),
        ("consent", lambda: flag("welcomed")),
        ("device", consent),
        ("practice", lambda: flag("device_ok")),
        ("audio question", lambda: flag("practice_done")),
        ("survey question", answer("item")),
        ("ai text question", answer("survey_item")),
        ("finish", answer("ai_item")),
    ]
    problems: list[str] = []
    pages: list[str] = []
    for step, prepare in steps:
        prepare()
        response = client.get(reverse("candidates:runner"))
        assert response.status_code == 200, step
        templates = sorted({t.name for t in response.templates if t.name})
        pages.append(templates[-1])
        problems += [f"{step} ({', '.join(templates)}): {f}" for f in inline_markup(response.text)]
    assert len(set(pages)) >= (2 if interview_type == "ai" else 6), pages
    for line in problems:
        print(line)
    assert not problems, "\n".join(problems)


# ------------------------------------------------------------------ candidate pages (issue 12)

EMBED_ORIGIN = "https://careers.example.com"
PROMPT_URL = "https://media.example.org/prompts/q1.mp3"


def directives(header: str) -> dict[str, list[str]]:
    """A policy header as ``{directive: [sources]}``."""
    parsed: dict[str, list[str]] = {}
    for part in header.split(";"):
        if words := part.split():
            parsed[words[0]] = words[1:]
    return parsed


def site_directives() -> dict[str, list[str]]:
    return directives(build_policy(settings.SECURE_CSP))


def _holds_site_policy(header: str) -> list[str]:
    """What ``header`` lacks of the site's policy (it may add media sources; nothing else)."""
    policy = directives(header)
    missing = []
    for name, sources in site_directives().items():
        extra = set(policy.get(name, [])) - set(sources)
        if name not in policy or not set(sources) <= set(policy[name]):
            missing.append(f"{name} {' '.join(sources)} (got {policy.get(name)})")
        elif extra and name != "media-src":
            missing.append(f"{name} widened by {sorted(extra)}")
    return missing


CANDIDATE_PAGES = [
    *(name for name, route in ROUTES.items() if route.kind == RUNNER),
    "candidates:runner_enter",  # the invite link
    "candidates:embed_start",
]


@pytest.mark.parametrize("name", CANDIDATE_PAGES)
def test_candidate_pages_keep_the_site_policy_and_add_frame_ancestors(world, settings, name):
    """Runner, invite and embed pages: every directive of the site's policy, plus framing by
    this site and the allowed embed origins (never the policy replaced by frame-ancestors)."""
    settings.EMBED_ALLOWED_ORIGINS = [EMBED_ORIGIN]
    route = ROUTES[name]
    url = build_url(name, route, dict.fromkeys(route.args, world.a))
    who = {"session_token": world.a.invite_token} if route.kind == RUNNER else {}
    with transaction.atomic():
        # Team A embeds interviews; the sweep's unsigned request gets the framable error page.
        Team.objects.filter(pk=world.a.team.pk).update(embed_signing_key="k" * 32)
        response = call("GET", url, **who).response
        transaction.set_rollback(True)
    # What a browser shows (or frames): a page, or the invite link's redirect that opens one.
    is_page = response.get("Content-Type", "").startswith("text/html") and not (
        response.status_code == 405 or 300 <= response.status_code < 400
    )
    if name == "candidates:runner_enter":
        assert response.status_code == 302, f"{url}: the sweep's token is wrong"
    elif name in ("candidates:runner", "candidates:embed_start"):
        assert is_page, f"{url} -> {response.status_code}: the sweep's world is wrong"
    elif not is_page:
        return  # a POST-only action, a download or an upload: not a page
    header = response.get("Content-Security-Policy", "")
    problems = _holds_site_policy(header)
    if directives(header).get("frame-ancestors") != ["'self'", EMBED_ORIGIN]:
        problems.append(f"frame-ancestors is not 'self' {EMBED_ORIGIN}")
    assert not problems, f"{url} -> {response.status_code}: {header}\n" + "\n".join(problems)


@pytest.fixture
def url_prompt(world):
    """An interview of team A whose one question is a prompt hosted at ``PROMPT_URL``, and an
    invite of it signed in up to that question."""
    from django.test import Client
    from django.utils import timezone

    from candidates.models import CandidateInterview
    from candidates.tokens import new_invite_token
    from tests.factories import (
        AudioQuestionFactory,
        CandidateInterviewFactory,
        InterviewFactory,
        InterviewQuestionFactory,
    )

    team = world.a.team
    interview = InterviewFactory(team=team)
    question = AudioQuestionFactory(
        team=team, audio_type="url", audio_url=PROMPT_URL, question_script=""
    )
    InterviewQuestionFactory(interview=interview, audio_question=question)
    token, digest = new_invite_token()
    CandidateInterviewFactory(
        interview=interview,
        token_hash=digest,
        consented_at=timezone.now(),
        status=CandidateInterview.Status.IN_PROGRESS,
    )
    candidate = Client()
    candidate.get(reverse("candidates:runner_enter", args=[token]))
    session = candidate.session
    session.update({"welcomed": True, "device_ok": True, "practice_done": True})
    session.save()
    return interview, candidate


def test_the_runner_plays_a_url_prompt_under_the_site_policy(url_prompt):
    _interview, candidate = url_prompt
    page = candidate.get(reverse("candidates:runner"))
    assert f'src="{PROMPT_URL}"' in page.text
    header = page["Content-Security-Policy"]
    assert not _holds_site_policy(header)
    media = directives(header)["media-src"]
    assert "https://media.example.org" in media
    assert set(media) - set(site_directives()["media-src"]) == {"https://media.example.org"}


def test_the_preview_allows_the_media_the_runner_allows(world, url_prompt):
    interview, candidate = url_prompt
    runner = directives(candidate.get(reverse("candidates:runner"))["Content-Security-Policy"])
    preview = call(
        "GET",
        reverse("interviews:interview_preview", args=[interview.pk]),
        user=world.a.users["owner"],
    )
    assert f'src="{PROMPT_URL}"' in preview.body
    header = preview.response["Content-Security-Policy"]
    assert not _holds_site_policy(header)
    assert directives(header)["media-src"] == runner["media-src"]
    # The dashboard is not framable: only candidate pages are.
    assert "frame-ancestors" not in directives(header)


@pytest.mark.django_db(databases=[])
def test_media_origins_take_only_the_origin_of_http_urls():
    from kit.csp import media_origins

    assert media_origins(
        [
            "https://Media.Example.org/a.mp3?x=1",
            "https://media.example.org/b.mp3",
            "http://cdn.example.net:8080/c.mp3",
            "javascript:alert(1)",
            "https://evil.example'; script-src *",
            "",
        ]
    ) == ["https://media.example.org", "http://cdn.example.net:8080"]
