"""Business days as US federal rules count them: no weekends, no federal holidays.

SEC rules (17 CFR 240.0-3: a business day is any day but Saturday, Sunday or a federal holiday)
drive the 8-K clock. The eleven holidays are fixed by statute (5 U.S.C. 6103) and computed here,
with the observed-day shift (Saturday -> Friday, Sunday -> Monday) that Executive Order 11582
sets, instead of pulling a holiday library into every Lambda asset for one rule set. A new
holiday is a one-line change, as it would be a version bump of a library.
"""

from datetime import date, timedelta
from functools import cache

_SATURDAY, _SUNDAY = 5, 6


def _nth_weekday(year: int, month: int, weekday: int, n: int) -> date:
    """The n-th given weekday of a month (n=-1: the last one)."""
    if n > 0:
        first = date(year, month, 1)
        return first + timedelta(days=(weekday - first.weekday()) % 7 + 7 * (n - 1))
    following = date(year + month // 12, month % 12 + 1, 1)
    last = following - timedelta(days=1)
    return last - timedelta(days=(last.weekday() - weekday) % 7)


def _observed(day: date) -> date:
    if day.weekday() == _SATURDAY:
        return day - timedelta(days=1)
    if day.weekday() == _SUNDAY:
        return day + timedelta(days=1)
    return day


@cache
def us_federal_holidays(year: int) -> frozenset[date]:
    """The days federal offices close in `year` (observed dates), including a New Year's Day
    of `year + 1` observed on December 31."""
    monday, thursday = 0, 3
    fixed = [date(year, 1, 1), date(year, 7, 4), date(year, 11, 11), date(year, 12, 25)]
    if year >= 2021:
        fixed.append(date(year, 6, 19))  # Juneteenth National Independence Day
    floating = [
        _nth_weekday(year, 1, monday, 3),  # Birthday of Martin Luther King, Jr.
        _nth_weekday(year, 2, monday, 3),  # Washington's Birthday
        _nth_weekday(year, 5, monday, -1),  # Memorial Day
        _nth_weekday(year, 9, monday, 1),  # Labor Day
        _nth_weekday(year, 10, monday, 2),  # Columbus Day
        _nth_weekday(year, 11, thursday, 4),  # Thanksgiving Day
    ]
    days = {_observed(d) for d in fixed} | set(floating)
    next_new_year = _observed(date(year + 1, 1, 1))
    if next_new_year.year == year:
        days.add(next_new_year)
    return frozenset(d for d in days if d.year == year)


def is_business_day(day: date) -> bool:
    return day.weekday() < _SATURDAY and day not in us_federal_holidays(day.year)


def add_business_days(start: date, count: int) -> date:
    """The `count`-th business day after `start` (the start day itself never counts)."""
    day, left = start, count
    while left > 0:
        day += timedelta(days=1)
        if is_business_day(day):
            left -= 1
    return day
