"""WCAG contrast of the colours panelist.css sets for text and controls, on the page (body
background) and on white cards, so a colour change that makes a button unreadable fails."""

import re
from pathlib import Path

import pytest

CSS = (Path(__file__).resolve().parents[1] / "static" / "css" / "panelist.css").read_text()
WHITE = "#ffffff"


def luminance(hex_colour: str) -> float:
    value = hex_colour.lstrip("#")
    if len(value) == 3:
        value = "".join(ch * 2 for ch in value)
    channels = [int(value[i : i + 2], 16) / 255 for i in (0, 2, 4)]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(a: str, b: str) -> float:
    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def variable(selector: str, name: str) -> str:
    block = re.search(re.escape(selector) + r"\s*\{(.*?)\}", CSS, re.S)
    assert block, f"{selector} is not styled in panelist.css"
    found = re.search(re.escape(name) + r"\s*:\s*(#[0-9a-fA-F]{3,6})", block.group(1))
    assert found, f"{selector} sets no {name}"
    return found.group(1)


PAGE = variable(":root", "--bs-body-bg")


def test_the_contrast_formula_matches_wcag():
    assert contrast("#000000", "#ffffff") == pytest.approx(21)
    assert contrast("#ffc107", "#ffffff") == pytest.approx(1.63, abs=0.01)


@pytest.mark.parametrize(
    ("selector", "name"),
    [
        (".btn-outline-warning", "--bs-btn-color"),
        (".btn-outline-warning", "--bs-btn-border-color"),
        (".btn-outline-primary", "--bs-btn-color"),
        (".btn-outline-secondary", "--bs-btn-color"),
        (".btn-outline-danger", "--bs-btn-color"),
        (".btn-outline-danger", "--bs-btn-border-color"),
        (".btn-outline-success", "--bs-btn-color"),
        (".btn-outline-success", "--bs-btn-border-color"),
        (":root", "--bs-link-color"),
        (":root", "--bs-secondary-color"),
        (":root", "--bs-code-color"),
    ],
)
def test_text_and_control_borders_reach_4_5_to_1_on_the_page_and_on_cards(selector, name):
    colour = variable(selector, name)
    assert contrast(colour, PAGE) >= 4.5, (selector, name, colour)
    assert contrast(colour, WHITE) >= 4.5, (selector, name, colour)


@pytest.mark.parametrize(
    ("selector", "background"),
    [
        (".btn-outline-warning", "--bs-btn-hover-bg"),
        (".btn-outline-secondary", "--bs-btn-hover-bg"),
        (".btn-outline-danger", "--bs-btn-hover-bg"),
        (".btn-outline-success", "--bs-btn-hover-bg"),
    ],
)
def test_a_filled_buttons_white_text_reaches_4_5_to_1(selector, background):
    assert contrast(WHITE, variable(selector, background)) >= 4.5


@pytest.mark.parametrize(
    ("selector", "name"),
    [
        (":root", "--panelist-control-border"),
        (".btn-outline-secondary", "--bs-btn-border-color"),
    ],
)
def test_control_borders_reach_3_to_1_on_the_page_and_on_cards(selector, name):
    colour = variable(selector, name)
    assert contrast(colour, PAGE) >= 3, (selector, name, colour)
    assert contrast(colour, WHITE) >= 3, (selector, name, colour)


def test_inputs_use_the_control_border():
    assert re.search(
        r"\.form-control, \.form-select, \.form-check-input \{ border-color: "
        r"var\(--panelist-control-border\); \}",
        CSS,
    )
