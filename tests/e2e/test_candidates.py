"""Importing candidates from a CSV in a real browser: preview with a row error, import, the
progress bar polled to done, then the imported candidate found by search."""

import pytest
from playwright.sync_api import Page, expect

from candidates.models import ImportJob
from candidates.services.imports import import_job_run
from candidates.tasks import candidate_import_run
from tests.e2e.conftest import SHOTS

pytestmark = pytest.mark.django_db(transaction=True)


CSV = """\ufefffirst name;Last name;E-mail;Phone
Zebulon;Quartermaine;zeb.quartermaine@example.org;+1 415 555 0142
Henrietta;Okonkwo-Smith;henrietta@example.org;
Broken;Phone;;0207 946 0958
"""


def sign_in(page: Page, base: str, email: str = "recruiter@panelist.demo") -> None:
    page.goto(f"{base}/accounts/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill("panelist-demo")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", level=1)).to_be_visible()


def test_it_imports_a_csv_and_finds_the_candidate(
    live_server, demo, page: Page, tmp_path, monkeypatch
):
    # No worker here: the queued import waits until this test runs it, so the page is seen
    # polling before it reaches done.
    monkeypatch.setattr(candidate_import_run, "delay", lambda *args, **kwargs: None)
    upload = tmp_path / "candidates.csv"
    upload.write_text(CSV, encoding="utf-8")
    base = live_server.url
    sign_in(page, base)

    page.goto(f"{base}/candidates/")
    page.get_by_role("link", name="Import CSV").click()
    page.screenshot(path=SHOTS / "candidate-import-upload.png", full_page=True)
    page.get_by_label("CSV file").set_input_files(upload)
    page.get_by_role("button", name="Upload and preview").click()

    errors = page.get_by_test_id("import-errors")
    expect(errors).to_contain_text("4")
    expect(errors).to_contain_text("phone")
    expect(errors).to_contain_text("starting with +")
    expect(page.get_by_test_id("import-rows")).to_contain_text("Zebulon Quartermaine")
    page.screenshot(path=SHOTS / "candidate-import-preview.png", full_page=True)

    page.get_by_role("button", name="Import 2 candidates").click()
    progress = page.locator("#import-progress")
    expect(progress).to_have_attribute("hx-trigger", "every 1s")
    expect(page.get_by_test_id("import-processed")).to_have_text("0 of 2 rows imported.")

    job = ImportJob.objects.get(filename="candidates.csv")
    assert job.status == ImportJob.Status.QUEUED
    import_job_run(job_id=job.pk)

    # The poll picks up the finished import without a reload, and stops polling.
    expect(page.get_by_test_id("import-result")).to_contain_text("2 new candidates", timeout=5000)
    expect(page.locator(".progress-bar")).to_have_text("100%")
    expect(page.locator("#import-progress")).not_to_have_attribute("hx-trigger", "every 1s")
    page.screenshot(path=SHOTS / "candidate-import-done.png", full_page=True)

    page.get_by_role("link", name="See the candidates").click()
    page.get_by_label("Search").fill("quartermaine")
    rows = page.locator("#table-region tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Zebulon Quartermaine")
    expect(rows.first).to_contain_text("+14155550142")
    assert "q=quartermaine" in page.url
    page.screenshot(path=SHOTS / "candidates-desktop.png", full_page=True)

    rows.first.get_by_role("link", name="Zebulon Quartermaine").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Zebulon Quartermaine")
    expect(page.get_by_text("Not invited to any interview yet.")).to_be_visible()
    page.screenshot(path=SHOTS / "candidate-detail.png", full_page=True)

    page.set_viewport_size({"width": 360, "height": 740})
    page.goto(f"{base}/candidates/")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    page.screenshot(path=SHOTS / "candidates-phone.png", full_page=True)
