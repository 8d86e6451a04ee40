"""Editable messages (issue 18, item 4): a team words invites, reminders, received and decision
messages per channel and language; placeholders only (never the template engine), checked on
save; the real sends, the preview and the test send all use them; the defaults are unchanged."""

import logging
import re
from datetime import timedelta

import pytest
from django.conf import settings
from django.core import mail
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.dateformat import format as date_format

from accounts.models import AuditEvent
from candidates.models import CandidateInterview, CandidateMessage, MessageTemplate
from candidates.services.candidate_messages import received_message_enqueue
from candidates.services.invites import invite_create, invite_create_many, invite_url
from candidates.services.message_templates import (
    default_text,
    message_template_save,
    render_with,
    sms_segments,
    substitute,
)
from tests.factories import (
    CandidateFactory,
    CandidateInterviewFactory,
    CandidateMessageFactory,
    InterviewFactory,
    InviteDeliveryFactory,
    MessageTemplateFactory,
)

pytestmark = pytest.mark.django_db

LIST = reverse("candidates:message_templates")
EDIT = reverse("candidates:message_template_edit")
PREVIEW = reverse("candidates:message_template_preview")
RESET = reverse("candidates:message_template_reset")
TEST = reverse("candidates:message_template_test")
INVITE_EMAIL = {"kind": "invite", "channel": "email", "language": "en"}


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    cache.clear()


@pytest.fixture
def interview(team):
    return InterviewFactory(team=team, title="Backend Engineer", display_name="Backend role")


@pytest.fixture
def send(team, recruiter, interview, django_capture_on_commit_callbacks):
    def _send(*channels, language="en"):
        interview.language = language
        interview.save()
        candidate = CandidateFactory(
            team=team, first_name="Ada", email="ada@example.com", phone="+14155550123"
        )
        with django_capture_on_commit_callbacks(execute=True):
            return invite_create(
                team=team,
                by=recruiter,
                candidate=candidate,
                interview=interview,
                delivery_types=channels or ("email",),
                sms_opt_in=True if "sms" in channels else None,
            )

    return _send


# --- the real sends


@pytest.mark.parametrize(
    ("language", "body", "subject"),
    [
        ("en", "Hi {first_name}, start here: {link} before {expires_at}.", "Join {team_name}"),
        (
            "fr",
            "Bonjour {first_name}, commencez ici : {link} avant le {expires_at}.",
            "Rejoignez {team_name}",
        ),
        (
            "es",
            "Hola {first_name}, empieza aquí: {link} antes del {expires_at}.",
            "Únete a {team_name}",
        ),
    ],
)
def test_a_custom_invite_is_what_the_candidate_gets_in_their_language(
    send, team, language, body, subject
):
    MessageTemplateFactory(team=team, kind="invite", language=language, subject=subject, body=body)
    # Another language's template is not used for this one.
    other = "en" if language != "en" else "fr"
    MessageTemplateFactory(team=team, kind="invite", language=other, body="Wrong {link}")
    invite, token = send("email", language=language)
    [message] = mail.outbox
    assert message.subject == subject.replace("{team_name}", team.name)
    assert invite_url(token) in message.body
    assert "Ada" in message.body
    with translation.override(language):
        expiry = date_format(timezone.localtime(invite.expires_at), "j F Y")
    assert expiry in message.body
    assert "{" not in message.body
    html = message.alternatives[0][0]
    assert f'href="{invite_url(token)}"' in html
    assert "Wrong" not in message.body


def test_a_custom_invite_sms_is_what_the_candidate_gets(send, team, caplog):
    MessageTemplateFactory(
        team=team,
        kind="invite",
        channel="sms",
        subject="",
        body="{team_name} says hi {first_name}: {link}",
    )
    with caplog.at_level(logging.INFO, logger="panelist.sms"):
        _invite, token = send("sms")
    [record] = [r for r in caplog.records if r.name == "panelist.sms"]
    assert f"{team.name} says hi Ada: {invite_url(token)}" in record.getMessage()


def test_a_batch_reads_the_teams_templates_once_not_once_per_message(
    team, recruiter, interview, django_capture_on_commit_callbacks
):
    MessageTemplateFactory(team=team, kind="invite", subject="Hi", body="Yours: {link}")

    def queries_to_send(n):
        people = [
            CandidateFactory(team=team, first_name=f"b{n}-{i}", email=f"b{n}-{i}@example.com")
            for i in range(n)
        ]
        with django_capture_on_commit_callbacks(execute=False) as queued:
            invite_create_many(
                team=team,
                by=recruiter,
                candidates=people,
                interview=interview,
                delivery_types=["email"],
            )
        with CaptureQueriesContext(connection) as queries:
            for callback in queued:
                callback()
        return len(queries)

    small, big = queries_to_send(2), queries_to_send(12)
    assert len(mail.outbox) == 14
    assert all(m.body.startswith("Yours: ") for m in mail.outbox)
    assert small == big


def test_without_a_custom_template_the_default_is_unchanged(send, team):
    # A template for another team changes nothing here.
    MessageTemplateFactory(kind="invite", language="en", body="Other team {link}")
    send("email")
    [message] = mail.outbox
    assert message.subject == "Acme Recruiting invites you to interview: Backend role"
    assert "Hello Ada," in message.body
    assert "Other team" not in message.body


@pytest.mark.parametrize("language", ["en", "fr", "es"])
def test_a_custom_received_email_is_sent_in_the_candidates_language(
    team, interview, language, django_capture_on_commit_callbacks
):
    MessageTemplateFactory(
        team=team,
        kind="received",
        language=language,
        subject=f"[{language}] Thanks {{first_name}}",
        body=f"[{language}] Got it for {{interview_name}}.\n\n{{decision_file_url}}",
    )
    invite = CandidateInterviewFactory(
        team=team,
        interview=interview,
        language=language,
        candidate__first_name="Ada",
        candidate__email="ada@example.com",
        status=CandidateInterview.Status.COMPLETED,
        started_at=timezone.now() - timedelta(minutes=10),
        completed_at=timezone.now(),
    )
    with django_capture_on_commit_callbacks(execute=True):
        received_message_enqueue(invite=invite)
    [message] = mail.outbox
    assert message.subject == f"[{language}] Thanks Ada"
    # {decision_file_url}: the candidate's link to ask for their decision file.
    intro, link = message.body.split("\n\n")
    assert intro == f"[{language}] Got it for Backend role."
    assert link.startswith(f"{settings.SITE_URL}/decision-file/")
    assert CandidateMessage.objects.get(candidate_interview=invite).status == "sent"


def test_html_of_a_custom_email_is_escaped_with_links_and_paragraphs(send, team):
    MessageTemplateFactory(
        team=team,
        body="<script>alert(1)</script> Hi {first_name}\nline two\n\nStart: {link}",
    )
    _invite, token = send("email")
    html = str(mail.outbox[0].alternatives[0][0])
    assert "<script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "Hi Ada<br>line two</p>" in html
    assert f'href="{invite_url(token)}"' in html
    # The same branded layout as the defaults.
    assert team.name in html
    assert "max-width:560px" in html


def test_a_candidates_own_name_cannot_inject_html(team):
    template = MessageTemplateFactory.build(team=team, body="Hi {first_name} {link}")
    rendered = render_with(
        template=template,
        kind="invite",
        channel="email",
        language="en",
        context={"first_name": "<b>x</b>", "url": "https://e.test/i/1", "team_name": "T"},
    )
    assert rendered.text == "Hi <b>x</b> https://e.test/i/1"  # the text part stays as typed
    assert "Hi &lt;b&gt;x&lt;/b&gt;" in rendered.html
    assert "<b>x</b>" not in rendered.html


def test_a_line_made_of_an_empty_placeholder_is_dropped():
    text = "Hello\n\n{personal_note}\n\nBye"
    assert substitute(text, {"personal_note": ""}) == "Hello\n\nBye"
    assert substitute(text, {"personal_note": "See you"}) == "Hello\n\nSee you\n\nBye"


# --- checking on save


@pytest.mark.parametrize(
    ("values", "field", "error"),
    [
        ({"body": "Hi {fist_name} {link}"}, "body", "Unknown variable {fist_name}"),
        ({"subject": "About {salary}"}, "subject", "Unknown variable {salary}"),
        ({"body": "Hi {first_name}, no link"}, "body", "must contain {link}"),
        ({"subject": ""}, "subject", "This field is required"),
    ],
)
def test_a_bad_template_is_refused_next_to_its_field(login, owner, team, values, field, error):
    data = {**INVITE_EMAIL, "subject": "Hi", "body": "Go {link}", **values}
    response = login(owner).post(EDIT, data)
    assert response.status_code == 400
    html = response.content.decode()
    assert f'id="id_{field}-error"' in html
    assert error in html.split(f'id="id_{field}-error"')[1][:400]
    assert not MessageTemplate.objects.exists()
    assert not AuditEvent.objects.filter(action="message_template.saved").exists()


def test_decision_file_url_is_a_variable_of_after_messages_only(team, owner):
    message_template_save(
        team=team,
        kind="reject",
        channel="email",
        language="en",
        subject="x",
        body="{decision_file_url}",
        by=owner,
    )
    with pytest.raises(ValidationError, match=re.escape("Unknown variable {decision_file_url}")):
        message_template_save(
            team=team,
            kind="invite",
            channel="email",
            language="en",
            subject="x",
            body="{link} {decision_file_url}",
            by=owner,
        )


def test_an_sms_template_is_bounded_and_email_only_kinds_have_no_sms(login, owner):
    client = login(owner)
    response = client.post(
        EDIT, {"kind": "invite", "channel": "sms", "language": "en", "body": "{link} " + "x" * 500}
    )
    assert response.status_code == 400
    assert "459" in response.content.decode()
    assert (
        client.get(EDIT, {"kind": "received", "channel": "sms", "language": "en"}).status_code
        == 404
    )
    assert (
        client.get(EDIT, {"kind": "invite", "channel": "email", "language": "de"}).status_code
        == 404
    )


def test_sms_segments_are_counted():
    assert sms_segments("a" * 160) == (160, 1)
    assert sms_segments("a" * 161) == (161, 2)
    assert sms_segments("é" * 10) == (10, 1)  # é is GSM-7
    assert sms_segments("ł" * 71) == (71, 2)  # UCS-2: 70 a lone segment


# --- the page


def test_an_admin_saves_then_resets_and_both_are_audited(login, admin_user, team):
    client = login(admin_user)
    page = client.get(EDIT, INVITE_EMAIL).content.decode()
    # The editor starts from the default, in that language, with placeholders.
    assert "Hello {first_name}," in page
    assert "{link}" in page
    assert "{expires_at}" in page
    response = client.post(
        EDIT, {**INVITE_EMAIL, "subject": "Hi {first_name}", "body": "Go {link}"}
    )
    assert response.status_code == 302
    template = MessageTemplate.objects.get(team=team)
    assert (template.subject, template.body, template.updated_by) == (
        "Hi {first_name}",
        "Go {link}",
        admin_user,
    )
    listing = client.get(LIST).content.decode()
    assert "Customised" in listing
    assert admin_user.get_full_name() in listing
    assert AuditEvent.objects.get(action="message_template.saved").actor == admin_user
    assert client.post(RESET, INVITE_EMAIL).status_code == 302
    assert not MessageTemplate.objects.exists()
    assert AuditEvent.objects.get(action="message_template.reset").data["kind"] == "invite"


@pytest.mark.parametrize("language", ["fr", "es"])
def test_the_default_text_is_translated(language):
    subject, body = default_text(kind="invite", channel="email", language=language)
    greeting = {"fr": "Bonjour {first_name}", "es": "Hola, {first_name}"}[language]
    assert greeting in body
    assert "{link}" in body
    assert "{expires_at}" in body
    assert "{team_name}" in subject


def test_another_teams_template_is_invisible(login, owner, team, other_team):
    MessageTemplateFactory(team=other_team, subject="Secret subject", body="Secret {link}")
    client = login(owner)
    assert "Secret" not in client.get(EDIT, INVITE_EMAIL).content.decode()
    assert "Customised" not in client.get(LIST).content.decode()
    # Resetting here leaves the other team's template alone.
    client.post(RESET, INVITE_EMAIL)
    assert MessageTemplate.objects.filter(team=other_team).exists()


@pytest.mark.parametrize("persona", ["recruiter", "hiring_manager"])
def test_other_roles_cannot_edit(login, request, persona):
    client = login(request.getfixturevalue(persona))
    assert client.get(LIST).status_code == 403
    assert client.get(EDIT, INVITE_EMAIL).status_code == 403
    data = {**INVITE_EMAIL, "subject": "x", "body": "{link}"}
    assert client.post(EDIT, data).status_code == 403
    assert client.post(TEST, data).status_code == 403
    assert not MessageTemplate.objects.exists()
    assert mail.outbox == []


def test_the_preview_renders_sample_data_and_names_problems(login, owner):
    client = login(owner)
    response = client.post(
        PREVIEW,
        {
            **INVITE_EMAIL,
            "subject": "Hi {first_name}",
            "body": "<b>Dear</b> {first_name}: {link} {nope}",
        },
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert html.lstrip().startswith('<section class="card card-body" id="preview"')
    assert "Hi Alex" in html
    assert "&lt;b&gt;Dear&lt;/b&gt; Alex" in html
    assert "Unknown variable {nope}" in html
    sms = client.post(
        PREVIEW,
        {"kind": "reminder", "channel": "sms", "language": "en", "body": "a" * 150 + " {link}"},
    ).content.decode()
    assert "2 segments" in sms


def test_a_test_email_goes_to_me_only_is_audited_and_rate_limited(login, owner, team):
    client = login(owner)
    data = {**INVITE_EMAIL, "subject": "Hi {first_name}", "body": "Go {link}"}
    for _ in range(5):
        assert client.post(TEST, data).status_code == 200
    assert [m.to for m in mail.outbox] == [[owner.email]] * 5
    assert mail.outbox[0].subject == "[Test] Hi Alex"
    assert not MessageTemplate.objects.exists()  # a test saves nothing
    response = client.post(TEST, data)
    assert response.status_code == 429
    assert "At most 5 test messages an hour" in response.content.decode()
    assert len(mail.outbox) == 5
    assert AuditEvent.objects.filter(action="message_template.test_sent").count() == 5


def test_a_test_text_goes_to_the_number_typed(login, owner, caplog):
    client = login(owner)
    data = {"kind": "invite", "channel": "sms", "language": "en", "body": "Hi {first_name} {link}"}
    response = client.post(TEST, {**data, "phone": "not a phone"})
    assert response.status_code == 400
    assert 'id="id_phone-error"' in response.content.decode()
    with caplog.at_level(logging.INFO, logger="panelist.sms"):
        assert client.post(TEST, {**data, "phone": "+14155550123"}).status_code == 200
    [record] = [r for r in caplog.records if r.name == "panelist.sms"]
    assert "+14155550123" in record.getMessage()
    assert "Hi Alex" in record.getMessage()


# --- message states on the invite page


def test_the_invite_page_shows_candidate_messages_beside_deliveries(
    login, recruiter, team, django_assert_max_num_queries
):
    invite = CandidateInterviewFactory(team=team)
    InviteDeliveryFactory(candidate_interview=invite)
    CandidateMessageFactory(
        candidate_interview=invite, status="sent", sent_at=timezone.now() - timedelta(hours=1)
    )
    CandidateMessageFactory(
        candidate_interview=invite,
        kind="decision",
        decision="reject",
        status="cancelled",
        note="The decision changed before it was sent.",
    )
    client = login(recruiter)
    url = reverse("candidates:invite_detail", args=[invite.pk])
    html = client.get(url).content.decode()
    assert "Messages to the candidate" in html
    assert "Answers received" in html
    assert "Sent" in html
    assert "Decision (reject)" in html
    assert "The decision changed before it was sent." in html
    for _ in range(5):
        CandidateMessageFactory(candidate_interview=invite, kind="decision", decision="advance")
    with django_assert_max_num_queries(40) as counted:
        client.get(url)
    few = len(counted.captured_queries)
    for _ in range(5):
        CandidateMessageFactory(candidate_interview=invite, kind="decision", decision="advance")
    with django_assert_max_num_queries(few):
        client.get(url)


@pytest.mark.parametrize("language", ["en", "fr", "es"])
@pytest.mark.parametrize(
    ("kind", "channel"),
    [
        ("invite", "email"),
        ("invite", "sms"),
        ("reminder", "email"),
        ("reminder", "sms"),
        ("received", "email"),
        ("advance", "email"),
        ("reject", "email"),
    ],
)
def test_every_default_opens_in_the_editor_and_saves_as_is(
    login, owner, team, kind, channel, language
):
    """The default text, as the editor shows it, is itself a valid template."""
    client = login(owner)
    key = {"kind": kind, "channel": channel, "language": language}
    assert client.get(EDIT, key).status_code == 200
    subject, body = default_text(kind=kind, channel=channel, language=language)
    response = client.post(EDIT, {**key, "subject": subject, "body": body})
    assert response.status_code == 302, response.content.decode()[:2000]


def test_the_list_costs_the_same_with_many_custom_templates(
    login, owner, team, django_assert_max_num_queries
):
    client = login(owner)
    MessageTemplateFactory(team=team, updated_by=owner)
    with django_assert_max_num_queries(20) as counted:
        client.get(LIST)
    few = len(counted.captured_queries)
    for kind in ("reminder", "received", "advance", "reject"):
        for language in ("en", "fr", "es"):
            MessageTemplateFactory(team=team, kind=kind, language=language, updated_by=owner)
    with django_assert_max_num_queries(few):
        assert client.get(LIST).content.decode().count("Customised") == 13
