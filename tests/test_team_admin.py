"""Team admin: teams, members, invitations, roles, and the audit trail they leave."""

import re

import pytest
from django.core import mail
from django.urls import reverse

from accounts.models import AuditEvent, Membership, Role, Team, TeamInvitation
from interviews.models import Interview
from tests.factories import InterviewFactory, MembershipFactory, TeamFactory, TeamInvitationFactory

pytestmark = pytest.mark.django_db

ADMIN_PAGES = ["dashboard:teams", "dashboard:members", "dashboard:audit"]


@pytest.mark.parametrize("name", ADMIN_PAGES)
def test_it_needs_login(client, name):
    response = client.get(reverse(name))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


@pytest.mark.parametrize("name", ADMIN_PAGES)
@pytest.mark.parametrize("persona", ["owner", "admin_user"])
def test_it_shows_admin_pages_to_owners_and_admins(login, request, name, persona):
    client = login(request.getfixturevalue(persona))
    response = client.get(reverse(name))
    assert response.status_code == 200


@pytest.mark.parametrize("name", ADMIN_PAGES)
@pytest.mark.parametrize("persona", ["recruiter", "hiring_manager"])
def test_it_forbids_admin_pages_to_other_roles_and_audits_it(login, request, name, persona):
    client = login(request.getfixturevalue(persona))
    assert client.get(reverse(name)).status_code == 403
    assert AuditEvent.objects.filter(action="permission.denied").count() == 1


@pytest.mark.parametrize("name", ADMIN_PAGES)
def test_it_answers_htmx_with_the_table_fragment(login, owner, name):
    client = login(owner)
    response = client.get(reverse(name), headers={"HX-Request": "true"})
    html = response.content.decode()
    assert response.status_code == 200
    assert html.lstrip().startswith('<div class="table-region"')
    assert "<nav" not in html
    assert response["Vary"].count("HX-Request") == 1


def test_it_creates_a_team_with_its_creator_as_owner(login, owner, team):
    client = login(owner)
    response = client.post(reverse("dashboard:teams"), {"name": "  Sales   EMEA "})
    assert response.status_code == 302
    new = Team.objects.get(name="Sales EMEA")
    assert new.organization == team.organization
    assert new.slug == "sales-emea"
    assert Membership.objects.get(team=new, user=owner).role == Role.OWNER
    assert AuditEvent.objects.filter(action="team.created", object_id=str(new.pk)).exists()


def test_it_refuses_a_duplicate_team_name_next_to_the_field(login, owner, team):
    client = login(owner)
    response = client.post(reverse("dashboard:teams"), {"name": team.name.upper()})
    assert response.status_code == 200
    assert 'id="id_name-error"' in response.content.decode()
    assert Team.objects.filter(organization=team.organization).count() == 1


def settings_form(team, **values):
    """Team settings as the page posts them: the saved values, with ``values`` changed."""
    return {
        "name": team.name,
        "brand_color": team.brand_color,
        "invite_expiry_days": team.invite_expiry_days,
        "reminder_hours_before_expiry": team.reminder_hours_before_expiry,
        **values,
    }


def test_it_renames_a_team_and_keeps_the_slug(login, admin_user, team):
    client = login(admin_user)
    response = client.post(
        reverse("dashboard:team_edit", args=[team.pk]), settings_form(team, name="Talent")
    )
    assert response.status_code == 302
    team.refresh_from_db()
    assert (team.name, team.slug) == ("Talent", "acme-recruiting")
    event = AuditEvent.objects.get(action="team.renamed")
    assert event.data == {"from": "Acme Recruiting", "to": "Talent"}


def test_it_hides_another_teams_rename_page(login, owner, outsider, other_team):
    client = login(owner)
    assert client.get(reverse("dashboard:team_edit", args=[other_team.pk])).status_code == 404
    assert client.get("/settings/teams/not-a-uuid/").status_code == 404


def test_it_forbids_renaming_to_a_recruiter(login, recruiter, team):
    client = login(recruiter)
    response = client.post(reverse("dashboard:team_edit", args=[team.pk]), {"name": "Mine"})
    assert response.status_code == 403
    team.refresh_from_db()
    assert team.name == "Acme Recruiting"


def test_it_invites_by_email_and_the_link_creates_an_account(
    login, admin_user, team, client, django_capture_on_commit_callbacks
):
    login(admin_user)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("dashboard:member_invite"),
            {"email": "New.Person@Example.com", "role": "recruiter"},
        )
    assert response.status_code == 302
    invitation = TeamInvitation.objects.get()
    assert invitation.email == "new.person@example.com"
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["new.person@example.com"]
    path = re.search(r"https?://[^/]+(/accounts/invitations/\S+/)", mail.outbox[0].body).group(1)
    assert AuditEvent.objects.filter(action="member.invited").exists()

    client.logout()
    page = client.get(path)
    assert page.status_code == 200
    assert "Create account and join" in page.content.decode()
    response = client.post(
        path,
        {"full_name": "New Person", "password1": "sturdy-pass-123", "password2": "sturdy-pass-123"},
    )
    assert response.status_code == 302
    membership = Membership.objects.get(team=team, user__email="new.person@example.com")
    assert membership.role == Role.RECRUITER
    assert membership.user.check_password("sturdy-pass-123")
    assert AuditEvent.objects.filter(action="member.joined", actor=membership.user).exists()
    # Signed in, in the team they joined; the link is spent.
    assert client.get(reverse("dashboard:home")).context["current_team"] == team
    client.logout()
    assert client.get(path).status_code == 410


def test_it_lets_an_existing_user_accept_after_signing_in(client, admin_user, outsider, team):
    membership = Membership.objects.get(user=admin_user, team=team)
    from accounts.services import team_invitation_create

    _inv, token = team_invitation_create(
        team=team, email=outsider.email, role=Role.HIRING_MANAGER, acting=membership
    )
    path = reverse("accounts:invitation_accept", args=[token])
    assert "Sign in to accept" in client.get(path).content.decode()
    client.force_login(outsider)
    assert client.post(path).status_code == 302
    assert Membership.objects.get(team=team, user=outsider).role == Role.HIRING_MANAGER


def test_it_refuses_an_invitation_meant_for_someone_else(client, admin_user, recruiter, team):
    membership = Membership.objects.get(user=admin_user, team=team)
    from accounts.services import team_invitation_create

    _inv, token = team_invitation_create(
        team=team, email="someone@else.test", role=Role.RECRUITER, acting=membership
    )
    client.force_login(recruiter)
    response = client.post(reverse("accounts:invitation_accept", args=[token]))
    assert response.status_code == 200
    assert "This invitation is for someone@else.test" in response.content.decode()


def test_it_says_an_unknown_invitation_link_is_invalid(client):
    response = client.get(reverse("accounts:invitation_accept", args=["nope"]))
    assert response.status_code == 404
    assert "not valid" in response.content.decode()


def test_it_shows_invite_errors_next_to_the_field_over_htmx(login, admin_user, recruiter):
    client = login(admin_user)
    response = client.post(
        reverse("dashboard:member_invite"),
        {"email": recruiter.email, "role": "recruiter"},
        headers={"HX-Request": "true"},
    )
    html = response.content.decode()
    assert response.status_code == 422
    assert html.lstrip().startswith('<div id="invite-panel"')
    assert 'id="id_email-error"' in html
    assert "already a member" in html
    assert not TeamInvitation.objects.exists()


def test_it_stops_an_admin_from_inviting_an_owner(login, admin_user):
    client = login(admin_user)
    response = client.post(
        reverse("dashboard:member_invite"), {"email": "x@y.test", "role": "owner"}
    )
    assert response.status_code == 422
    assert "Only an owner can make someone an owner" in response.content.decode()


def test_it_changes_a_members_role(login, admin_user, recruiter, team):
    client = login(admin_user)
    membership = Membership.objects.get(user=recruiter, team=team)
    response = client.post(
        reverse("dashboard:member_role", args=[membership.pk]), {"role": "hiring_manager"}
    )
    assert response.status_code == 302
    membership.refresh_from_db()
    assert membership.role == Role.HIRING_MANAGER
    event = AuditEvent.objects.get(action="member.role_changed")
    assert event.data["from"] == "recruiter"
    assert event.data["to"] == "hiring_manager"


def test_it_forbids_an_admin_to_demote_an_owner(login, admin_user, owner, team):
    client = login(admin_user)
    membership = Membership.objects.get(user=owner, team=team)
    response = client.post(
        reverse("dashboard:member_role", args=[membership.pk]), {"role": "recruiter"}
    )
    assert response.status_code == 403
    membership.refresh_from_db()
    assert membership.role == Role.OWNER


def test_it_keeps_the_last_owner(login, owner, team):
    client = login(owner)
    second = MembershipFactory(team=team, role=Role.ADMIN)
    client.force_login(second.user)
    membership = Membership.objects.get(user=owner, team=team)
    # Only an owner may demote an owner; the sole owner demoting themself is refused too.
    client.force_login(owner)
    from django.core.exceptions import ValidationError

    from accounts.services import membership_change_role

    with pytest.raises(ValidationError, match="at least one owner"):
        membership_change_role(membership=membership, role=Role.ADMIN, acting=membership)


def test_it_removes_a_member_and_keeps_their_work(login, admin_user, recruiter, team):
    interview = InterviewFactory(team=team, created_by=recruiter)
    client = login(admin_user)
    membership = Membership.objects.get(user=recruiter, team=team)
    response = client.post(reverse("dashboard:member_remove", args=[membership.pk]))
    assert response.status_code == 302
    assert not Membership.objects.filter(pk=membership.pk).exists()
    assert Interview.objects.get(pk=interview.pk).created_by == recruiter
    assert AuditEvent.objects.filter(action="member.removed").exists()


def test_it_hides_another_teams_member(login, owner, outsider, other_team):
    client = login(owner)
    foreign = Membership.objects.get(user=outsider, team=other_team)
    assert client.post(reverse("dashboard:member_remove", args=[foreign.pk])).status_code == 404
    assert (
        client.post(
            reverse("dashboard:member_role", args=[foreign.pk]), {"role": "recruiter"}
        ).status_code
        == 404
    )
    assert Membership.objects.filter(pk=foreign.pk).exists()


def test_it_revokes_an_invitation(login, admin_user, team):
    invitation = TeamInvitationFactory(team=team)
    client = login(admin_user)
    assert (
        client.post(reverse("dashboard:invitation_revoke", args=[invitation.pk])).status_code == 302
    )
    invitation.refresh_from_db()
    assert invitation.state == "revoked"


def test_it_hides_another_teams_invitation(login, admin_user, other_team):
    invitation = TeamInvitationFactory(team=other_team)
    client = login(admin_user)
    assert (
        client.post(reverse("dashboard:invitation_revoke", args=[invitation.pk])).status_code == 404
    )


def test_it_switches_team_only_to_a_team_of_the_user(login, owner, team, other_team):
    second = TeamFactory(organization=team.organization, name="Second")
    MembershipFactory(user=owner, team=second, role=Role.RECRUITER)
    client = login(owner)
    response = client.post(reverse("dashboard:team_switch"), {"team": str(second.pk)})
    assert response.status_code == 302
    page = client.get(reverse("dashboard:home"))
    assert page.context["current_team"] == second
    assert 'data-testid="current-team">Second<' in page.content.decode()
    owner.refresh_from_db()
    assert owner.last_team == second
    assert (
        client.post(reverse("dashboard:team_switch"), {"team": str(other_team.pk)}).status_code
        == 404
    )


def test_it_filters_the_audit_log_by_action(login, owner, team):
    client = login(owner)
    from tests.factories import AuditEventFactory

    AuditEventFactory(team=team, action="member.invited")
    AuditEventFactory(team=team, action="team.renamed")
    AuditEventFactory(action="member.invited")  # another team's
    response = client.get(reverse("dashboard:audit"), {"action": "member.invited"})
    assert [e.action for e in response.context["table"].data] == ["member.invited"]


# ---------------------------------------------------------------- issue 13: branding


def _image(codec: str, pix_fmt: str, width: int = 64, height: int = 32) -> bytes:
    """A real image file encoded by PyAV (ffmpeg): PNG, JPEG or WebP."""
    from fractions import Fraction

    import av

    context = av.CodecContext.create(codec, "w")
    context.width, context.height, context.pix_fmt = width, height, pix_fmt
    context.time_base = Fraction(1, 25)
    frame = av.VideoFrame(width, height, "rgb24").reformat(format=pix_fmt)
    packets = [*context.encode(frame), *context.encode(None)]
    return b"".join(bytes(packet) for packet in packets)


def _upload(data: bytes, name: str):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, data, content_type="application/octet-stream")


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    }
    return tmp_path


def test_it_saves_branding_and_invite_settings(login, owner, team, media):
    client = login(owner)
    page = client.get(reverse("dashboard:team_edit", args=[team.pk]))
    assert page.status_code == 200
    assert 'data-testid="brand-preview"' in page.content.decode()
    response = client.post(
        reverse("dashboard:team_edit", args=[team.pk]),
        settings_form(
            team,
            brand_color="#FFCC00",
            invite_expiry_days=14,
            reminder_hours_before_expiry=24,
            logo=_upload(_image("png", "rgb24"), "logo.png"),
        ),
    )
    assert response.status_code == 302
    team.refresh_from_db()
    assert (team.brand_color, team.invite_expiry_days, team.reminder_hours_before_expiry) == (
        "#ffcc00",
        14,
        24,
    )
    assert team.logo.name.startswith(f"branding/{team.pk}/logo-")
    assert team.logo.name.endswith(".png")
    event = AuditEvent.objects.get(action="team.settings_changed")
    assert event.data["brand_color"] == "#ffcc00"


@pytest.mark.parametrize(
    ("codec", "pix_fmt", "ext"), [("mjpeg", "yuvj420p", "jpg"), ("libwebp", "yuv420p", "webp")]
)
def test_it_takes_jpeg_and_webp_logos_and_serves_them(client, team, media, codec, pix_fmt, ext):
    from accounts.branding import logo_url, team_settings_update

    data = _image(codec, pix_fmt)
    team_settings_update(
        team=team,
        by=None,
        brand_color="#3b4fd8",
        invite_expiry_days=7,
        reminder_hours_before_expiry=48,
        logo=_upload(data, f"logo.{ext}"),
    )
    response = client.get(logo_url(team))
    assert response.status_code == 200
    assert response["Content-Type"] == {"jpg": "image/jpeg", "webp": "image/webp"}[ext]
    assert "immutable" in response["Cache-Control"]
    assert b"".join(response.streaming_content) == data


SVG = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'


@pytest.mark.parametrize(
    ("data", "error"),
    [
        (SVG, "SVG and other formats are not accepted"),
        (b"\x89PNG\r\n\x1a\n" + b"not really a png" * 10, "not a readable PNG"),
        (b"\xff\xd8\xff" + b"\x00" * (600 * 1024), "use one of at most 512 KB"),
        (None, "use at most 2000 on each side"),
    ],
)
def test_it_refuses_a_logo_that_is_not_a_small_png_jpeg_or_webp(
    login, owner, team, media, data, error
):
    data = data or _image("png", "rgb24", width=2400, height=8)
    response = login(owner).post(
        reverse("dashboard:team_edit", args=[team.pk]),
        settings_form(team, logo=_upload(data, "logo.png")),
    )
    assert response.status_code == 422
    html = response.content.decode()
    assert 'id="id_logo-error"' in html
    assert error in html[html.index('id="id_logo-error"') :][:300]
    team.refresh_from_db()
    assert not team.logo
    assert not list(media.rglob("*.*"))


def test_it_names_each_bad_setting_next_to_its_field(login, owner, team):
    response = login(owner).post(
        reverse("dashboard:team_edit", args=[team.pk]),
        settings_form(
            team, brand_color="red", invite_expiry_days=0, reminder_hours_before_expiry=-1
        ),
    )
    assert response.status_code == 422
    html = response.content.decode()
    for field in ("brand_color", "invite_expiry_days", "reminder_hours_before_expiry"):
        assert f'id="id_{field}-error"' in html
    team.refresh_from_db()
    assert team.brand_color == "#3b4fd8"


def test_it_refuses_a_reminder_window_longer_than_the_invite(login, owner, team):
    response = login(owner).post(
        reverse("dashboard:team_edit", args=[team.pk]),
        settings_form(team, invite_expiry_days=2, reminder_hours_before_expiry=48),
    )
    assert response.status_code == 422
    html = response.content.decode()
    error = html[html.index('id="id_reminder_hours_before_expiry-error"') :][:300]
    assert "fewer hours before expiry than an invite lasts (48 hours)" in error


def test_it_removes_the_logo_and_its_file(
    login, owner, team, media, django_capture_on_commit_callbacks
):
    client = login(owner)
    url = reverse("dashboard:team_edit", args=[team.pk])
    client.post(url, settings_form(team, logo=_upload(_image("png", "rgb24"), "logo.png")))
    team.refresh_from_db()
    assert list(media.rglob("*.png"))
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url, settings_form(team, remove_logo="on"))
    team.refresh_from_db()
    assert not team.logo
    assert not list(media.rglob("*.png"))
    assert client.get(reverse("dashboard:brand_logo", args=[team.pk])).status_code == 404


def test_it_forbids_team_settings_to_recruiters_and_other_teams(login, recruiter, outsider, team):
    url = reverse("dashboard:team_edit", args=[team.pk])
    assert login(recruiter).post(url, settings_form(team, brand_color="#000000")).status_code == 403
    assert login(outsider).get(url).status_code == 404
    team.refresh_from_db()
    assert team.brand_color == "#3b4fd8"


def _all_colours():
    steps = range(0, 256, 17)
    return [f"#{r:02x}{g:02x}{b:02x}" for r in steps for g in steps for b in steps]


def test_every_brand_colour_keeps_button_text_readable():
    from accounts.branding import brand_colors, contrast_ratio

    worst = 21.0
    for colour in _all_colours():
        colour, text, hover, _on_white = brand_colors(colour)
        worst = min(worst, contrast_ratio(colour, text), contrast_ratio(hover, text))
    assert worst >= 4.5
    assert brand_colors("#ffff00")[1] == "#000000"
    assert brand_colors("#3b4fd8")[1] == "#ffffff"
    assert round(contrast_ratio("#000000", "#ffffff"), 2) == 21.0


def test_the_brand_stylesheet_colours_buttons_with_readable_text(client, team):
    from accounts.branding import team_brand

    team.brand_color = "#ffcc00"
    team.save()
    response = client.get(team_brand(team).css_url)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/css")
    css = response.content.decode()
    assert "--brand:#ffcc00;--brand-text:#000000" in css
    # Yellow does not read on white: links and outlines keep their default colours.
    assert ".candidate main a" not in css
    assert client.get("/brand/not-a-team/brand.css").status_code == 404


def test_candidate_pages_and_emails_carry_the_brand(
    client, team, recruiter, media, django_capture_on_commit_callbacks
):
    from accounts.branding import team_brand, team_settings_update
    from candidates.services.invites import invite_create
    from tests.factories import CandidateFactory

    team_settings_update(
        team=team,
        by=recruiter,
        brand_color="#ffcc00",
        invite_expiry_days=7,
        reminder_hours_before_expiry=48,
        logo=_upload(_image("png", "rgb24"), "logo.png"),
    )
    brand = team_brand(team)
    interview = InterviewFactory(team=team)
    candidate = CandidateFactory(team=team, email="ada@example.com")
    with django_capture_on_commit_callbacks(execute=True):
        _invite, token = invite_create(
            team=team, by=recruiter, candidate=candidate, interview=interview
        )
    html = mail.outbox[0].alternatives[0].content
    assert f'src="http://testserver{brand.logo_url}"' in html or brand.logo_url in html
    assert "background:#ffcc00;color:#000000" in html
    page = client.get(f"/i/{token}/", follow=True).content.decode()
    assert f'href="{brand.css_url.replace("&", "&amp;")}"' in page
    assert f'<img src="{brand.logo_url}" alt="Acme Recruiting" class="brand-logo">' in page
