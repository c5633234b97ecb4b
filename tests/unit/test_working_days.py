"""Working days skip weekends and public holidays (the `holidays` package):
review limits, reminders and the dashboard's overdue figures count them."""
from datetime import date, datetime, timezone

from workflow.domain.reviews import public_holidays, working_days_between


def at(day, hour=18):
    return datetime(day.year, day.month, day.day, hour, tzinfo=timezone.utc)


def test_christmas_is_not_a_working_day():
    # Thursday 24 December 2026 18:00 → Saturday 26 December 18:00: Friday is Christmas.
    assert working_days_between(at(date(2026, 12, 24)), at(date(2026, 12, 26))) == 0


def test_new_year_may_day_and_bastille_day_are_not_working_days():
    assert working_days_between(at(date(2026, 12, 31)), at(date(2027, 1, 1))) == 0
    assert working_days_between(at(date(2026, 4, 30)), at(date(2026, 5, 1))) == 0
    assert working_days_between(at(date(2026, 7, 13)), at(date(2026, 7, 14))) == 0


def test_an_ordinary_week_still_counts_its_weekdays():
    # Friday evening → Monday evening: one working day.
    assert working_days_between(at(date(2026, 11, 27)), at(date(2026, 11, 30))) == 1


def test_a_region_adds_its_own_holidays():
    alsace = public_holidays("FR", "6AE")
    # 26 December 2025 is a Friday: a holiday in Alsace, a working day elsewhere in France.
    assert working_days_between(at(date(2025, 12, 25)), at(date(2025, 12, 26))) == 1
    assert working_days_between(at(date(2025, 12, 25)), at(date(2025, 12, 26)), alsace) == 0
