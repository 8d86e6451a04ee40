"""The URL table of the sweep and the helpers that call a URL as a persona.

Every named URL pattern of the project (the Django admin and the JSON API aside: the API has
its own sweep over the OpenAPI schema) is listed in ``ROUTES`` with what each of its URL
arguments points at. A new pattern that is not in the table fails
``test_every_url_pattern_is_in_the_table``: new views cannot escape the sweep.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.apps import apps
from django.db import connection, models, transaction
from django.http import HttpResponse, StreamingHttpResponse
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from tests.security.conftest import CANARY, TeamWorld, World

# A value for a URL argument: an object of the world by name, or one of these.
BAD_TOKEN = "$bad"
SHARE_TOKEN = "$share_token"
INVITE_TOKEN = "$invite_token"
TEAM_SLUG = "$team_slug"

# Kinds of page.
LIST = "list"  # a signed-in page of the current team, no object in the URL
OBJECT = "object"  # a signed-in page of one team object
AUTH = "auth"  # sign-in, password reset …: open to anyone
PUBLIC = "public"  # candidates' and share-link pages, reached by a token or a public id
RUNNER = "runner"  # the candidate's own pages, reached by the session a token opened


@dataclass(frozen=True)
class Route:
    kind: str
    args: dict[str, str] = field(default_factory=dict)
    # Hiring managers see this object only on interviews they review (404 otherwise).
    reviewed: bool = False
    # Hiring managers may POST here (a reviewer's own scorecard, comment; switching team).
    hm_write: bool = False
    # A POST here changes only the caller's own session or account (sign out, password).
    own_state: bool = False
    # A list: the world's objects it shows a row for. With ``reviewed``, a hiring manager sees
    # those rows only when they review the interview that uses the object.
    rows: tuple[str, ...] = ()


def _obj(kind: str, key: str, **kwargs: Any) -> Route:
    arg = kwargs.pop("arg", "pk")
    return Route(kind, {arg: key}, **kwargs)


def _interview(**kwargs: Any) -> Route:
    return Route(OBJECT, {"pk": "interview"}, reviewed=True, **kwargs)


def _invite(**kwargs: Any) -> Route:
    return Route(OBJECT, {"pk": "invite"}, reviewed=True, **kwargs)


ROUTES: dict[str, Route] = {
    # dashboard
    "dashboard:home": Route(LIST),
    # For monitors: no sign-in, states only (tests/test_engine_health.py checks what it says).
    "dashboard:health": Route(AUTH),
    # A team's brand for candidate pages (no sign-in): its colours and logo, nothing private.
    "dashboard:brand_css": Route(PUBLIC, {"pk": "team"}),
    "dashboard:brand_logo": Route(PUBLIC, {"pk": "team"}),
    # For a user in no team: set up an organization (a member is sent home).
    "dashboard:welcome": Route(LIST, hm_write=True),
    "dashboard:team_switch": Route(LIST, hm_write=True),
    "dashboard:teams": Route(LIST),
    "dashboard:team_edit": _obj(OBJECT, "team"),
    "dashboard:members": Route(LIST),
    "dashboard:member_invite": Route(LIST),
    "dashboard:member_role": _obj(OBJECT, "membership"),
    "dashboard:member_remove": _obj(OBJECT, "membership"),
    "dashboard:invitation_revoke": _obj(OBJECT, "invitation"),
    "dashboard:audit": Route(LIST),
    "dashboard:api_keys": Route(LIST),
    "dashboard:api_key_revoke": _obj(OBJECT, "api_key"),
    # accounts
    "accounts:login": Route(AUTH, own_state=True),
    "accounts:logout": Route(AUTH, own_state=True),
    "accounts:password_change": Route(AUTH, own_state=True, hm_write=True),
    # The signed-in person's own email choices.
    "accounts:notifications": Route(AUTH, own_state=True, hm_write=True),
    "accounts:password_change_done": Route(AUTH),
    "accounts:password_reset": Route(AUTH, own_state=True),
    "accounts:password_reset_done": Route(AUTH),
    "accounts:password_reset_confirm": Route(AUTH, {"uidb64": BAD_TOKEN, "token": BAD_TOKEN}),
    "accounts:password_reset_complete": Route(AUTH),
    "accounts:invitation_accept": Route(PUBLIC, {"token": BAD_TOKEN}),
    # two-factor: the signed-in user's own second factor; the policy is the team's
    "accounts:login_verify": Route(AUTH, own_state=True),
    **{
        f"accounts:{name}": Route(AUTH, own_state=True, hm_write=True)
        for name in (
            "two_factor",
            "two_factor_confirm",
            "two_factor_disable",
            "two_factor_recovery_codes",
        )
    },
    "accounts:two_factor_policy": Route(LIST),
    # single sign-on: starting one and the provider's callback touch only the caller's session;
    # the settings are the organization's (owners only)
    "accounts:sso_start": Route(AUTH, own_state=True),
    "accounts:sso_callback": Route(AUTH, own_state=True),
    "accounts:sso_settings": Route(LIST),
    "dashboard:ai_models": Route(LIST),
    # interviews
    "interviews:interview_list": Route(LIST, reviewed=True, rows=("interview",)),
    "interviews:interview_create": Route(LIST),
    "interviews:interview_bulk": Route(LIST),
    "interviews:interview_detail": _interview(),
    "interviews:interview_edit": _interview(),
    "interviews:interview_reviewers": _interview(),
    "interviews:interview_questions": _interview(),
    "interviews:interview_question_add": _interview(),
    "interviews:interview_copy": _interview(),
    "interviews:interview_scorecard": _interview(),
    "interviews:interview_preview": _interview(),
    # The banks and narrators: a hiring manager sees what an interview they review uses.
    "interviews:audio_list": Route(LIST, reviewed=True, rows=("audio",)),
    "interviews:audio_create": Route(LIST),
    **{
        f"interviews:audio_{action}": _obj(OBJECT, "audio", reviewed=True)
        for action in ("edit", "retry", "upload", "archive", "unarchive", "duplicate", "file")
    },
    "interviews:survey_list": Route(LIST, reviewed=True, rows=("survey",)),
    "interviews:survey_create": Route(LIST),
    **{
        f"interviews:survey_{action}": _obj(OBJECT, "survey", reviewed=True)
        for action in ("edit", "archive", "unarchive", "duplicate")
    },
    "interviews:ai_text_list": Route(LIST, reviewed=True, rows=("ai_text",)),
    "interviews:ai_text_create": Route(LIST),
    **{
        f"interviews:ai_text_{action}": _obj(OBJECT, "ai_text", reviewed=True)
        for action in ("edit", "archive", "unarchive", "duplicate")
    },
    "interviews:narrator_list": Route(LIST, reviewed=True, rows=("narrator",)),
    "interviews:narrator_create": Route(LIST),
    **{
        f"interviews:narrator_{action}": _obj(OBJECT, "narrator", reviewed=True)
        for action in ("edit", "delete", "preview")
    },
    # candidates
    "candidates:candidate_list": Route(LIST),
    "candidates:candidate_create": Route(LIST),
    "candidates:candidate_import": Route(LIST),
    "candidates:import_detail": _obj(OBJECT, "import_job"),
    "candidates:import_start": _obj(OBJECT, "import_job"),
    "candidates:candidate_detail": _obj(OBJECT, "candidate", reviewed=True),
    "candidates:candidate_edit": _obj(OBJECT, "candidate", reviewed=True),
    "candidates:candidate_export": _obj(OBJECT, "candidate", reviewed=True),
    "candidates:candidate_erase": _obj(OBJECT, "candidate", reviewed=True),
    "candidates:invite_list": Route(LIST),
    "candidates:invite_create": Route(LIST),
    "candidates:invite_detail": _invite(),
    "candidates:invite_send": _invite(),
    "candidates:invite_resend": _invite(),
    "candidates:invite_remind": _invite(),
    "candidates:invite_extend": _invite(),
    "candidates:invite_cancel": _invite(),
    "candidates:privacy_settings": Route(LIST),
    "candidates:message_settings": Route(LIST),
    "candidates:message_templates": Route(LIST),
    "candidates:message_template_edit": Route(LIST),
    "candidates:message_template_preview": Route(LIST),
    "candidates:message_template_reset": Route(LIST),
    "candidates:message_template_test": Route(LIST),
    "candidates:team_impact": Route(LIST),
    "candidates:interview_impact": _interview(),
    "candidates:invite_alternative_resolve": _invite(),
    # Decision files: the candidate's page (a signed link, no sign-in) and the team's pages
    # (owners, admins, recruiters; hiring managers get 403).
    "candidates:decision_file_ask": Route(PUBLIC, {"token": BAD_TOKEN}),
    "candidates:decision_file_list": Route(LIST),
    **{
        f"candidates:decision_file_{action}": _obj(OBJECT, "decision_file")
        for action in ("detail", "send", "close")
    },
    "candidates:invite_accommodation": _invite(),
    "candidates:invite_accommodation_grant": _invite(),
    "candidates:invite_review": _invite(),
    "candidates:answer_media": Route(
        OBJECT, {"pk": "invite", "answer_pk": "answer"}, reviewed=True
    ),
    "candidates:answer_rendition": Route(
        OBJECT, {"pk": "invite", "answer_pk": "answer"}, reviewed=True
    ),
    "candidates:review_scorecard": _invite(hm_write=True),
    "candidates:review_comment": _invite(hm_write=True),
    "candidates:review_comment_delete": Route(
        OBJECT, {"pk": "invite", "comment_pk": "comment"}, reviewed=True
    ),
    "candidates:review_decide": _invite(),
    # A reviewer's own score beside the AI's: hiring managers who review may give one.
    "candidates:review_override": Route(
        OBJECT, {"pk": "invite", "score_pk": "score"}, reviewed=True, hm_write=True
    ),
    "candidates:review_rerun": _invite(),
    # The AI card's re-run progress: what the review page shows, so any reviewer may poll it.
    "candidates:review_rerun_progress": _invite(),
    **{
        f"candidates:{name}": Route(OBJECT, {"interview_pk": "interview"}, reviewed=True)
        for name in (
            "interview_results",
            "interview_results_analytics",
            "interview_results_export",
            "interview_results_scorecards",
            "interview_compare",
        )
    },
    # Bulk decisions: a confirmation (GET) and the decisions (POST, recruiters and admins).
    "candidates:interview_results_decide": Route(
        OBJECT, {"interview_pk": "interview"}, reviewed=True
    ),
    # Sharing is part of reviewing (docs/permissions.md): hiring managers who review share too.
    "candidates:share_create": _invite(hm_write=True),
    "candidates:share_list": _interview(),
    "candidates:share_revoke": _obj(OBJECT, "share", reviewed=True),
    "candidates:share_public": Route(PUBLIC, {"token": SHARE_TOKEN}),
    "candidates:share_public_candidate": Route(
        PUBLIC, {"token": SHARE_TOKEN, "invite_id": "invite"}
    ),
    "candidates:share_media": Route(PUBLIC, {"token": SHARE_TOKEN, "answer_id": "answer"}),
    "candidates:share_rendition": Route(PUBLIC, {"token": SHARE_TOKEN, "answer_id": "answer"}),
    # An outside reviewer's rating, through a link that allows it.
    "candidates:share_rate": Route(PUBLIC, {"token": SHARE_TOKEN, "invite_id": "invite"}),
    "candidates:runner_enter": Route(PUBLIC, {"token": INVITE_TOKEN}),
    **{
        f"candidates:{name}": Route(RUNNER)
        for name in (
            "runner",
            "runner_welcome",
            "runner_consent",
            "runner_device",
            "runner_practice",
            "runner_chat",
            "runner_finish",
            "runner_alternative",
            "runner_accommodation",
            "runner_self_id",
            "runner_thanks",
        )
    },
    "candidates:runner_answer": Route(RUNNER, {"item_id": "item"}),
    "candidates:runner_integrity_fact": Route(RUNNER, {"item_id": "item"}),
    "candidates:runner_prompt": Route(RUNNER, {"item_id": "item"}),
    "candidates:public_start": Route(PUBLIC, {"interview_id": "interview"}),
    "candidates:embed_start": Route(PUBLIC, {"interview_id": "interview"}),
    "candidates:public_list": Route(PUBLIC, {"team_slug": TEAM_SLUG}),
    # uploads (tus): the candidate's session, never a dashboard sign-in
    "uploads:create": Route(RUNNER),
    "uploads:upload": Route(RUNNER, {"pk": "upload"}),
    # webhooks
    "webhooks:endpoint_list": Route(LIST),
    "webhooks:endpoint_create": Route(LIST),
    **{
        f"webhooks:endpoint_{action}": _obj(OBJECT, "endpoint")
        for action in ("detail", "edit", "toggle", "delete")
    },
    "webhooks:delivery_redeliver": Route(OBJECT, {"pk": "endpoint", "delivery_pk": "delivery"}),
    # integrations: the team's settings page, and the endpoints an ATS calls with its
    # connector's key (HTTP Basic, no session: every persona here gets 401)
    "integrations:settings": Route(LIST),
    **{
        f"integrations:greenhouse_{action}": Route(LIST)
        for action in ("enable", "disable", "rotate")
    },
    **{
        f"integrations:greenhouse_{endpoint}": Route(AUTH)
        for endpoint in ("list_tests", "send_test", "test_status", "response_error")
    },
    **{
        f"integrations:ashby_{action}": Route(LIST)
        for action in ("enable", "disable", "rotate", "configure")
    },
    **{
        f"integrations:ashby_assessment.{endpoint}": Route(AUTH)
        for endpoint in ("list", "start", "cancel")
    },
}

SKIPPED_NAMESPACES = ("admin", "api")


def url_pattern_names() -> list[str]:
    """Every named pattern of the project as ``namespace:name``, the skipped namespaces aside."""
    names: list[str] = []

    def walk(patterns: list[Any], namespace: str | None) -> None:
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                walk(pattern.url_patterns, pattern.namespace or namespace)
            elif (
                isinstance(pattern, URLPattern)
                and pattern.name
                and namespace not in SKIPPED_NAMESPACES
            ):
                names.append(f"{namespace}:{pattern.name}" if namespace else pattern.name)

    walk(get_resolver().url_patterns, None)
    return names


def arg_value(side: TeamWorld, source: str) -> str:
    if source == BAD_TOKEN:
        return "bm90LWEtcmVhbC10b2tlbg"
    if source == SHARE_TOKEN:
        return side.share_token
    if source == INVITE_TOKEN:
        return side.invite_token
    if source == TEAM_SLUG:
        return side.team.slug
    return str(side.objects[source].pk)


def build_url(name: str, route: Route, sides: dict[str, TeamWorld]) -> str:
    """``sides`` says which team's object each argument takes (default: team A's)."""
    kwargs = {arg: arg_value(sides[arg], source) for arg, source in route.args.items()}
    return reverse(name, kwargs=kwargs)


def targets(route: Route, side: TeamWorld) -> list[models.Model]:
    return [side.objects[source] for source in route.args.values() if not source.startswith("$")]


# ------------------------------------------------------------------ the database's state

_WATCHED_APPS = ("accounts", "interviews", "candidates", "webhooks", "uploads")
# A refused request writes an audit event; that is the log, not a change.
_LOGS = {"accounts.AuditEvent"}


def _watched_models() -> list[type[models.Model]]:
    return [
        model
        for model in apps.get_models(include_auto_created=True)
        if model._meta.app_label in _WATCHED_APPS and model._meta.label not in _LOGS
    ]


def snapshot(objects: list[models.Model]) -> dict[str, Any]:
    """Row counts of every model (in one query), and every column of the targeted objects."""
    watched = _watched_models()
    quote = connection.ops.quote_name
    counts = ", ".join(f"(SELECT COUNT(*) FROM {quote(m._meta.db_table)})" for m in watched)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {counts}")
        row = cursor.fetchone()
    state: dict[str, Any] = {m._meta.label: n for m, n in zip(watched, row, strict=True)}
    for obj in objects:
        model = type(obj)
        state[f"{model._meta.label}:{obj.pk}"] = (
            model._base_manager.filter(pk=obj.pk).values().first()
        )
    return state


def changed(before: dict[str, Any], after: dict[str, Any]) -> list[str]:
    return [key for key in before if before[key] != after.get(key)]


# ------------------------------------------------------------------ calling as a persona


@dataclass
class Result:
    status: int
    location: str
    body: str
    changes: list[str]
    response: HttpResponse


def body_of(response: HttpResponse) -> str:
    if isinstance(response, StreamingHttpResponse):
        content = b"".join(response.streaming_content)
    else:
        content = response.content
    return content.decode("utf-8", "replace")


def call(
    method: str,
    url: str,
    *,
    user: Any = None,
    session_token: str = "",
    watch: list[models.Model] | None = None,
    data: dict[str, Any] | None = None,
    headers: dict[str, str] | None = None,
) -> Result:
    """One request in a savepoint that is rolled back: whatever it changed is undone."""
    client = Client(raise_request_exception=False)
    with transaction.atomic():
        if user is not None:
            client.force_login(user)
        if session_token:
            client.get(reverse("candidates:runner_enter", args=[session_token]))
        before = snapshot(watch) if watch is not None else {}
        response = getattr(client, method.lower())(url, data or {}, headers=headers)
        body = body_of(response)
        after = snapshot(watch) if watch is not None else {}
        transaction.set_rollback(True)
    return Result(
        status=response.status_code,
        location=response.get("Location", ""),
        body=body,
        changes=changed(before, after),
        response=response,
    )


def persona_user(world: World, persona: str) -> Any:
    if persona == "anonymous":
        return None
    if persona == "outsider":
        return world.b.users["owner"]
    return world.a.users[persona]


def label(obj: models.Model) -> str:
    """How a list names ``obj`` (its title or name)."""
    return str(getattr(obj, "title", "") or getattr(obj, "name", ""))


def leaks_canary(result: Result) -> bool:
    return CANARY in result.body
