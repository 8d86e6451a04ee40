"""Building an interview in a real browser: picker, drag and drop, keyboard moves, copy."""

import pytest
from playwright.sync_api import Page, expect

from interviews.models import Interview
from tests.e2e.conftest import SHOTS

pytestmark = pytest.mark.django_db(transaction=True)


def sign_in(page: Page, base: str, email: str = "recruiter@panelist.demo") -> None:
    page.goto(f"{base}/accounts/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill("panelist-demo")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", level=1)).to_be_visible()


def titles(page: Page) -> list[str]:
    return [
        t.strip()
        for t in page.locator("[data-testid=question-item] .question-title").all_inner_texts()
    ]


def add_from_picker(page: Page, kind: str) -> None:
    if page.locator(f"#picker[data-kind={kind}]").count() == 0:
        label = {"audio": "Spoken", "survey": "Survey", "ai_text": "Written"}[kind]
        page.get_by_role("navigation", name="Kind of question").get_by_role(
            "link", name=label
        ).click()
    expect(page.locator(f"#picker[data-kind={kind}]")).to_be_visible()
    first = page.locator(".picker-results li").first
    expect(first).to_be_visible()
    count = page.get_by_test_id("question-item").count()
    first.get_by_role("button", name="Add").click()
    expect(page.get_by_test_id("question-item")).to_have_count(count + 1)


def test_it_builds_reorders_and_copies_an_interview(live_server, demo, page: Page):
    base = live_server.url
    sign_in(page, base, "owner@panelist.demo")

    page.get_by_role("link", name="Interviews", exact=True).click()
    page.get_by_role("link", name="New interview").click()
    page.get_by_label("Title").fill("Data Engineer")
    page.get_by_label("Keywords").fill("sql, airflow")
    page.get_by_role("button", name="Create interview").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Data Engineer")
    expect(page.get_by_text("No questions yet.")).to_be_visible()

    # One question of each kind from the banks, through the searchable picker.
    add_from_picker(page, "audio")
    add_from_picker(page, "survey")
    add_from_picker(page, "ai_text")
    built = titles(page)
    assert len(built) == 3
    # The bank search narrows the picker as you type.
    page.get_by_label("Search the bank").fill("zzz-no-such-question")
    expect(page.locator("#picker")).to_contain_text("Nothing in the bank matches")
    page.screenshot(path=SHOTS / "builder-desktop.png", full_page=True)

    # Drag the last question to the top; the order survives a reload.
    items = page.get_by_test_id("question-item")
    with page.expect_response(lambda r: r.url.endswith("/questions/") and r.status == 200):
        items.nth(2).locator(".drag-handle").drag_to(
            items.nth(0), target_position={"x": 10, "y": 5}
        )
    expected = [built[2], built[0], built[1]]
    expect(page.locator("[data-testid=question-item] .question-title")).to_have_text(expected)
    page.reload()
    assert titles(page) == expected

    # Keyboard: focus "move down" on the first question and press Enter.
    down = page.get_by_role("button", name=f"Move “{expected[0]}” down")
    down.focus()
    page.keyboard.press("Enter")
    expected = [expected[1], expected[0], expected[2]]
    expect(page.locator("[data-testid=question-item] .question-title")).to_have_text(expected)
    page.reload()
    assert titles(page) == expected
    interview = Interview.objects.get(title="Data Engineer")
    assert [i.ordinal for i in interview.items.order_by("ordinal")] == [1, 2, 3]

    # Copy to the other team from the modal, and land on the copy there.
    page.get_by_role("link", name="Copy…").click()
    dialog = page.get_by_role("dialog")
    expect(dialog).to_be_visible()
    page.screenshot(path=SHOTS / "copy-modal-desktop.png")
    dialog.get_by_label("Copy to team").select_option(label="Northwind Sales")
    dialog.get_by_label("Copy the keywords too").check()
    dialog.get_by_role("button", name="Copy interview").click()
    expect(page.get_by_test_id("current-team")).to_have_text("Northwind Sales")
    expect(page.get_by_role("heading", level=1)).to_have_text("Data Engineer")
    assert titles(page) == expected
    copy = Interview.objects.get(title="Data Engineer", team__slug="northwind-sales")
    assert sorted(k.text for k in copy.keywords.all()) == ["airflow", "sql"]

    # The preview shows the questions as candidates get them.
    page.get_by_role("link", name="Preview").click()
    expect(page.get_by_role("complementary", name="Preview")).to_contain_text(
        "Nothing you do here is saved"
    )
    expect(page.get_by_text("Question 3 of 3")).to_be_visible()
    page.screenshot(path=SHOTS / "preview-desktop.png", full_page=True)


def test_it_tells_the_second_editor_their_list_was_stale(live_server, demo, page: Page, browser):
    base = live_server.url
    sign_in(page, base)
    interview = Interview.objects.get(title="Backend Engineer")
    url = f"{base}/interviews/{interview.pk}/"
    page.goto(url)
    other = browser.new_context().new_page()
    sign_in(other, base, "owner@panelist.demo")
    other.goto(url)
    first = titles(page)[0]
    page.get_by_role("button", name=f"Move “{first}” down").click()
    expect(page.locator("[data-testid=question-item] .question-title").nth(1)).to_have_text(first)
    # The second browser still shows the old order: its move is refused, not applied.
    other.get_by_role("button", name=f"Move “{first}” down").click()
    expect(other.get_by_test_id("list-error")).to_contain_text("Someone else changed")
    assert titles(other)[1] == first
