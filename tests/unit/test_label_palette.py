"""The labels' palette is accessible: every colour's text reads on it at 4.5:1 or
better (WCAG AA), the board's style sheet paints each the same, and the due-date
marks pass too. And when a due date makes a card overdue or due soon."""
import re
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from workflow.domain.labels import (COLORS, DUE_DONE_STATES, MIN_CONTRAST, PALETTE, contrast, due_status,
                                    first_free_color)

CSS = (Path(__file__).resolve().parents[2] / "static" / "css" / "board.css").read_text()


def test_contrast_ratio_is_computed_as_wcag_says():
    assert contrast("#000000", "#ffffff") == pytest.approx(21)
    assert contrast("#ffffff", "#ffffff") == pytest.approx(1)
    assert contrast("#d97706", "#ffffff") == pytest.approx(3.19, abs=0.01)  # the old over-limit badge fails


@pytest.mark.parametrize("color", COLORS)
def test_each_palette_colour_has_a_text_colour_passing_4_5_to_1(color):
    background, text, _name = PALETTE[color]
    assert contrast(background, text) >= MIN_CONTRAST


@pytest.mark.parametrize("color", COLORS)
def test_the_board_style_sheet_paints_each_palette_colour_as_the_domain_says(color):
    background, text, _name = PALETTE[color]
    rule = re.search(rf"\.label-{color} \{{([^}}]*)\}}", CSS)
    assert rule, f".label-{color} missing from board.css"
    assert f"background:{background}" in rule.group(1) and f"color:{text}" in rule.group(1)


def test_palette_has_about_ten_distinct_colours():
    assert 8 <= len(COLORS) <= 12 and len({PALETTE[c][0] for c in COLORS}) == len(COLORS)


@pytest.mark.parametrize("background, text", [("#b91c1c", "#ffffff"), ("#fef3c7", "#78350f"),
                                              ("#ffffff", "#991b1b")])
def test_due_marks_pass_contrast(background, text):
    assert contrast(background, text) >= MIN_CONTRAST
    assert background in CSS and text in CSS


def test_a_new_label_takes_the_first_colour_no_label_has_yet():
    assert first_free_color([]) == COLORS[0]
    assert first_free_color([COLORS[0], COLORS[2]]) == COLORS[1]
    assert first_free_color(list(COLORS)) == COLORS[0]


NOW = datetime(2026, 12, 1, 12, tzinfo=timezone.utc)


def test_a_due_date_passed_is_overdue_and_one_within_two_days_due_soon():
    assert due_status(NOW - timedelta(minutes=1), "proposed", NOW) == "overdue"
    assert due_status(NOW + timedelta(days=1), "in_review", NOW) == "due_soon"
    assert due_status(NOW + timedelta(days=3), "proposed", NOW) is None
    assert due_status(None, "proposed", NOW) is None


@pytest.mark.parametrize("state", DUE_DONE_STATES)
def test_an_item_approved_or_further_is_never_late(state):
    assert due_status(NOW - timedelta(days=5), state, NOW) is None
