import pytest
from django.core.files.base import ContentFile
from django.urls import reverse

from tests.factories import AudioQuestionFactory

pytestmark = pytest.mark.django_db

DATA = bytes(range(256)) * 40  # 10,240 bytes


@pytest.fixture
def url(team, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    question = AudioQuestionFactory(team=team)
    question.audio_file.save("prompt.mp3", ContentFile(DATA))
    return reverse("interviews:audio_file", args=[question.pk])


def _body(response):
    return b"".join(response.streaming_content)


def test_it_serves_the_whole_file_and_says_it_accepts_ranges(login, recruiter, url):
    response = login(recruiter).get(url)
    assert response.status_code == 200
    assert response["Accept-Ranges"] == "bytes"
    assert _body(response) == DATA


@pytest.mark.parametrize(
    ("header", "start", "end"),
    [
        ("bytes=0-99", 0, 99),
        ("bytes=10000-", 10000, 10239),
        ("bytes=-40", 10200, 10239),
        ("bytes=10200-99999", 10200, 10239),
    ],
)
def test_it_serves_the_requested_range(login, recruiter, url, header, start, end):
    response = login(recruiter).get(url, headers={"Range": header})
    assert response.status_code == 206
    assert response["Content-Range"] == f"bytes {start}-{end}/{len(DATA)}"
    assert response["Content-Length"] == str(end - start + 1)
    assert _body(response) == DATA[start : end + 1]


def test_it_refuses_a_range_past_the_end(login, recruiter, url):
    response = login(recruiter).get(url, headers={"Range": "bytes=20000-"})
    assert response.status_code == 416
    assert response["Content-Range"] == f"bytes */{len(DATA)}"


def test_it_serves_the_whole_file_for_a_range_it_does_not_understand(login, recruiter, url):
    response = login(recruiter).get(url, headers={"Range": "bytes=0-1,5-9"})
    assert response.status_code == 200
    assert _body(response) == DATA


def test_it_hides_another_teams_audio(login, outsider, url):
    assert login(outsider).get(url, headers={"Range": "bytes=0-9"}).status_code == 404
