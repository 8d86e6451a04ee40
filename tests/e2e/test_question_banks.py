import re
from decimal import Decimal

import pytest
from playwright.sync_api import Page, expect

from interviews.models import AITextQuestion, SurveyQuestion

pytestmark = pytest.mark.django_db(transaction=True)

DEMO_PASSWORD = "panelist-demo"


def sign_in(page: Page, base: str, email: str) -> None:
    page.goto(f"{base}/accounts/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", level=1)).to_be_visible()


def test_it_builds_a_weighted_question_with_the_adaptive_form(live_server, demo, page: Page):
    base = live_server.url
    sign_in(page, base, "recruiter@panelist.demo")
    page.goto(f"{base}/questions/survey/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Survey questions")
    page.get_by_role("link", name="New survey question").click()

    page.get_by_label("Title").fill("Years with Python")
    page.get_by_label("Question", exact=True).fill("How long have you worked with Python?")

    # Switching the type swaps in the weighted options' fields; no option is marked preferred.
    page.get_by_label("Type").select_option("MULTIPLE_CHOICE_WEIGHTED")
    expect(page.get_by_label("Weight of option 1")).to_be_visible()
    expect(page.get_by_label("Preferred (option 1)")).to_have_count(0)
    page.get_by_label("Option 1", exact=True).fill("Less than a year")
    page.get_by_label("Weight of option 1").fill("1")
    page.get_by_label("Option 2", exact=True).fill("More than five years")
    page.get_by_label("Weight of option 2").fill("3")

    # A third option, focused for typing, then moved above the second.
    page.get_by_role("button", name="Add option").click()
    third = page.get_by_label("Option 3", exact=True)
    expect(third).to_be_focused()
    third.fill("One to five years")
    page.get_by_label("Weight of option 3").fill("2.5")
    page.get_by_role("button", name="Move option 3 up").click()
    expect(page.get_by_label("Option 2", exact=True)).to_have_value("One to five years")
    expect(page.get_by_label("Weight of option 2")).to_have_value("2.5")
    expect(page.get_by_label("Option 3", exact=True)).to_have_value("More than five years")
    expect(page.get_by_label("Title")).to_have_value("Years with Python")

    page.get_by_role("button", name="Save question").click()
    expect(page).to_have_url(f"{base}/questions/survey/")
    expect(page.get_by_role("status")).to_contain_text("Saved “Years with Python”")
    row = page.get_by_role("row").filter(has_text="Years with Python")
    expect(row).to_contain_text("Multiple choice, weighted")
    question = SurveyQuestion.objects.get(title="Years with Python")
    assert list(question.options.order_by("ordinal").values_list("text", "weight")) == [
        ("Less than a year", Decimal(1)),
        ("One to five years", Decimal("2.5")),
        ("More than five years", Decimal(3)),
    ]

    # The search narrows the table in place and keeps the URL shareable.
    other = page.get_by_role("row").filter(has_text="Help-desk experience")
    expect(other).to_be_visible()
    page.get_by_label("Search").fill("python")
    expect(other).to_have_count(0)
    expect(row).to_be_visible()
    expect(page).to_have_url(re.compile(r"[?&]q=python"))
    page.get_by_label("Search").fill("no such question")
    expect(row).to_have_count(0)
    expect(page.get_by_text("No survey questions match")).to_be_visible()


def test_it_shows_a_rule_next_to_the_option_that_breaks_it(live_server, demo, page: Page):
    base = live_server.url
    sign_in(page, base, "recruiter@panelist.demo")
    page.goto(f"{base}/questions/survey/new/")
    page.get_by_label("Title").fill("Remote work")
    page.get_by_label("Question", exact=True).fill("Where would you work?")
    page.get_by_label("Option 1", exact=True).fill("Remote")
    page.get_by_label("Option 2", exact=True).fill("remote")
    page.get_by_role("button", name="Save question").click()
    option_2 = page.get_by_label("Option 2", exact=True)
    expect(option_2).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#id_options-1-text-error")).to_contain_text("repeats option 1")
    assert not SurveyQuestion.objects.filter(title="Remote work").exists()


def test_it_builds_a_rubric_inline(live_server, demo, page: Page):
    base = live_server.url
    sign_in(page, base, "recruiter@panelist.demo")
    page.goto(f"{base}/questions/ai-text/new/")
    page.get_by_label("Title").fill("Idempotency")
    page.get_by_label("Question", exact=True).fill("What makes an API call idempotent?")
    page.get_by_label("Criterion 1", exact=True).fill("Accuracy")
    page.get_by_label("What a strong answer shows (criterion 1)").fill("Defines it correctly.")
    page.get_by_role("button", name="Add criterion").click()
    expect(page.get_by_label("Criterion 2", exact=True)).to_be_focused()
    page.get_by_label("Criterion 2", exact=True).fill("Examples")
    page.get_by_label("What a strong answer shows (criterion 2)").fill("PUT versus POST.")
    page.get_by_label("Weight of criterion 2").fill("3")
    page.get_by_role("button", name="Move criterion 2 up").click()
    expect(page.get_by_label("Criterion 1", exact=True)).to_have_value("Examples")
    page.get_by_role("button", name="Save question").click()
    expect(page).to_have_url(f"{base}/questions/ai-text/")
    expect(page.get_by_role("row").filter(has_text="Idempotency")).to_be_visible()
    question = AITextQuestion.objects.get(title="Idempotency")
    assert list(question.criteria.order_by("ordinal").values_list("name", "weight")) == [
        ("Examples", 3),
        ("Accuracy", 1),
    ]


def test_it_works_without_javascript(live_server, demo, browser):
    base = live_server.url
    page = browser.new_context(java_script_enabled=False).new_page()
    sign_in(page, base, "recruiter@panelist.demo")
    page.goto(f"{base}/questions/survey/new/")
    page.get_by_label("Title").fill("Cover letter")
    page.get_by_label("Question", exact=True).fill("Why this team?")
    page.get_by_label("Type").select_option("FREE_TEXT")
    page.get_by_role("button", name="Update form").click()
    expect(page.get_by_label("Option 1", exact=True)).to_have_count(0)
    page.get_by_label("Maximum answer length").fill("800")
    page.get_by_role("button", name="Save question").click()
    expect(page).to_have_url(f"{base}/questions/survey/")
    expect(page.get_by_role("row").filter(has_text="Cover letter")).to_contain_text("Free text")
    question = SurveyQuestion.objects.get(title="Cover letter")
    assert (question.survey_type, question.max_character_length) == ("FREE_TEXT", 800)
