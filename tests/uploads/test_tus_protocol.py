"""The tus 1.0 endpoint against a live server, driven by the real tus client (tuspy) and by
raw HTTP where a test needs to misbehave on purpose."""

from __future__ import annotations

import base64
import fcntl
import hashlib
import http.client
import threading
import time
from datetime import timedelta
from email.utils import parsedate_to_datetime
from urllib.parse import urlsplit

import pytest
import requests
from django.core.files.storage import default_storage
from django.utils import timezone
from tusclient.client import TusClient
from tusclient.exceptions import TusCommunicationError, TusUploadFailed

from candidates.models import Answer
from tests.factories import CandidateInterviewFactory, InterviewQuestionFactory
from tests.uploads.conftest import sign_in, webm_audio, webm_video
from uploads import tasks
from uploads.models import Upload
from uploads.services import encode_metadata

pytestmark = pytest.mark.django_db(transaction=True)

TUS = {"Tus-Resumable": "1.0.0"}
OCTETS = "application/offset+octet-stream"


def endpoint(live_server) -> str:
    return f"{live_server.url}/uploads/"


def cookie(key: str) -> dict[str, str]:
    return {"Cookie": f"sessionid={key}"}


def metadata_for(question, attempt: int = 1) -> dict[str, str]:
    return {
        "question": str(question.pk),
        "attempt": str(attempt),
        "filename": "answer.webm",
        "filetype": "video/webm",
    }


def create(live_server, key, question, length: int, **headers) -> requests.Response:
    return requests.post(
        endpoint(live_server),
        headers={
            **TUS,
            **cookie(key),
            "Upload-Length": str(length),
            "Upload-Metadata": encode_metadata(metadata_for(question)),
            **headers,
        },
        timeout=10,
    )


def created(live_server, key, question, length: int) -> str:
    response = create(live_server, key, question, length)
    assert response.status_code == 201, response.text
    return response.headers["Location"]


def patch(url, key, body: bytes, offset: int, **headers) -> requests.Response:
    return requests.patch(
        url,
        data=body,
        headers={
            **TUS,
            **cookie(key),
            "Content-Type": OCTETS,
            "Upload-Offset": str(offset),
            **headers,
        },
        timeout=10,
    )


def head(url, key) -> requests.Response:
    return requests.head(url, headers={**TUS, **cookie(key)}, timeout=10)


def upload_of(url: str) -> Upload:
    return Upload.objects.get(pk=url.rstrip("/").rsplit("/", 1)[1])


def tus_upload(live_server, key, question, path, **options):
    client = TusClient(endpoint(live_server), headers=cookie(key))
    uploader = client.uploader(file_path=str(path), metadata=metadata_for(question), **options)
    uploader.upload()
    return uploader


class RawPatch:
    """A PATCH sent by hand over one connection, so a test can pause or cut the body."""

    def __init__(self, url: str, key: str, offset: int, length: int) -> None:
        parts = urlsplit(url)
        self.connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
        self.connection.putrequest("PATCH", parts.path)
        for name, value in {
            **TUS,
            **cookie(key),
            "Content-Type": OCTETS,
            "Upload-Offset": str(offset),
            "Content-Length": str(length),
        }.items():
            self.connection.putheader(name, value)
        self.connection.endheaders()

    def send(self, data: bytes) -> None:
        self.connection.send(data)

    def response(self) -> tuple[int, str]:
        reply = self.connection.getresponse()
        return reply.status, reply.read().decode()

    def cut(self) -> None:
        self.connection.close()


def wait_for(condition, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)


def test_it_advertises_tus_and_its_extensions(live_server, settings):
    settings.UPLOAD_MAX_SIZE = 5000

    response = requests.options(endpoint(live_server), timeout=10)

    assert response.status_code == 204
    assert response.headers["Tus-Resumable"] == "1.0.0"
    assert response.headers["Tus-Version"] == "1.0.0"
    assert set(response.headers["Tus-Extension"].split(",")) == {
        "creation",
        "creation-with-upload",
        "creation-defer-length",
        "expiration",
        "checksum",
        "termination",
    }
    assert response.headers["Tus-Max-Size"] == "5000"
    assert "sha1" in response.headers["Tus-Checksum-Algorithm"].split(",")


@pytest.mark.parametrize(
    ("make", "media_type"), [(webm_audio, "audio/webm"), (webm_video, "video/webm")]
)
def test_it_stores_a_recording_sent_by_tuspy_and_records_the_answer(
    live_server, session_key, invite, question, tmp_path, make, media_type
):
    data = make()
    path = tmp_path / "answer.webm"
    path.write_bytes(data)

    uploader = tus_upload(
        live_server,
        session_key,
        question,
        path,
        chunk_size=len(data) // 3 + 1,
        upload_checksum=True,
    )

    upload = upload_of(uploader.url)
    assert upload.status == Upload.Status.VERIFIED
    assert upload.offset == upload.length == len(data)
    assert upload.sha256 == hashlib.sha256(data).hexdigest()
    assert not upload.partial_file.exists()
    answer = Answer.objects.get(candidate_interview=invite, interview_question=question, attempt=1)
    assert answer.status == Answer.Status.PROCESSED  # eager Celery ran the pipeline
    assert answer.submitted_at is not None
    assert answer.media_type == media_type
    assert answer.duration_seconds == pytest.approx(1.5, abs=0.1)
    assert answer.media.name == f"answers/{invite.pk}/{question.pk}-1.webm"
    with default_storage.open(answer.media.name, "rb") as stored:
        assert hashlib.sha256(stored.read()).hexdigest() == upload.sha256


def test_it_resumes_after_a_cut_connection_and_stores_identical_bytes(
    live_server, session_key, invite, question, tmp_path
):
    data = webm_video()
    path = tmp_path / "answer.webm"
    path.write_bytes(data)
    url = created(live_server, session_key, question, len(data))
    half = len(data) // 2

    cut = RawPatch(url, session_key, offset=0, length=len(data))
    cut.send(data[:half])
    cut.cut()  # the connection drops halfway through the body

    # The server keeps the bytes that arrived (tus: store as much as possible).
    wait_for(lambda: head(url, session_key).headers.get("Upload-Offset") == str(half))
    client = TusClient(endpoint(live_server), headers=cookie(session_key))
    uploader = client.uploader(file_path=str(path), url=url, metadata=metadata_for(question))
    assert uploader.offset == half
    uploader.upload()

    upload = upload_of(url)
    assert upload.status == Upload.Status.VERIFIED
    assert upload.sha256 == hashlib.sha256(data).hexdigest()
    answer = Answer.objects.get(candidate_interview=invite, interview_question=question)
    with default_storage.open(answer.media.name, "rb") as stored:
        assert stored.read() == data


def test_it_takes_the_first_bytes_with_the_creation_request(live_server, session_key, question):
    data = webm_audio()

    response = requests.post(
        endpoint(live_server),
        data=data[:1000],
        headers={
            **TUS,
            **cookie(session_key),
            "Content-Type": OCTETS,
            "Upload-Length": str(len(data)),
            "Upload-Metadata": encode_metadata(metadata_for(question)),
        },
        timeout=10,
    )

    assert response.status_code == 201
    assert response.headers["Upload-Offset"] == "1000"
    url = response.headers["Location"]
    assert patch(url, session_key, data[1000:], 1000).status_code == 204
    assert upload_of(url).status == Upload.Status.VERIFIED


def test_head_reports_offset_length_metadata_and_expiry(live_server, session_key, question):
    url = created(live_server, session_key, question, 100)
    assert patch(url, session_key, b"x" * 40, 0).status_code == 204

    response = head(url, session_key)

    assert response.status_code == 200
    assert response.headers["Upload-Offset"] == "40"
    assert response.headers["Upload-Length"] == "100"
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["Tus-Resumable"] == "1.0.0"
    expires = parsedate_to_datetime(response.headers["Upload-Expires"])
    assert timedelta(hours=23) < expires - timezone.now() <= timedelta(hours=24)
    pairs = dict(pair.split(" ") for pair in response.headers["Upload-Metadata"].split(","))
    assert base64.b64decode(pairs["question"]).decode() == str(question.pk)


def test_a_stale_offset_gets_409_and_changes_nothing(live_server, session_key, question):
    url = created(live_server, session_key, question, 100)
    assert patch(url, session_key, b"x" * 10, 0).status_code == 204

    response = patch(url, session_key, b"y" * 10, 0)

    assert response.status_code == 409
    assert head(url, session_key).headers["Upload-Offset"] == "10"
    assert upload_of(url).partial_file.read_bytes() == b"x" * 10


def test_a_chunk_with_a_bad_checksum_gets_460_and_is_discarded(live_server, session_key, question):
    url = created(live_server, session_key, question, 100)
    wrong = base64.b64encode(hashlib.sha1(b"something else").digest()).decode()
    right = base64.b64encode(hashlib.sha1(b"z" * 30).digest()).decode()

    response = patch(url, session_key, b"z" * 30, 0, **{"Upload-Checksum": f"sha1 {wrong}"})

    assert response.status_code == 460
    assert head(url, session_key).headers["Upload-Offset"] == "0"
    assert upload_of(url).partial_file.read_bytes() == b""
    unsupported = patch(url, session_key, b"z" * 30, 0, **{"Upload-Checksum": f"crc32 {wrong}"})
    assert unsupported.status_code == 400
    again = patch(url, session_key, b"z" * 30, 0, **{"Upload-Checksum": f"sha1 {right}"})
    assert again.status_code == 204
    assert again.headers["Upload-Offset"] == "30"


def test_an_upload_over_the_size_limit_is_refused_at_creation(
    live_server, session_key, question, tmp_path, settings
):
    settings.UPLOAD_MAX_SIZE = 1000
    path = tmp_path / "big.webm"
    path.write_bytes(b"\0" * 1001)

    with pytest.raises(TusCommunicationError) as refused:
        tus_upload(live_server, session_key, question, path)

    assert refused.value.status_code == 413
    assert not Upload.objects.exists()


def test_a_body_past_the_upload_length_gets_413(live_server, session_key, question):
    url = created(live_server, session_key, question, 10)

    assert patch(url, session_key, b"x" * 11, 0).status_code == 413
    assert head(url, session_key).headers["Upload-Offset"] == "0"


def test_a_patch_needs_the_offset_octet_stream_type(live_server, session_key, question):
    url = created(live_server, session_key, question, 10)

    response = patch(url, session_key, b"x" * 5, 0, **{"Content-Type": "video/webm"})

    assert response.status_code == 415
    assert head(url, session_key).headers["Upload-Offset"] == "0"


def test_requests_without_tus_resumable_get_412(live_server, session_key, question):
    url = created(live_server, session_key, question, 10)
    bare = {**cookie(session_key), "Upload-Length": "10"}

    responses = [
        requests.post(endpoint(live_server), headers=bare, timeout=10),
        requests.head(url, headers=bare, timeout=10),
        requests.patch(
            url,
            data=b"x",
            headers={**bare, "Content-Type": OCTETS, "Upload-Offset": "0"},
            timeout=10,
        ),
        requests.delete(url, headers={**bare, "Tus-Resumable": "0.2.2"}, timeout=10),
    ]

    assert [r.status_code for r in responses] == [412] * 4
    assert all(r.headers["Tus-Version"] == "1.0.0" for r in responses)
    assert Upload.objects.count() == 1
    assert upload_of(url).offset == 0


def test_delete_terminates_the_upload_and_frees_its_file(live_server, session_key, question):
    url = created(live_server, session_key, question, 100)
    assert patch(url, session_key, b"x" * 10, 0).status_code == 204
    partial = upload_of(url).partial_file

    response = requests.delete(url, headers={**TUS, **cookie(session_key)}, timeout=10)

    assert response.status_code == 204
    assert not partial.exists()
    assert upload_of(url).status == Upload.Status.TERMINATED
    assert head(url, session_key).status_code == 410
    assert patch(url, session_key, b"x", 10).status_code == 410


def test_an_expired_upload_is_gone_and_the_sweep_removes_its_file(
    live_server, session_key, question
):
    url = created(live_server, session_key, question, 100)
    assert patch(url, session_key, b"x" * 10, 0).status_code == 204
    upload = upload_of(url)
    Upload.objects.filter(pk=upload.pk).update(expires_at=timezone.now() - timedelta(seconds=1))

    assert head(url, session_key).status_code == 410
    assert patch(url, session_key, b"x", 10).status_code == 410
    assert upload.partial_file.exists()

    counts = tasks.uploads_cleanup.delay().get()

    assert counts["expired"] == 1
    assert not upload.partial_file.exists()
    assert upload_of(url).status == Upload.Status.EXPIRED
    assert head(url, session_key).status_code == 410


def test_a_text_file_named_webm_is_rejected_and_no_answer_is_made(
    live_server, session_key, invite, question, tmp_path
):
    path = tmp_path / "answer.webm"
    path.write_bytes(b"This is not a recording, just some notes.\n" * 50)

    with pytest.raises(TusUploadFailed) as rejected:
        tus_upload(live_server, session_key, question, path)

    assert rejected.value.status_code == 422
    assert b"not a recording" in rejected.value.response_content
    upload = Upload.objects.get()
    assert upload.status == Upload.Status.REJECTED
    assert upload.rejection_reason
    assert not upload.partial_file.exists()
    assert not Answer.objects.filter(candidate_interview=invite).exists()
    assert not default_storage.exists(f"answers/{invite.pk}")


def test_another_invites_session_gets_404(live_server, session_key, question):
    url = created(live_server, session_key, question, 10)
    stranger = sign_in(
        CandidateInterviewFactory(interview=question.interview, consented_at=timezone.now())
    )

    assert head(url, stranger).status_code == 404
    assert patch(url, stranger, b"x" * 5, 0).status_code == 404
    deleted = requests.delete(url, headers={**TUS, **cookie(stranger)}, timeout=10)
    assert deleted.status_code == 404
    assert requests.head(url, headers=TUS, timeout=10).status_code == 404
    assert upload_of(url).status == Upload.Status.RECEIVING
    assert upload_of(url).offset == 0


def test_creation_needs_a_candidate_session_and_a_question_of_its_interview(
    live_server, session_key, question
):
    elsewhere = InterviewQuestionFactory()

    anonymous = requests.post(
        endpoint(live_server), headers={**TUS, "Upload-Length": "10"}, timeout=10
    )
    foreign = create(live_server, session_key, elsewhere, 10)
    no_question = requests.post(
        endpoint(live_server),
        headers={**TUS, **cookie(session_key), "Upload-Length": "10"},
        timeout=10,
    )

    assert anonymous.status_code == 403
    assert foreign.status_code == 400
    assert no_question.status_code == 400
    assert not Upload.objects.exists()


def test_a_cross_site_origin_is_refused(live_server, session_key, question):
    response = create(live_server, session_key, question, 10, Origin="https://evil.example.com")
    same_site = create(live_server, session_key, question, 10, Origin=live_server.url)

    assert response.status_code == 403
    assert same_site.status_code == 201


def test_a_body_larger_than_data_upload_max_memory_size_streams_in(
    live_server, session_key, question, settings
):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1024
    body = bytes(range(256)) * (3 * 4096)  # 3 MiB: bigger than Django's default 2.5 MB too
    url = created(live_server, session_key, question, len(body) + 10)

    response = patch(url, session_key, body, 0)

    assert response.status_code == 204
    assert response.headers["Upload-Offset"] == str(len(body))
    assert upload_of(url).partial_file.read_bytes() == body


def test_concurrent_patches_do_not_interleave(live_server, session_key, invite, question):
    data = webm_video()
    url = created(live_server, session_key, question, len(data))
    partial = upload_of(url).partial_file
    half = len(data) // 2
    first = RawPatch(url, session_key, offset=0, length=len(data))
    first.send(data[:half])

    def server_holds_the_lock() -> bool:
        with partial.open("rb") as handle:
            try:
                fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                return True
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)
            return False

    wait_for(server_holds_the_lock)
    results: dict[str, int] = {}
    second = threading.Thread(
        target=lambda: results.update(second=patch(url, session_key, data, 0).status_code)
    )
    second.start()
    second.join(timeout=10)
    first.send(data[half:])
    results["first"], _ = first.response()

    assert results == {"second": 409, "first": 204}
    upload = upload_of(url)
    assert upload.status == Upload.Status.VERIFIED
    assert upload.sha256 == hashlib.sha256(data).hexdigest()
    answer = Answer.objects.get(candidate_interview=invite, interview_question=question)
    with default_storage.open(answer.media.name, "rb") as stored:
        assert stored.read() == data


def test_it_takes_a_recording_whose_length_is_declared_with_its_last_bytes(
    live_server, session_key, question, invite
):
    """A recording uploaded while it is made: Upload-Defer-Length, then Upload-Length at the end."""
    body = webm_audio(2.0)
    response = requests.post(
        endpoint(live_server),
        headers={
            **TUS,
            **cookie(session_key),
            "Upload-Defer-Length": "1",
            "Upload-Metadata": encode_metadata(metadata_for(question)),
        },
        timeout=10,
    )
    assert response.status_code == 201, response.text
    url = response.headers["Location"]
    state = head(url, session_key)
    assert state.headers["Upload-Defer-Length"] == "1"
    assert "Upload-Length" not in state.headers
    half = len(body) // 2
    assert patch(url, session_key, body[:half], 0).status_code == 204
    assert upload_of(url).length is None
    last = patch(url, session_key, body[half:], half, **{"Upload-Length": str(len(body))})
    assert last.status_code == 204, last.text
    assert head(url, session_key).headers["Upload-Length"] == str(len(body))
    wait_for(lambda: Answer.objects.filter(candidate_interview=invite).exists())
    upload = upload_of(url)
    assert upload.status == Upload.Status.VERIFIED
    assert upload.sha256 == hashlib.sha256(body).hexdigest()


def test_a_deferred_length_smaller_than_what_was_sent_is_refused(
    live_server, session_key, question
):
    response = requests.post(
        endpoint(live_server),
        headers={
            **TUS,
            **cookie(session_key),
            "Upload-Defer-Length": "1",
            "Upload-Metadata": encode_metadata(metadata_for(question)),
        },
        timeout=10,
    )
    url = response.headers["Location"]
    assert patch(url, session_key, b"x" * 100, 0).status_code == 204
    refused = patch(url, session_key, b"y" * 10, 100, **{"Upload-Length": "50"})
    assert refused.status_code == 400
    assert upload_of(url).offset == 100


def test_a_retake_replaces_the_answer_until_no_retakes_are_left(
    live_server, session_key, question, invite
):
    invite.interview.retakes_allowed = 1
    invite.interview.save()
    first = created(live_server, session_key, question, len(webm_audio(1.5)))
    assert patch(first, session_key, webm_audio(1.5), 0).status_code == 204
    body = webm_audio(2.0)
    second = created(live_server, session_key, question, len(body))
    assert patch(second, session_key, body, 0).status_code == 204
    answer = Answer.objects.get(candidate_interview=invite, interview_question=question)
    assert answer.retakes_used == 1
    with answer.media.open("rb") as stored:
        assert hashlib.sha256(stored.read()).hexdigest() == hashlib.sha256(body).hexdigest()
    refused = create(live_server, session_key, question, 100)
    assert refused.status_code == 403
    assert "no retakes are left" in refused.text


def test_no_recording_is_accepted_before_the_candidate_consents(live_server, question):
    invite = CandidateInterviewFactory(interview=question.interview)
    response = create(live_server, sign_in(invite), question, 10)
    assert response.status_code == 403
    assert "privacy notice" in response.text
    assert not Upload.objects.exists()
