"""CSV imports: parsing and preview (nothing saved), the import task, and the pages."""

import time

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from accounts.models import AuditEvent
from candidates.models import Candidate, ImportJob
from candidates.services import imports
from candidates.services import invites as invite_services
from candidates.services.imports import import_job_create, import_job_start, import_parse
from candidates.tasks import candidate_import_run
from tests.factories import CandidateFactory, ImportJobFactory, InterviewFactory

pytestmark = pytest.mark.django_db

HEADER = "first_name,last_name,email,phone,external_id\n"


def _csv(*lines: str, header: str = HEADER) -> bytes:
    return (header + "\n".join(lines) + "\n").encode()


def _file_error(exc_info) -> str:
    return " ".join(exc_info.value.message_dict["file"])


# ---------------------------------------------------------------- parsing


def test_it_reads_a_utf8_file_with_a_bom_and_semicolons():
    data = (
        "\ufeffFirst name;Last name;E-mail;Phone number\n"
        "Zoë;Ørsted;zoe@example.com;+45 32 12 34 56\n"
    )
    parsed = import_parse(data=data.encode())
    assert parsed.errors == []
    assert parsed.rows == [
        {
            "row": 2,
            "first_name": "Zoë",
            "last_name": "Ørsted",
            "email": "zoe@example.com",
            "phone": "+4532123456",
            "external_id": "",
            "sms_opt_in": False,
        }
    ]


@pytest.mark.parametrize(
    "header",
    [
        "first_name,last_name,email,phone,external_id",
        "firstName,lastName,Email,Phone,externalId",
        "First name,Last name,Email address,Mobile,ATS id",
        " FIRST_NAME , Surname ,MAIL,tel,External ID",
    ],
)
def test_it_matches_header_names_flexibly(header):
    parsed = import_parse(data=f"{header}\nAda,Lovelace,ada@example.com,,A-1\n".encode())
    row = parsed.rows[0]
    assert (row["first_name"], row["last_name"], row["email"], row["external_id"]) == (
        "Ada",
        "Lovelace",
        "ada@example.com",
        "A-1",
    )


def test_it_splits_a_single_name_column_and_lists_ignored_columns():
    parsed = import_parse(
        data=b"Name,Email,Notes\nAda King Lovelace,ada@example.com,met at PyCon\n"
    )
    assert (parsed.rows[0]["first_name"], parsed.rows[0]["last_name"]) == ("Ada", "King Lovelace")
    assert parsed.ignored_columns == ["Notes"]


def test_it_reports_each_bad_row_with_its_row_number_field_and_message():
    parsed = import_parse(
        data=_csv(
            "Ada,Lovelace,ada@example.com,,",
            ",NoFirst,nofirst@example.com,,",
            "",
            "Bad,Phone,,020 7946 0958,",
            "Bad,Email,not-an-email,+14155550123,",
            "No,Contact,,,",
        )
    )
    assert [r["first_name"] for r in parsed.rows] == ["Ada"]
    by_row = {(e["row"], e["field"]): e["message"] for e in parsed.errors}
    # Row numbers are spreadsheet rows: header is row 1; the blank line 4 still counts.
    assert set(by_row) == {(3, "first_name"), (5, "phone"), (6, "email"), (7, "email")}
    assert "starting with +" in by_row[(5, "phone")]
    assert "not a valid address" in by_row[(6, "email")]
    assert "email or a phone number" in by_row[(7, "email")]


def test_it_marks_later_duplicate_emails_in_the_file_as_errors():
    parsed = import_parse(
        data=_csv(
            "Ada,Lovelace,ada@example.com,,",
            "Ada,Again,ADA@example.com,,",
            "Ann,Phone,,+14155550123,",
            "Ann,Phone,,+1 415 555 0123,",
            "Ben,Phone,,+14155550123,",
        )
    )
    assert [(r["row"], r["last_name"]) for r in parsed.rows] == [
        (2, "Lovelace"),
        (4, "Phone"),
        (6, "Phone"),
    ]
    assert [(e["row"], e["field"]) for e in parsed.errors] == [(3, "email"), (5, "phone")]
    assert "same email is on row 2" in parsed.errors[0]["message"]


@pytest.mark.parametrize(
    ("data", "says"),
    [
        (b"", "empty"),
        (b"first_name,email\n", "no rows"),
        (b"email,phone\na@example.com,\n", "first_name (or name)"),
        (b"first_name,last_name\nAda,Lovelace\n", "email or a phone column"),
        (b"first_name,email,E-mail\nAda,a@example.com,b@example.com\n", "keep one"),
        ("first_name,email\nZoë,z@example.com\n".encode("latin-1"), "not UTF-8"),
        (b'first_name,email\nAda,"' + b"x" * 200_000 + b'"\n', "not valid CSV near line 2"),
    ],
)
def test_it_refuses_a_file_it_cannot_read_and_says_why(data, says):
    with pytest.raises(ValidationError) as exc_info:
        import_parse(data=data)
    assert says in _file_error(exc_info)


def test_it_refuses_a_file_over_the_size_limit():
    data = HEADER.encode() + b"x" * imports.MAX_BYTES
    with pytest.raises(ValidationError) as exc_info:
        import_parse(data=data)
    assert "the limit is 5 MB" in _file_error(exc_info)


def test_it_refuses_a_file_over_the_row_limit(monkeypatch):
    monkeypatch.setattr(imports, "MAX_ROWS", 3)
    rows = [f"P{n},X,p{n}@example.com,," for n in range(4)]
    assert len(import_parse(data=_csv(*rows[:3])).rows) == 3
    with pytest.raises(ValidationError) as exc_info:
        import_parse(data=_csv(*rows))
    assert "more than 3 rows" in _file_error(exc_info)


# ---------------------------------------------------------------- preview


def test_it_previews_without_saving_any_candidate(team, recruiter):
    CandidateFactory(team=team, first_name="Ada", last_name="", email="ada@example.com", phone="")
    CandidateFactory(
        team=team, first_name="Bob", last_name="B", email="bob@example.com", phone="+14155550100"
    )
    job, ignored = import_job_create(
        team=team,
        by=recruiter,
        filename="people.csv",
        data=_csv(
            "Ada,Lovelace,ADA@example.com,,",
            "Bob,B,bob@example.com,,",
            "Cy,New,cy@example.com,,",
            "Bad,Row,,,",
        ),
    )
    assert ignored == []
    assert Candidate.objects.count() == 2
    assert (job.status, job.total, job.processed, job.created_by) == ("preview", 3, 0, recruiter)
    assert [r["match"] for r in job.rows] == ["update", "exists", "new"]
    assert job.errors == [{"row": 5, "field": "email", "message": job.errors[0]["message"]}]


# ---------------------------------------------------------------- the import task


def _job(team, user, lines, **start):
    job, _ = import_job_create(team=team, by=user, filename="c.csv", data=_csv(*lines))
    return job


def test_it_imports_creates_and_fills_in_and_counts(
    team, recruiter, django_capture_on_commit_callbacks
):
    CandidateFactory(team=team, first_name="Ada", last_name="", email="ada@example.com", phone="")
    job = _job(
        team,
        recruiter,
        [
            "Ada,Lovelace,ada@example.com,+14155550123,",
            "Cy,New,cy@example.com,,",
            "Di,Phone,,+14155550124,",
        ],
    )
    with django_capture_on_commit_callbacks(execute=True) as queued:
        import_job_start(job=job)
    assert len(queued) == 1
    job.refresh_from_db()
    assert (job.status, job.processed, job.created_count, job.updated_count) == ("done", 3, 2, 1)
    assert job.finished_at is not None
    ada = Candidate.objects.get(email="ada@example.com")
    assert (ada.last_name, ada.phone) == ("Lovelace", "+14155550123")
    new = Candidate.objects.get(email="cy@example.com")
    assert (new.team, new.created_by) == (team, recruiter)
    assert Candidate.objects.filter(team=team).count() == 3


def test_it_is_safe_to_run_twice_and_resumes_from_processed(team, recruiter):
    job = _job(team, recruiter, [f"P{n},X,p{n}@example.com,," for n in range(7)])
    job.status = ImportJob.Status.QUEUED
    job.save()
    # A first run that stopped after two batches of two: the rows and the progress committed.
    imports.import_job_run(job_id=job.pk, batch_size=2)
    assert Candidate.objects.count() == 7
    job.refresh_from_db()
    assert (job.status, job.processed, job.created_count) == ("done", 7, 7)

    # Running again changes nothing.
    assert candidate_import_run(str(job.pk)) == "done"
    assert Candidate.objects.count() == 7

    # A run that resumes mid-way imports only the rest.
    other = _job(team, recruiter, [f"Q{n},X,q{n}@example.com,," for n in range(5)])
    ImportJob.objects.filter(pk=other.pk).update(status="running", processed=3, created_count=3)
    imports.import_job_run(job_id=other.pk, batch_size=2)
    other.refresh_from_db()
    assert (other.status, other.processed, other.created_count) == ("done", 5, 5)
    assert sorted(
        Candidate.objects.filter(first_name__startswith="Q").values_list("first_name", flat=True)
    ) == [
        "Q3",
        "Q4",
    ]


def test_it_imports_rows_an_earlier_import_already_made_as_existing(team, recruiter):
    lines = ["Ada,Lovelace,ada@example.com,,", "Di,Phone,,+14155550124,"]
    for _ in range(2):
        job = _job(team, recruiter, lines)
        ImportJob.objects.filter(pk=job.pk).update(status="queued")
        imports.import_job_run(job_id=job.pk)
    job.refresh_from_db()
    assert (job.created_count, job.updated_count, job.processed) == (0, 0, 2)
    assert Candidate.objects.count() == 2


def test_it_leaves_a_previewed_job_alone(team, recruiter):
    job = _job(team, recruiter, ["Ada,Lovelace,ada@example.com,,"])
    assert candidate_import_run(str(job.pk)) == "preview"
    assert candidate_import_run("0190a8c4-0000-7000-8000-000000000000") == "missing"
    assert not Candidate.objects.exists()


def test_it_refuses_to_start_twice_or_with_nothing_to_import(
    team, recruiter, django_capture_on_commit_callbacks
):
    job = _job(team, recruiter, ["Ada,Lovelace,ada@example.com,,"])
    with django_capture_on_commit_callbacks(execute=True):
        import_job_start(job=job)
    with pytest.raises(ValidationError, match="already done"):
        import_job_start(job=job)
    empty = _job(team, recruiter, ["Bad,Row,,,"])
    with pytest.raises(ValidationError, match="No row of this file"):
        import_job_start(job=empty)


def test_it_imports_ten_thousand_rows_quickly(team, recruiter, django_capture_on_commit_callbacks):
    lines = [
        f"First{n},Last{n},person{n}@example.com,+1415555{n % 10000:04d},EXT-{n}"
        for n in range(10_000)
    ]
    CandidateFactory(team=team, email="person5@example.com", last_name="", external_id="")
    started = time.monotonic()
    job = _job(team, recruiter, lines)
    with django_capture_on_commit_callbacks(execute=True):
        import_job_start(job=job)
    elapsed = time.monotonic() - started
    job.refresh_from_db()
    assert (job.status, job.processed, job.created_count, job.updated_count) == (
        "done",
        10_000,
        9_999,
        1,
    )
    assert Candidate.objects.filter(team=team).count() == 10_000
    assert elapsed < 20, f"10,000 rows took {elapsed:.1f} s"


@pytest.fixture
def invite_calls(monkeypatch):
    calls = []

    def invite_create_many(
        *,
        team,
        by,
        candidates,
        interview,
        delivery_types,
        expires_at=None,
        import_job=None,
        sms_opt_in=None,
    ):
        calls.append(
            {
                "team": team,
                "by": by,
                "candidates": list(candidates),
                "interview": interview,
                "delivery_types": delivery_types,
            }
        )
        return []

    monkeypatch.setattr(invite_services, "invite_create_many", invite_create_many, raising=False)
    return calls


def test_it_invites_every_imported_row_batch_by_batch(team, recruiter, invite_calls):
    interview = InterviewFactory(team=team)
    CandidateFactory(team=team, email="p0@example.com")
    job = _job(team, recruiter, [f"P{n},X,p{n}@example.com,," for n in range(5)])
    import_job_start(job=job, interview=interview, delivery_types=["email", "sms", "email"])
    imports.import_job_run(job_id=job.pk, batch_size=2)
    assert [len(c["candidates"]) for c in invite_calls] == [2, 2, 1]
    assert {c["interview"] for c in invite_calls} == {interview}
    assert invite_calls[0]["delivery_types"] == ["email", "sms"]
    assert invite_calls[0]["candidates"][0].email == "p0@example.com"
    job.refresh_from_db()
    assert (job.interview, job.delivery_types) == (interview, ["email", "sms"])


def test_it_fails_the_job_with_the_invite_services_reason(team, recruiter, monkeypatch):
    interview = InterviewFactory(team=team)
    batches = []

    def invite_create_many(**kwargs):
        batches.append(kwargs)
        if len(batches) == 2:
            raise ValidationError({"interview": "This interview is closed."})

    monkeypatch.setattr(invite_services, "invite_create_many", invite_create_many, raising=False)
    job = _job(team, recruiter, [f"P{n},X,p{n}@example.com,," for n in range(5)])
    import_job_start(job=job, interview=interview, delivery_types=["email"])
    monkeypatch.setattr(imports, "BATCH_SIZE", 2)
    assert candidate_import_run(str(job.pk)) == "failed"
    job.refresh_from_db()
    assert (job.status, job.processed, job.failure_reason) == (
        "failed",
        2,
        "This interview is closed.",
    )
    # The first batch stays; the failed batch is rolled back whole.
    assert Candidate.objects.count() == 2


def test_it_records_candidates_the_invite_service_could_not_invite(team, recruiter, monkeypatch):
    class Failure:
        def __init__(self, candidate):
            self.candidate, self.message = candidate, f"{candidate.first_name} has no phone."

    class Batch:
        def __init__(self, failed):
            self.failed = failed

    def invite_create_many(*, candidates, **kwargs):
        return Batch([Failure(c) for c in candidates if not c.phone])

    monkeypatch.setattr(invite_services, "invite_create_many", invite_create_many, raising=False)
    job = _job(team, recruiter, ["Ada,L,ada@example.com,,", "Bob,B,bob@example.com,+14155550123,"])
    import_job_start(job=job, interview=InterviewFactory(team=team), delivery_types=["sms"])
    imports.import_job_run(job_id=job.pk)
    job.refresh_from_db()
    assert job.status == "done"
    assert job.errors == [{"row": 2, "field": "invite", "message": "Ada has no phone."}]


def test_it_needs_a_delivery_type_to_invite(team, recruiter, invite_calls):
    job = _job(team, recruiter, ["Ada,Lovelace,ada@example.com,,"])
    with pytest.raises(ValidationError) as exc_info:
        import_job_start(job=job, interview=InterviewFactory(team=team))
    assert "email, SMS or both" in exc_info.value.message_dict["delivery_types"][0]


def test_it_refuses_an_interview_when_inviting_is_not_available(team, recruiter, monkeypatch):
    monkeypatch.delattr(invite_services, "invite_create_many", raising=False)
    job = _job(team, recruiter, ["Ada,Lovelace,ada@example.com,,"])
    with pytest.raises(ValidationError, match="not available"):
        import_job_start(job=job, interview=InterviewFactory(team=team))


def test_it_refuses_another_teams_interview_or_unknown_delivery(
    team, other_team, recruiter, invite_calls
):
    job = _job(team, recruiter, ["Ada,Lovelace,ada@example.com,,"])
    with pytest.raises(ValidationError) as exc_info:
        import_job_start(job=job, interview=InterviewFactory(team=other_team))
    assert "interview" in exc_info.value.message_dict
    with pytest.raises(ValidationError) as exc_info:
        import_job_start(job=job, interview=InterviewFactory(team=team), delivery_types=["fax"])
    assert "delivery_types" in exc_info.value.message_dict
    job.refresh_from_db()
    assert job.status == "preview"


# ---------------------------------------------------------------- pages


def _upload(client, tmp_path, content: bytes, name="candidates.csv", **headers):
    path = tmp_path / name
    path.write_bytes(content)
    with path.open("rb") as handle:
        return client.post(reverse("candidates:candidate_import"), {"file": handle}, **headers)


def test_it_uploads_a_file_and_shows_the_preview_with_row_errors(login, recruiter, tmp_path):
    client = login(recruiter)
    response = _upload(
        client, tmp_path, _csv("Ada,Lovelace,ada@example.com,,", "Bad,Phone,,12345,")
    )
    job = ImportJob.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("candidates:import_detail", args=[job.pk])
    page = client.get(response["Location"])
    html = page.content.decode()
    assert page.status_code == 200
    assert 'data-testid="import-errors"' in html
    assert "starting with +" in html
    assert "Ada" in html
    assert "Import 1 candidate" in html
    assert 'hx-trigger="every 1s"' not in html
    assert not Candidate.objects.exists()


def test_it_shows_a_file_error_next_to_the_file_field(login, recruiter, tmp_path):
    response = _upload(login(recruiter), tmp_path, b"colour,size\nred,9\n")
    assert response.status_code == 422
    assert 'id="id_file-error"' in response.content.decode()
    assert not ImportJob.objects.exists()


def test_it_refuses_a_big_upload_before_reading_it(login, recruiter, tmp_path):
    response = _upload(login(recruiter), tmp_path, HEADER.encode() + b"x" * (imports.MAX_BYTES + 1))
    assert response.status_code == 422
    assert "the limit is 5 MB" in response.content.decode()


def test_it_tells_which_columns_it_ignored(login, recruiter, tmp_path):
    client = login(recruiter)
    response = _upload(client, tmp_path, b"first_name,email,Notes\nAda,ada@example.com,hi\n")
    page = client.get(response["Location"])
    assert "Columns ignored: Notes." in page.content.decode()


def test_it_starts_the_import_and_shows_the_result(
    login, recruiter, team, tmp_path, django_capture_on_commit_callbacks
):
    client = login(recruiter)
    _upload(client, tmp_path, _csv("Ada,Lovelace,ada@example.com,,", "Bob,B,bob@example.com,,"))
    job = ImportJob.objects.get()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("candidates:import_start", args=[job.pk]))
    assert response.status_code == 302
    job.refresh_from_db()
    assert job.status == "done"
    html = client.get(reverse("candidates:import_detail", args=[job.pk])).content.decode()
    assert 'data-testid="import-result"' in html
    assert "2 new candidates" in html
    assert Candidate.objects.filter(team=team).count() == 2


def test_it_polls_progress_with_an_htmx_fragment_until_done(
    login, recruiter, team, django_assert_max_num_queries
):
    job = ImportJobFactory(team=team, status="running", total=10, processed=4, rows=[{"x": 1}] * 10)
    client = login(recruiter)
    url = reverse("candidates:import_detail", args=[job.pk])
    with django_assert_max_num_queries(8):
        response = client.get(url, headers={"HX-Request": "true"})
    html = response.content.decode()
    assert html.lstrip().startswith('<div id="import-progress"')
    assert 'hx-trigger="every 1s"' in html
    assert 'aria-valuenow="40"' in html
    assert "HX-Request" in response["Vary"]
    ImportJob.objects.filter(pk=job.pk).update(status="done", processed=10, created_count=10)
    html = client.get(url, headers={"HX-Request": "true"}).content.decode()
    assert "hx-trigger" not in html
    assert "10 new candidates" in html


def test_it_offers_inviting_only_when_the_invite_service_exists(
    login, recruiter, team, monkeypatch, invite_calls
):
    InterviewFactory(team=team, title="Backend Engineer")
    job = _job(team, recruiter, ["Ada,Lovelace,ada@example.com,,"])
    client = login(recruiter)
    url = reverse("candidates:import_detail", args=[job.pk])
    assert "Backend Engineer" in client.get(url).content.decode()
    monkeypatch.delattr(invite_services, "invite_create_many")
    assert "Backend Engineer" not in client.get(url).content.decode()


def test_it_reports_a_bad_start_choice_on_the_preview(
    login, recruiter, team, other_team, invite_calls
):
    job = _job(team, recruiter, ["Ada,Lovelace,ada@example.com,,"])
    response = login(recruiter).post(
        reverse("candidates:import_start", args=[job.pk]),
        {"interview": str(InterviewFactory(team=other_team).pk), "delivery_types": ["email"]},
    )
    assert response.status_code == 422
    assert 'id="id_interview-error"' in response.content.decode()
    job.refresh_from_db()
    assert job.status == "preview"


def test_it_needs_login_for_imports(client, team):
    job = ImportJobFactory(team=team)
    for url in [
        reverse("candidates:candidate_import"),
        reverse("candidates:import_detail", args=[job.pk]),
    ]:
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("accounts:login"))


def test_it_hides_another_teams_import(login, outsider, team):
    job = ImportJobFactory(team=team)
    client = login(outsider)
    assert client.get(reverse("candidates:import_detail", args=[job.pk])).status_code == 404
    assert client.post(reverse("candidates:import_start", args=[job.pk])).status_code == 404
    job.refresh_from_db()
    assert job.status == "preview"


def test_it_forbids_imports_to_a_hiring_manager(login, hiring_manager, team, tmp_path):
    job = ImportJobFactory(team=team, rows=[{"row": 2}], total=1)
    client = login(hiring_manager)
    assert client.get(reverse("candidates:candidate_import")).status_code == 403
    assert _upload(client, tmp_path, _csv("Ada,Lovelace,ada@example.com,,")).status_code == 403
    assert client.get(reverse("candidates:import_detail", args=[job.pk])).status_code == 403
    assert client.post(reverse("candidates:import_start", args=[job.pk])).status_code == 403
    job.refresh_from_db()
    assert job.status == "preview"
    assert ImportJob.objects.count() == 1
    assert AuditEvent.objects.filter(action="permission.denied").count() == 4


def test_it_lists_recent_imports_on_the_upload_page(login, recruiter, team, other_team):
    ImportJobFactory(team=team, filename="spring.csv")
    ImportJobFactory(team=other_team, filename="secret.csv")
    html = login(recruiter).get(reverse("candidates:candidate_import")).content.decode()
    assert "spring.csv" in html
    assert "secret.csv" not in html


def test_texts_go_only_to_the_rows_whose_sms_opt_in_column_says_yes(
    team, recruiter, django_capture_on_commit_callbacks
):
    from candidates.models import CandidateInterview
    from candidates.services.sms_consent import IMPORT_WORDING

    interview = InterviewFactory(team=team)
    data = (
        b"first_name,last_name,email,phone,SMS opt-in\n"
        b"Ada,L,ada@example.com,+14155550101,yes\n"
        b"Bob,B,bob@example.com,+14155550102,no\n"
        b"Cy,C,cy@example.com,+14155550103,perhaps\n"
    )
    job, _ignored = import_job_create(team=team, by=recruiter, filename="c.csv", data=data)
    assert [(e["row"], e["field"]) for e in job.errors] == [(4, "sms_opt_in")]
    assert "Write yes or no in the sms_opt_in column" in job.errors[0]["message"]
    with django_capture_on_commit_callbacks(execute=True):
        import_job_start(job=job, interview=interview, delivery_types=["sms"])
        imports.import_job_run(job_id=job.pk)
    invite = CandidateInterview.objects.get()
    assert invite.candidate.first_name == "Ada"
    assert (invite.sms_opt_in, invite.sms_opt_in_wording) == (True, IMPORT_WORDING)
    job.refresh_from_db()
    [refused] = [e for e in job.errors if e["field"] == "invite"]
    assert refused["row"] == 3
    assert "Bob B has not agreed to receive text messages" in refused["message"]
