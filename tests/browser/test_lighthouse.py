"""Lighthouse's performance audit of the signed-in board (200 cards, its default
mobile throttling; bench/lighthouse_board.py does the work): a score of 90 or more
and a cumulative layout shift of at most 0.1. About 30 s; deselect with
``-m "not lighthouse"``."""
import os
import shutil

import pytest

from bench.lighthouse_board import LIGHTHOUSE, run
from tests.conftest import skip_or_fail


@pytest.mark.lighthouse
def test_signed_in_board_scores_90_in_lighthouse_without_layout_shift():
    if not LIGHTHOUSE.exists() or not shutil.which("node"):
        skip_or_fail("Lighthouse is not installed (npm ci)")
    if not os.path.exists("/usr/bin/chromium"):
        skip_or_fail("/usr/bin/chromium is missing (apt-get install chromium)")
    [(figures, _seconds, report)] = run(cards=200, runs=1)
    assert figures["cls"] <= 0.1, figures
    assert figures["score"] >= 90, (figures, {k: a.get("displayValue") for k, a in report["audits"].items()
                                              if a.get("score") is not None and a["score"] < 0.9})
