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
from django.urls import reverse

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
