"""Every URL pattern, called with GET and POST as every persona, on team A's objects.

- An outsider (owner of team B) gets 404 on every team-A object, also when the URL mixes a
  parent of team B with a child of team A; on team-wide pages it sees nothing of team A.
- A hiring manager gets 404 on an interview, invite or candidate they do not review, and on a
  bank question, narrator or question audio that no interview they review uses; a list of those
  shows them only the rows of their interviews. A POST that is not theirs to make is refused
  (403/404/405) with the database unchanged.
- Signed-out visitors are sent to sign in; bad candidate and share tokens get 403/404.
- No request of anyone ever gets a 5xx.

Run with ``-s`` to print what was checked: pattern, persona, method, status.
"""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils.html import escape

from candidates.models import CandidateInterview
from tests.security.conftest import PERSONAS, World
from tests.security.sweep import (
    AUTH,
    LIST,
    OBJECT,
    PUBLIC,
    ROUTES,
    RUNNER,
    Result,
    Route,
    build_url,
    call,
    label,
    leaks_canary,
    persona_user,
    targets,
    url_pattern_names,
)

pytestmark = pytest.mark.django_db

METHODS = ("GET", "POST")
REFUSED = {403, 404, 405}
# Where these views are fixed, drop them here: the strict xfail then fails and says so.
KNOWN_LEAKS: dict[str, str] = {}


def _report(name: str, persona: str, method: str, result: Result) -> None:
    print(f"{name:45} {persona:28} {method:5} -> {result.status}")


def _to_login(result: Result) -> bool:
    return result.status == 302 and result.location.startswith(reverse("accounts:login"))


def test_every_url_pattern_is_in_the_table():
    names = url_pattern_names()
    assert len(names) == len(set(names)), "two patterns share a name"
    unknown = sorted(set(names) - set(ROUTES))
    gone = sorted(set(ROUTES) - set(names))
    assert not unknown, f"add these patterns to tests/security/sweep.py ROUTES: {unknown}"
    assert not gone, f"these ROUTES no longer exist: {gone}"


def _check(world: World, name: str, route: Route) -> list[str]:
    """Every persona, both methods; the problems found."""
    a = world.a
    url = build_url(name, route, dict.fromkeys(route.args, a))
    watch = targets(route, a)
    problems: list[str] = []
    statuses: dict[tuple[str, str], int] = {}
    for persona in PERSONAS:
        user = persona_user(world, persona)
        for method in METHODS:
            result = call(method, url, user=user, watch=watch if method == "POST" else None)
            _report(name, persona, method, result)
            statuses[persona, method] = result.status
            where = f"{persona} {method} {url} -> {result.status}"
            if result.status >= 500:
                problems.append(f"server error: {where}")
                continue
            problems.extend(_judge(route, persona, method, result, where))
    if route.kind == OBJECT and all(statuses["owner", m] == 404 for m in METHODS):
        problems.append(f"the owner gets 404 on {url}: the sweep's ids are wrong")
    if route.reviewed and route.kind == OBJECT:
        for method in METHODS:
            hidden = statuses["hiring_manager_not_reviewer", method]
            # 403 is no hint either when a reviewer gets the same 403 (a role-gated page).
            same_refusal = hidden == 403 and statuses["hiring_manager", method] == 403
            if hidden not in (404, 405) and not same_refusal:
                problems.append(
                    f"hiring manager not reviewing the interview: {method} {url} -> {hidden}"
                )
        # The door is not shut on the reviewer: their interview's object opens for them.
        if statuses["hiring_manager", "GET"] == 404:
            problems.append(f"the reviewing hiring manager gets 404 on GET {url}")
    if route.reviewed and route.rows:
        problems.extend(_check_rows(world, route, url))
    return problems


def _check_rows(world: World, route: Route, url: str) -> list[str]:
    """A list shows a hiring manager the rows of the interviews they review, and no others."""
    problems: list[str] = []
    for persona, should_see in (("hiring_manager", True), ("hiring_manager_not_reviewer", False)):
        result = call("GET", url, user=persona_user(world, persona))
        _report(f"{url} rows", persona, "GET", result)
        for source in route.rows:
            name = escape(label(world.a.objects[source]))
            if (name in result.body) is not should_see:
                seen = "does not show" if should_see else "shows"
                problems.append(f"{url} {seen} {name!r} to the {persona}")
    return problems


def _judge(route: Route, persona: str, method: str, result: Result, where: str) -> list[str]:
    problems: list[str] = []
    protected = route.kind in (LIST, OBJECT)
    if persona == "anonymous":
        if protected and not (_to_login(result) or result.status == 405):
            problems.append(f"not sent to sign in: {where}")
        if protected and result.changes:
            problems.append(f"signed-out POST changed {result.changes}: {where}")
        return problems
    if persona == "outsider":
        # Public pages show what their token or id opens to anyone; the rest never team A.
        if route.kind in (LIST, OBJECT, RUNNER) and leaks_canary(result):
            problems.append(f"team A's data in the outsider's page: {where}")
        if route.kind == OBJECT and result.status not in (404, 405):
            problems.append(f"outsider not refused with 404: {where}")
        if route.kind == RUNNER and 200 <= result.status < 300:
            problems.append(f"outsider reaches a candidate page without a session: {where}")
        # On a team-wide page the outsider acts on their own team; elsewhere on nothing.
        if method == "POST" and result.changes and route.kind != LIST and not route.own_state:
            problems.append(f"outsider's POST changed {result.changes}: {where}")
        return problems
    if persona.startswith("hiring_manager") and method == "POST" and protected:
        if not route.hm_write and result.status not in REFUSED:
            problems.append(f"read-only role's write not refused: {where}")
        if not route.hm_write and result.changes:
            problems.append(f"read-only role's POST changed {result.changes}: {where}")
    return problems


@pytest.mark.parametrize(
    "name",
    [
        pytest.param(
            name,
            marks=[pytest.mark.xfail(strict=True, reason=KNOWN_LEAKS[name])]
            if name in KNOWN_LEAKS
            else [],
        )
        for name in ROUTES
    ],
)
def test_no_pattern_leaks_or_fails(world, name):
    problems = _check(world, name, ROUTES[name])
    assert not problems, "\n".join(problems)


MIXED = [name for name, route in ROUTES.items() if route.kind == OBJECT and len(route.args) > 1]


@pytest.mark.parametrize("name", MIXED)
def test_a_parent_of_my_team_does_not_open_a_child_of_another(world, name):
    """``/invites/<mine>/answers/<theirs>/``: the child is looked up inside the parent."""
    route = ROUTES[name]
    first, *rest = route.args
    sides = {first: world.b, **dict.fromkeys(rest, world.a)}
    url = build_url(name, route, sides)
    for method in METHODS:
        result = call(method, url, user=world.b.users["owner"], watch=targets(route, world.a))
        _report(name, "outsider (own parent)", method, result)
        assert result.status in (404, 405), f"{method} {url} -> {result.status}"
        assert not result.changes


INVITE_ROUTES = [
    name
    for name, route in ROUTES.items()
    if route.kind == OBJECT and route.args == {"pk": "invite"}
]


@pytest.mark.parametrize("status", CandidateInterview.Status.values)
def test_invites_in_every_status_stay_private(world, status):
    invite = world.a.invites_by_status[status]
    problems = []
    for name in INVITE_ROUTES:
        route = ROUTES[name]
        kwargs = {
            arg: str(invite.pk if source == "invite" else world.a.objects[source].pk)
            for arg, source in route.args.items()
        }
        url = reverse(name, kwargs=kwargs)
        for persona in ("outsider", "hiring_manager_not_reviewer"):
            for method in METHODS:
                result = call(method, url, user=persona_user(world, persona), watch=[invite])
                _report(name, f"{persona} ({status})", method, result)
                if result.status not in (404, 405) or result.changes:
                    problems.append(f"{persona} {method} {url} -> {result.status}")
        result = call("GET", url, user=world.a.users["owner"])
        if result.status >= 500:
            problems.append(f"owner GET {url} -> {result.status}")
    assert not problems, "\n".join(problems)


# ------------------------------------------------------------------ tokens and candidates


TOKEN_ROUTES = [
    name
    for name, route in ROUTES.items()
    if route.kind == PUBLIC and any(source.startswith("$") for source in route.args.values())
]


@pytest.mark.parametrize("name", [*TOKEN_ROUTES, "accounts:password_reset_confirm"])
def test_a_bad_token_opens_nothing(world, name):
    route = ROUTES[name]
    kwargs = {
        arg: ("bm90LWEtcmVhbC10b2tlbg" if source.startswith("$") else arg_of(world, source))
        for arg, source in route.args.items()
    }
    url = reverse(name, kwargs=kwargs)
    for persona in ("anonymous", "outsider"):
        for method in METHODS:
            result = call(method, url, user=persona_user(world, persona), watch=[])
            _report(name, f"{persona} (bad token)", method, result)
            assert result.status < 500, f"{method} {url} -> {result.status}"
            assert not leaks_canary(result)
            if route.kind == AUTH:
                continue  # the reset page says the link is invalid (200)
            assert result.status in (400, 403, 404, 405, 410), f"{method} {url}"
            assert not result.changes


def arg_of(world: World, source: str) -> str:
    return str(world.a.objects[source].pk)


@pytest.mark.parametrize(
    ("name", "arg"),
    [("candidates:share_public_candidate", "invite_id"), ("candidates:share_media", "answer_id")],
)
def test_another_teams_share_link_does_not_open_my_candidates(world, name, arg):
    url = reverse(
        name,
        kwargs={
            "token": world.b.share_token,
            arg: arg_of(world, "invite" if arg == "invite_id" else "answer"),
        },
    )
    result = call("GET", url)
    _report(name, "share link of team B", "GET", result)
    assert result.status == 404
    assert not leaks_canary(result)
    # The same link opens its own team's candidate (the sweep's ids are right).
    own = reverse(
        name,
        kwargs={
            "token": world.b.share_token,
            arg: str(world.b.objects["invite" if arg == "invite_id" else "answer"].pk),
        },
    )
    assert call("GET", own).status in (200, 206)


@pytest.mark.parametrize("name", ["candidates:runner_answer", "candidates:runner_prompt"])
def test_a_candidate_cannot_reach_another_interviews_questions(world, name):
    """Signed in to team B's invite, a candidate asks for team A's question."""
    theirs = reverse(name, kwargs={"item_id": arg_of(world, "item")})
    for method in METHODS:
        result = call(
            method, theirs, session_token=world.b.invite_token, watch=[world.a.objects["invite"]]
        )
        _report(name, "candidate of team B", method, result)
        # Refused, or sent back to the candidate's own next step.
        back = result.status == 302 and result.location == reverse("candidates:runner")
        assert result.status in (403, 404, 405) or back, f"{method} {theirs} -> {result.status}"
        assert not leaks_canary(result)
        assert not result.changes
    mine = reverse(name, kwargs={"item_id": str(world.b.objects["item"].pk)})
    assert call("GET", mine, session_token=world.b.invite_token).status not in (403, 404)


@pytest.mark.parametrize("method", ["head", "patch", "delete", "options"])
def test_a_candidate_cannot_touch_another_invites_upload(world, method):
    url = reverse("uploads:upload", kwargs={"pk": arg_of(world, "upload")})
    headers = {"Tus-Resumable": "1.0.0"}
    for token in ("", world.b.invite_token):
        from django.test import Client

        client = Client(raise_request_exception=False)
        if token:
            client.get(reverse("candidates:runner_enter", args=[token]))
        response = getattr(client, method)(
            url,
            b"xx" if method == "patch" else None,
            content_type="application/offset+octet-stream",
            headers={**headers, "Upload-Offset": "0"},
        )
        who = "candidate B" if token else "anonymous"
        print(f"uploads:upload {who:28} {method:5} -> {response.status_code}")
        assert response.status_code in (204, 403, 404, 405, 410), f"{method} {url}"
        if method != "options":  # OPTIONS answers 204 with the server's tus capabilities
            assert response.status_code != 204, f"{method} {url}"
    world.a.objects["upload"].refresh_from_db()
    assert world.a.objects["upload"].offset == 0
